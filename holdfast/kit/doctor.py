"""Invariant checks that `holdfast doctor` runs over a live database.

An app registers checks in its `doctor.py` (discovered automatically):

    @check("billing.invoice_totals", "Invoice totals equal their items plus tax")
    def invoice_totals():
        return [Finding("invoice 12 total 100 != items 90", repairable=False)]

    @repair("billing.invoice_totals")
    def fix_invoice_totals(findings): ...   # returns how many were repaired
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Finding:
    message: str
    tenant_id: int | None = None
    data: dict = field(default_factory=dict)


@dataclass
class Check:
    name: str
    description: str
    run: Callable[[], list[Finding]]
    repair: Callable[[list[Finding]], int] | None = None


REGISTRY: dict[str, Check] = {}


def check(name: str, description: str):
    def decorator(fn):
        REGISTRY[name] = Check(name=name, description=description, run=fn)
        return fn

    return decorator


def repair(name: str):
    def decorator(fn):
        REGISTRY[name].repair = fn
        return fn

    return decorator

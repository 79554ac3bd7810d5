"""Import every app's doctor.py so its checks register."""
from __future__ import annotations

import importlib

from django.apps import apps


def discover() -> None:
    for config in apps.get_app_configs():
        if not config.name.startswith("holdfast."):
            continue
        try:
            importlib.import_module(f"{config.name}.doctor")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.doctor":
                raise

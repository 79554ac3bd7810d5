"""The targets of issue 13, evaluated against one run's results dict.

Pure functions (no Django, no server) so the evaluation is unit-tested on a fake results dict
(tests/test_bench_targets.py). Each target reads one figure from the results by a path of keys;
a figure that is absent (phase skipped, or it crashed) is "not measured" — never "met".

`ratio` is measured / target: ≥ 1 is good for an "at least" target, ≤ 1 for an "at most" one.
For a target of 0 (double sales) the ratio is undefined and left None.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

MET, MISSED, NOT_MEASURED = "met", "missed", "not measured"


@dataclass(frozen=True)
class Target:
    name: str
    path: tuple[str, ...]  # keys into the results dict
    op: str  # ">=", "<=", "<", "=="
    target: float
    unit: str = ""


TARGETS: tuple[Target, ...] = (
    Target("contested holds HTTP/raw SQL at c=64", ("contested_holds", "64", "ratio_to_raw"), ">=", 0.5, "×"),
    Target("contested holds HTTP committed/s at c=64", ("contested_holds", "64", "http", "per_second"), ">=", 250, "/s"),
    Target("contested holds HTTP p99 at c=64", ("contested_holds", "64", "http", "p99_ms"), "<=", 250, "ms"),
    Target("double sales (after the HTTP phases)", ("double_sales",), "==", 0),
    Target("double sales (after all phases)", ("double_sales_final",), "==", 0),
    Target("availability reads HTTP at c=16", ("availability_reads_http_c16", "requests_per_second"), ">=", 800, "/s"),
    Target("statements per availability read over HTTP", ("statements", "HTTP GET availability (incl. auth)"), "<=", 3),
    Target("calendar 200×31 mean", ("calendar_200x31", "mean_ms"), "<=", 30, "ms"),
    Target("booking cost at 1M / at 10k blocks", ("booking_cost_ratio_1m_over_10k",), "<=", 1.2, "×"),
    Target("web worker peak RSS", ("web_worker_peak_rss_mb",), "<", 200, "MB"),
)

# Issue 13 item 2: every vertical's hot write sells nothing twice (the phase's own overlap count).
VERTICAL_DOUBLE_SALES = (
    ("walker double bookings (petcare)", ("walker_double_bookings",)),
    ("oversold pallet days (storage)", ("storage_pallet_bookings", "oversold_days_total")),
    ("estate unit double holds", ("vertical_hot_writes", "estate", "double_sales")),
    ("hotel room double sales", ("vertical_hot_writes", "hotel", "double_sales")),
    ("apartment double bookings", ("vertical_hot_writes", "apartments", "double_sales")),
)
TARGETS += tuple(Target(name, path, "==", 0) for name, path in VERTICAL_DOUBLE_SALES)
# Any answer other than 201/409/503 (a 404 from a vertical not enabled, a 400, a 500) in any HTTP write phase.
TARGETS += (Target("unexpected HTTP answers in the write phases", ("http_errors_total",), "==", 0),)


def http_errors_total(results: dict) -> int | None:
    """Errors summed over every HTTP load phase in the results (None when none ran)."""
    phases = [v.get("http") for v in results.get("contested_holds", {}).values()]
    phases += [v.get("http") for v in results.get("contested_walker_jobs", {}).values()]
    phases += [v.get("http") for v in results.get("storage_pallet_bookings", {}).values() if isinstance(v, dict)]
    phases += [v.get("http") for v in results.get("vertical_hot_writes", {}).values()]
    counted = [p["errors"] for p in phases if isinstance(p, dict) and "errors" in p]
    return sum(counted) if counted else None


def lookup(results: dict, path: tuple[str, ...]):
    node = results
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node if isinstance(node, (int, float)) and not isinstance(node, bool) else None


def passes(op: str, measured: float, target: float) -> bool:
    return {">=": measured >= target, "<=": measured <= target, "<": measured < target, "==": measured == target}[op]


def evaluate_one(t: Target, results: dict) -> dict:
    measured = lookup(results, t.path)
    row = {"name": t.name, "target": f"{t.op} {t.target:g}{(' ' + t.unit) if t.unit else ''}".strip(), "target_value": t.target, "op": t.op, "measured": measured, "unit": t.unit}
    if measured is None:
        return {**row, "ratio": None, "status": NOT_MEASURED}
    row["ratio"] = round(measured / t.target, 2) if t.target else None
    return {**row, "status": MET if passes(t.op, measured, t.target) else MISSED}


def evaluate(results: dict, targets: tuple[Target, ...] = TARGETS) -> list[dict]:
    return [evaluate_one(t, results) for t in targets]


def summary(rows: list[dict]) -> dict:
    out = {MET: 0, MISSED: 0, NOT_MEASURED: 0}
    for r in rows:
        out[r["status"]] += 1
    return out


def format_table(rows: list[dict]) -> str:
    width = max(len(r["name"]) for r in rows)
    lines = [f"{'target'.ljust(width)}  {'measured':>10}  {'target':>12}  {'ratio':>6}  status"]
    for r in rows:
        measured = "—" if r["measured"] is None else f"{r['measured']:g}"
        ratio = "—" if r["ratio"] is None else f"{r['ratio']:g}"
        lines.append(f"{r['name'].ljust(width)}  {measured:>10}  {r['target']:>12}  {ratio:>6}  {r['status']}")
    s = summary(rows)
    lines.append(f"{s[MET]} met, {s[MISSED]} missed, {s[NOT_MEASURED]} not measured")
    return "\n".join(lines)


def load_average() -> list[float] | None:
    """1/5/15-minute load average, so a run on a busy machine shows it in its own JSON."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None

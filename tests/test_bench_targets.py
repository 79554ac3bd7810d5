"""bench/targets.py: issue 13's targets evaluated on a fake results dict (no database, no server)."""
from __future__ import annotations

from bench import targets
from bench.targets import MET, MISSED, NOT_MEASURED, Target, evaluate, evaluate_one


def quiet_run() -> dict:
    """A results dict shaped like bench/__main__.py writes it, every target met."""
    return {
        "contested_holds": {"64": {"http": {"per_second": 300.0, "p99_ms": 200.0}, "raw_sql": {"per_second": 500.0}, "ratio_to_raw": 0.6}},
        "double_sales": 0, "double_sales_final": 0,
        "availability_reads_http_c16": {"requests_per_second": 900.0},
        "statements": {"HTTP GET availability (incl. auth)": 3},
        "calendar_200x31": {"mean_ms": 12.5},
        "booking_cost_ratio_1m_over_10k": 1.05,
        "web_worker_peak_rss_mb": 104.3,
        "walker_double_bookings": 0,
        "storage_pallet_bookings": {"oversold_days_total": 0},
        "vertical_hot_writes": {v: {"double_sales": 0} for v in ("estate", "hotel", "apartments")},
        "http_errors_total": 0,
    }


def by_name(rows):
    return {r["name"]: r for r in rows}


def test_every_target_of_a_run_that_meets_them_is_met():
    rows = evaluate(quiet_run())
    assert [r["status"] for r in rows] == [MET] * len(targets.TARGETS)


def test_every_issue_13_item_1_target_is_listed():
    names = {t.name for t in targets.TARGETS}
    for expected in ("contested holds HTTP/raw SQL at c=64", "contested holds HTTP committed/s at c=64", "contested holds HTTP p99 at c=64",
                     "double sales (after all phases)", "availability reads HTTP at c=16", "statements per availability read over HTTP",
                     "calendar 200×31 mean", "booking cost at 1M / at 10k blocks", "web worker peak RSS"):
        assert expected in names


def test_a_figure_on_the_wrong_side_of_its_target_is_missed():
    run = quiet_run()
    run["contested_holds"]["64"]["ratio_to_raw"] = 0.36
    run["contested_holds"]["64"]["http"]["p99_ms"] = 345.0
    run["double_sales_final"] = 1
    run["web_worker_peak_rss_mb"] = 200.0  # "< 200": the bound itself misses
    rows = by_name(evaluate(run))
    assert rows["contested holds HTTP/raw SQL at c=64"]["status"] == MISSED
    assert rows["contested holds HTTP p99 at c=64"]["status"] == MISSED
    assert rows["double sales (after all phases)"]["status"] == MISSED
    assert rows["web worker peak RSS"]["status"] == MISSED
    assert rows["contested holds HTTP committed/s at c=64"]["status"] == MET


def test_a_figure_exactly_on_an_inclusive_bound_is_met():
    run = quiet_run()
    run["calendar_200x31"]["mean_ms"] = 30
    run["availability_reads_http_c16"]["requests_per_second"] = 800
    rows = by_name(evaluate(run))
    assert rows["calendar 200×31 mean"]["status"] == MET
    assert rows["availability reads HTTP at c=16"]["status"] == MET


def test_a_skipped_phase_is_not_measured_never_met():
    run = quiet_run()
    del run["booking_cost_ratio_1m_over_10k"]  # BENCH_MILLION=0
    del run["vertical_hot_writes"]["hotel"]
    rows = by_name(evaluate(run))
    assert rows["booking cost at 1M / at 10k blocks"]["status"] == NOT_MEASURED
    assert rows["booking cost at 1M / at 10k blocks"]["measured"] is None
    assert rows["booking cost at 1M / at 10k blocks"]["ratio"] is None
    assert rows["hotel room double sales"]["status"] == NOT_MEASURED


def test_an_empty_run_measures_nothing():
    assert {r["status"] for r in evaluate({})} == {NOT_MEASURED}


def test_a_null_figure_is_not_measured():
    # A phase that ran with no successful request writes None (load.summarize) or a ratio of None.
    run = quiet_run()
    run["contested_holds"]["64"]["ratio_to_raw"] = None
    run["contested_holds"]["64"]["http"]["p99_ms"] = None
    rows = by_name(evaluate(run))
    assert rows["contested holds HTTP/raw SQL at c=64"]["status"] == NOT_MEASURED
    assert rows["contested holds HTTP p99 at c=64"]["status"] == NOT_MEASURED


def test_ratio_is_measured_over_target():
    run = quiet_run()
    run["contested_holds"]["64"]["http"]["per_second"] = 169.9
    run["availability_reads_http_c16"]["requests_per_second"] = 298.4
    rows = by_name(evaluate(run))
    assert rows["contested holds HTTP committed/s at c=64"]["ratio"] == 0.68
    assert rows["availability reads HTTP at c=16"]["ratio"] == 0.37
    assert rows["calendar 200×31 mean"]["ratio"] == round(12.5 / 30, 2)


def test_a_zero_target_has_no_ratio():
    row = evaluate_one(Target("double sales", ("double_sales",), "==", 0), {"double_sales": 0})
    assert row["status"] == MET and row["ratio"] is None


def test_the_printed_table_names_every_status_and_counts_them():
    run = quiet_run()
    del run["booking_cost_ratio_1m_over_10k"]
    run["calendar_200x31"]["mean_ms"] = 31.4
    text = targets.format_table(evaluate(run))
    assert "not measured" in text and "missed" in text and " met" in text
    assert text.splitlines()[-1] == f"{len(targets.TARGETS) - 2} met, 1 missed, 1 not measured"


def test_load_average_is_three_numbers():
    load = targets.load_average()
    assert load is None or len(load) == 3


def test_unexpected_answers_are_summed_over_every_http_write_phase():
    run = {"contested_holds": {"16": {"http": {"errors": 0}}, "64": {"http": {"errors": 1}}},
           "storage_pallet_bookings": {"64": {"http": {"errors": 40}}, "oversold_days_total": 0},
           "vertical_hot_writes": {"hotel": {"http": {"errors": 2}, "raw_sql": None}}}
    assert targets.http_errors_total(run) == 43
    run["http_errors_total"] = targets.http_errors_total(run)
    assert by_name(evaluate(run))["unexpected HTTP answers in the write phases"]["status"] == MISSED


def test_no_http_phase_means_unexpected_answers_are_not_measured():
    assert targets.http_errors_total({"calendar_200x31": {"mean_ms": 3}}) is None

"""The server-side SVG chart, the template helpers and the live-update script's contract."""
from __future__ import annotations

from pathlib import Path

from holdfast.web.charts import bar_chart, nice_max
from holdfast.web.templatetags.holdfast import action_label, diff_value, entity_label

STATIC = Path(__file__).resolve().parent.parent / "static" / "web"


def test_axis_top_is_a_round_number_at_or_above_the_maximum():
    assert [nice_max(v) for v in (0, 3, 5, 11, 20, 99, 101)] == [4, 4, 5, 20, 20, 100, 200]


def test_bars_scale_to_the_plot_and_keep_their_values():
    chart = bar_chart([("a", 0), ("b", 5), ("c", 10)], width=300, height=120)
    heights = [b.height for b in chart["bars"]]
    assert heights[0] == 0 and heights[2] == 2 * heights[1]
    assert [b.value for b in chart["bars"]] == [0, 5, 10] and chart["total"] == 15
    assert all(b.x + b.width <= chart["plot_right"] for b in chart["bars"])
    assert chart["bars"][-1].show_label  # the latest day is always labelled


def test_empty_chart_draws_flat_bars():
    chart = bar_chart([("a", 0), ("b", 0)])
    assert all(b.height == 0 for b in chart["bars"]) and chart["total"] == 0


def test_action_and_diff_labels_read_like_words():
    assert action_label("customers.customer.created") == "Customer created"
    assert action_label("accounts.membership.role_changed") == "Membership role changed"
    assert diff_value({"city": "Hamburg"}) == "city: Hamburg"
    assert diff_value(True) == "yes" and diff_value(None) == "—"
    assert entity_label("accounts.apitoken") == "Api token" and entity_label("tenancy.tenant") == "Tenant"
    assert entity_label("estate.not_built_yet") == "Not built yet"


def test_live_script_maps_sse_names_to_body_events_and_backs_off():
    js = (STATIC / "holdfast.js").read_text()
    assert "data-live-url" in js and "EventSource" in js
    assert '"stats:changed"' in js and '"booking:updated"' in js
    assert 'replace(/[^a-z0-9]+/g, "-")' in js  # stats:changed -> hf:stats-changed
    assert "response.status === 404" in js and "MAX_DELAY" in js


def test_htmx_is_vendored_not_loaded_from_a_cdn():
    assert (STATIC / "htmx.min.js").stat().st_size > 30_000
    assert "htmx" in (STATIC / "htmx.min.js").read_text()[:200]

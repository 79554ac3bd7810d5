"""People read words, not stored codes (issue 15 item 3)."""
from __future__ import annotations

import pytest

from holdfast.kit.labels import code_label, source_label


@pytest.mark.parametrize("code, words", [("ROOM_CHARGE", "Room charge"), ("DOWN_PAYMENT", "Down payment"), ("VACANT_DIRTY", "Vacant, dirty"),
                                         ("LATE_CHECKOUT_FEE", "Late checkout fee"), ("", "—"), (None, "—"), ("Walk 30 min", "Walk 30 min")])
def test_codes_read_as_words(code, words):
    assert code_label(code) == words


def test_sources_name_the_part_of_the_business():
    assert source_label("hotel.reservation") == "Hotel"
    assert source_label("estate.booking") == "Real estate"
    assert source_label("") == "Direct"
    assert source_label("laundry.order") == "Laundry"


@pytest.mark.django_db
def test_a_customers_notifications_show_no_event_codes(tenant, web_as):
    from django.urls import reverse

    from tests.factories import NotificationFactory, member

    customer_user = member(tenant, "customer", email="buyer@harbour.test")

    NotificationFactory(tenant=tenant, recipient=customer_user, event_type="estate.booking:approved", title="Your hold on A-101 is approved")
    html = web_as(customer_user).get(reverse("events:notifications")).content.decode()
    assert "Your hold on A-101 is approved" in html
    assert "estate.booking:approved" not in html


def test_no_screen_cites_the_specification_or_prints_a_stored_history_state():
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parents[1] / "holdfast"
    offenders = []
    for path in root.rglob("*.html"):
        text = path.read_text()
        if re.search(r"\bseed\b", text, re.I):
            offenders.append(f"{path.relative_to(root)}: cites the seed")
        for m in re.finditer(r"\{\{ h\.(from_status|to_status|transition)(\|[^}]*)? \}\}", text):
            if "code_label" not in (m.group(2) or ""):
                offenders.append(f"{path.relative_to(root)}: {m.group(0)}")
    assert not offenders, "\n".join(offenders)

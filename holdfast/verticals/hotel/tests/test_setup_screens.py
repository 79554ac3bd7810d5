"""Hotel setup screens (issue 15 item 6): properties, room types with restrictions, rooms, rate plans with
prices, each created and edited through the screens by a role holding `hotel.setup`; other roles get no
Setup tab and a 403; another business's ids answer 404; bad input is a readable message and writes nothing."""
from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from holdfast.core.audit.models import AuditEntry
from holdfast.verticals.hotel.models import Property, RatePlan, RatePlanPrice, Restriction, Room, RoomType

from .factories import hotel, today

pytestmark = pytest.mark.django_db


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _text(response) -> str:
    return response.content.decode()


# ---------------------------------------------------------------- the owner sets a hotel up

def test_the_owner_creates_and_edits_a_property(web_as, owner, tenant):
    client = web_as(owner)
    assert client.get(reverse("hotel:setup")).url == reverse("hotel:setup_property_new")  # nothing yet: create the first
    assert "Create a property" in _text(client.get(reverse("hotel:tape")))
    made = client.post(reverse("hotel:setup_property_new"), {"name": "Cliff House", "time_zone": "Europe/Lisbon", "currency": "eur", "city": "Porto", "country": "PT"})
    prop = Property.objects.get(tenant=tenant)
    assert made.status_code == 302 and made.url == reverse("hotel:setup_room_types", args=[prop.pk])
    assert (prop.name, prop.currency, prop.site.time_zone, prop.site.address) == ("Cliff House", "EUR", "Europe/Lisbon", {"city": "Porto", "country": "PT"})
    edit = reverse("hotel:setup_property", args=[prop.pk])
    assert client.get(reverse("hotel:setup")).url == edit
    saved = client.post(edit, {"name": "Cliff House Porto", "time_zone": "Europe/Madrid", "currency": "EUR", "line1": "Rua 1", "city": "Porto"})
    assert saved.status_code == 302 and _messages(saved)[-1] == "Property “Cliff House Porto” saved."
    prop.refresh_from_db()
    prop.site.refresh_from_db()
    assert (prop.name, prop.site.time_zone, prop.site.address) == ("Cliff House Porto", "Europe/Madrid", {"line1": "Rua 1", "city": "Porto"})
    page = _text(client.get(edit))
    assert 'value="Cliff House Porto"' in page and 'value="Rua 1"' in page and ">Setup</a>" in page


def test_the_owner_creates_a_room_type_edits_it_and_sets_restrictions(web_as, owner, tenant, h):
    client = web_as(owner)
    made = client.post(reverse("hotel:setup_room_type_new", args=[h.property.pk]),
                       {"code": "ste", "name": "Suite", "max_adults": 3, "max_children": 2, "max_occupancy": 4})
    suite = RoomType.objects.get(property=h.property, code="STE")
    assert made.status_code == 302 and (suite.name, suite.max_occupancy, suite.is_active) == ("Suite", 4, True)
    assert "Suite" in _text(client.get(reverse("hotel:setup_room_types", args=[h.property.pk])))
    edit = reverse("hotel:setup_room_type", args=[suite.pk])
    saved = client.post(edit, {"code": "IGNORED", "name": "Grand suite", "max_adults": 2, "max_children": 2, "max_occupancy": 3})  # unticked: inactive
    suite.refresh_from_db()
    assert saved.status_code == 302 and (suite.code, suite.name, suite.max_occupancy, suite.is_active) == ("STE", "Grand suite", 3, False)
    start = today() + dt.timedelta(days=3)
    data = {"start_date": start.isoformat(), "end_date": (start + dt.timedelta(days=4)).isoformat(), "min_stay": 2, "closed_to_arrival": "on"}
    set_ = client.post(reverse("hotel:setup_restrictions", args=[suite.pk]), data)
    assert set_.status_code == 302 and set_.url == edit
    rows = Restriction.objects.filter(room_type=suite)
    assert rows.count() == 4 and {(r.min_stay, r.closed_to_arrival, r.closed_to_departure) for r in rows} == {(2, True, False)}
    page = _text(client.get(edit))
    assert "2 nights" in page and "Closed" in page and f"{start:%-d %b}" in page
    cleared = client.post(reverse("hotel:setup_restrictions", args=[suite.pk]), {"start_date": data["start_date"], "end_date": data["end_date"]})
    assert cleared.status_code == 302 and not Restriction.objects.filter(room_type=suite).exists() and _messages(cleared)[-1].startswith("Restrictions cleared")


def test_the_owner_creates_a_room_edits_it_and_it_is_on_the_tape_chart(web_as, owner, tenant, h):
    client = web_as(owner)
    made = client.post(reverse("hotel:setup_room_new", args=[h.property.pk]), {"room_number": "301", "room_type": h.dbl.pk, "floor": "3"})
    room = Room.objects.get(property=h.property, room_number="301")
    assert made.status_code == 302 and (room.room_type_id, room.floor, room.is_active) == (h.dbl.pk, "3", True)
    assert "301" in _text(client.get(reverse("hotel:setup_rooms", args=[h.property.pk])))
    assert 'data-room="301"' in _text(client.get(reverse("hotel:tape"), {"property": h.property.pk}))
    saved = client.post(reverse("hotel:setup_room", args=[room.pk]), {"room_number": "999", "room_type": h.sgl.pk, "floor": "3A", "name": "Sea view", "is_active": "on"})
    room.refresh_from_db()
    assert saved.status_code == 302 and (room.room_number, room.room_type_id, room.floor, room.name) == ("301", h.dbl.pk, "3A", "Sea view")
    client.post(reverse("hotel:setup_room", args=[room.pk]), {"floor": "3A", "name": "Sea view"})  # unticked: taken off the tape chart
    room.refresh_from_db()
    assert room.is_active is False
    assert 'data-room="301"' not in _text(client.get(reverse("hotel:tape"), {"property": h.property.pk}))


def test_the_owner_creates_a_rate_plan_makes_it_default_and_sets_a_price(web_as, owner, tenant, h):
    client = web_as(owner)
    made = client.post(reverse("hotel:setup_rate_plan_new", args=[h.property.pk]), {"code": "nr", "name": "Non-refundable"})
    plan = RatePlan.objects.get(property=h.property, code="NR")
    assert made.status_code == 302 and made.url == reverse("hotel:setup_rate_plan", args=[plan.pk])
    assert (plan.currency, plan.is_default, plan.is_active) == ("EUR", False, True)
    saved = client.post(reverse("hotel:setup_rate_plan", args=[plan.pk]), {"name": "Non-refundable saver", "is_default": "on", "is_active": "on"})
    plan.refresh_from_db()
    h.plan.refresh_from_db()
    assert saved.status_code == 302 and plan.is_default and not h.plan.is_default and plan.name == "Non-refundable saver"
    start = today()
    priced = client.post(reverse("hotel:setup_price", args=[plan.pk]), {"room_type": h.dbl.pk, "start_date": start.isoformat(),
                                                                       "end_date": (start + dt.timedelta(days=30)).isoformat(), "amount": "89.50"})
    price = RatePlanPrice.objects.get(rate_plan=plan)
    assert priced.status_code == 302 and (price.room_type_id, price.nightly_base_cents, price.end_date) == (h.dbl.pk, 8950, start + dt.timedelta(days=30))
    assert _messages(priced)[-1].startswith("DBL: EUR 89.50 a night")
    page = _text(client.get(reverse("hotel:setup_rate_plan", args=[plan.pk])))
    assert "EUR 89.50" in page and "Non-refundable saver" in page


# ---------------------------------------------------------------- roles and tenants

SETUP_PAGES = ["setup", "setup_property_new"]


def _setup_urls(h) -> list[str]:
    p, rt, room, plan = h.property.pk, h.dbl.pk, h.rooms["101"].pk, h.plan.pk
    return [reverse("hotel:setup"), reverse("hotel:setup_property_new"), reverse("hotel:setup_property", args=[p]), reverse("hotel:setup_room_types", args=[p]),
            reverse("hotel:setup_room_type_new", args=[p]), reverse("hotel:setup_room_type", args=[rt]), reverse("hotel:setup_rooms", args=[p]),
            reverse("hotel:setup_room_new", args=[p]), reverse("hotel:setup_room", args=[room]), reverse("hotel:setup_rate_plans", args=[p]),
            reverse("hotel:setup_rate_plan_new", args=[p]), reverse("hotel:setup_rate_plan", args=[plan])]


def _post_urls(h) -> list[str]:
    return [reverse("hotel:setup_restrictions", args=[h.dbl.pk]), reverse("hotel:setup_price", args=[h.plan.pk])]


def test_every_setup_screen_renders_for_the_owner_with_the_setup_tab(web_as, owner, tenant, h):
    client = web_as(owner)
    for url in _setup_urls(h):
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
        assert ">Setup</a>" in _text(response) and "hotel.setup" not in _text(response), url


def test_a_member_without_the_setup_permission_gets_403_and_no_setup_tab(web_as, staff_member, tenant, h):
    client = web_as(staff_member)
    before = AuditEntry.objects.count()
    for url in _setup_urls(h):
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("hotel:setup_room_new", args=[h.property.pk]), {"room_number": "999", "room_type": h.dbl.pk}).status_code == 403
    for url in _post_urls(h):
        assert client.post(url, {}).status_code == 403, url
    assert not Room.objects.filter(room_number="999").exists() and AuditEntry.objects.count() == before
    tape = _text(client.get(reverse("hotel:tape"), {"property": h.property.pk}))
    assert ">Setup</a>" not in tape and "/hotel/setup/" not in tape


def test_another_businesss_property_and_room_ids_answer_404(web_as, outsider, other_tenant, tenant, h):
    hotel(other_tenant, name="Rival Inn")  # the outsider has a hotel of their own, and the setup permission
    client = web_as(outsider)
    for url in _setup_urls(h)[2:]:
        assert client.get(url).status_code == 404, url
    assert client.get(reverse("hotel:setup"), {"property": h.property.pk}).status_code == 404
    name = h.property.name
    assert client.post(reverse("hotel:setup_property", args=[h.property.pk]), {"name": "Taken over", "time_zone": "UTC", "currency": "EUR"}).status_code == 404
    assert client.post(reverse("hotel:setup_room", args=[h.rooms["101"].pk]), {"floor": "X"}).status_code == 404
    assert client.post(reverse("hotel:setup_room_new", args=[h.property.pk]), {"room_number": "666", "room_type": h.dbl.pk}).status_code == 404
    for url in _post_urls(h):
        assert client.post(url, {"start_date": "2031-01-01", "end_date": "2031-01-02", "room_type": h.dbl.pk, "amount": "1"}).status_code == 404, url
    h.property.refresh_from_db()
    assert h.property.name == name and Room.objects.get(pk=h.rooms["101"].pk).floor == "" and not Room.objects.filter(room_number="666").exists()
    assert not RatePlanPrice.objects.filter(rate_plan=h.plan, start_date="2031-01-01").exists() and not Restriction.objects.exists()


def test_the_tape_chart_promises_booking_only_to_who_may_book(web_as, owner, staff_member, tenant, h):
    owners = _text(web_as(owner).get(reverse("hotel:tape"), {"property": h.property.pk}))
    staffs = _text(web_as(staff_member).get(reverse("hotel:tape"), {"property": h.property.pk}))
    assert "click an empty cell to book" in owners and "New reservation" in owners
    room = h.rooms["101"]
    cell = f"/hotel/reservations/new/?property={h.property.pk}&room_type={room.room_type_id}&room={room.pk}&check_in={today():%Y-%m-%d}"
    assert cell in owners
    assert "click an empty cell" not in staffs and "New reservation" not in staffs and "/hotel/reservations/new/" not in staffs
    listing = _text(web_as(staff_member).get(reverse("hotel:reservations"), {"property": h.property.pk}))
    assert "New reservation" not in listing
    # the cell's link opens the booking form with the room and dates chosen
    form = _text(web_as(owner).get(cell + f"&check_out={today() + dt.timedelta(days=1):%Y-%m-%d}"))
    assert f'<option value="{room.pk}" selected>' in form and f'value="{today():%Y-%m-%d}"' in form


# ---------------------------------------------------------------- bad input

def _writes():
    return (Property.objects.count(), RoomType.objects.count(), Room.objects.count(), RatePlan.objects.count(), RatePlanPrice.objects.count(),
            Restriction.objects.count(), AuditEntry.objects.count())


@pytest.mark.parametrize("name, args, data, message", [
    ("setup_property_new", None, {"name": "", "time_zone": "UTC", "currency": "EUR"}, "This field is required."),
    ("setup_property_new", None, {"name": "X", "time_zone": "Mars/Olympus", "currency": "EUR"}, "Select a valid choice."),
    ("setup_property_new", None, {"name": "X", "time_zone": "UTC", "currency": "E1R"}, "Use a three-letter ISO currency code."),
    ("setup_room_type_new", "property", {"code": "dbl", "name": "Again", "max_adults": 2, "max_children": 0, "max_occupancy": 2},
     "Room type code DBL is already used at this property."),
    ("setup_room_type_new", "property", {"code": "X", "name": "Nobody", "max_adults": 1, "max_children": 0, "max_occupancy": 0}, "A room type sleeps at least one."),
    ("setup_room_new", "property", {"room_number": "101", "room_type": "@dbl"}, "Room 101 already exists at this property."),
    ("setup_room_new", "property", {"room_number": "", "room_type": "@dbl"}, "This field is required."),
    ("setup_rate_plan_new", "property", {"code": "bar", "name": "Again"}, "Rate plan code BAR is already used at this property."),
    ("setup_rate_plan", "plan", {"name": "Best available", "is_active": "on"}, "Make another plan the default instead."),
    ("setup_price", "plan", {"room_type": "@dbl", "start_date": "2031-03-10", "end_date": "2031-03-10", "amount": "10"}, "The end date must be after the start date."),
    ("setup_price", "plan", {"room_type": "@dbl", "start_date": "2031-03-01", "end_date": "2031-03-10", "amount": "-1"}, "Ensure this value is greater than or equal to 0."),
    ("setup_restrictions", "dbl", {"start_date": "2031-03-01", "end_date": "2032-06-01", "min_stay": 2}, "Give a date range of up to a year."),
    ("setup_restrictions", "dbl", {"start_date": "2031-03-01", "end_date": "2031-03-05", "min_stay": 0}, "A minimum stay is at least one night."),
])
def test_invalid_input_is_a_readable_message_on_the_form_and_writes_nothing(web_as, owner, tenant, h, name, args, data, message):
    ids = {"property": h.property.pk, "plan": h.plan.pk, "dbl": h.dbl.pk}
    data = {k: (h.dbl.pk if v == "@dbl" else v) for k, v in data.items()}
    url = reverse(f"hotel:{name}", args=[ids[args]] if args else None)
    before = _writes()
    response = web_as(owner).post(url, data)
    page = _text(response)
    assert response.status_code == 422, page[:500]
    assert message in page.replace("&#x27;", "'")
    assert "_taken" not in page and "validation_failed" not in page and "nightly_base_cents" not in page
    assert _writes() == before

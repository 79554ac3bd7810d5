"""The nightly audit as a worker job and as commands; the rebuild command; unassigned stays against the type's capacity."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from holdfast.kit.errors import Conflict, ValidationFailed
from holdfast.kit.periodic import PERIODIC
from holdfast.verticals.hotel import selectors, services
from holdfast.verticals.hotel.models import CalendarSegment, DailyOccupancy, NightAudit
from holdfast.verticals.hotel.services.readmodels import drift

from .factories import book, today

pytestmark = pytest.mark.django_db


def test_worker_job_charges_yesterday_once(tenant, h, travel):
    res = book(tenant, h, nights=(0, 3), room=h.rooms["101"])
    services.check_in(tenant=tenant, actor=None, reservation_id=res.pk)
    travel(1)
    job = PERIODIC["hotel.night_audit"]
    assert job.run() == 1
    assert job.run() == 0
    assert selectors.folio(tenant, res).charges_minor == 10000
    assert NightAudit.objects.get(property=h.property).business_date == today() - dt.timedelta(days=1)


def test_night_audit_command_and_future_dates_refused(tenant, h):
    res = book(tenant, h, nights=(0, 2), room=h.rooms["101"])
    services.check_in(tenant=tenant, actor=None, reservation_id=res.pk)
    call_command("hotel_night_audit", "--date", today().isoformat(), stdout=open("/dev/null", "w"))
    assert selectors.folio(tenant, res).charges_minor == 10000
    with pytest.raises(ValidationFailed):
        services.run_night_audit(tenant=tenant, actor=None, property_id=h.property.pk, business_date_=today() + dt.timedelta(days=1))


def test_rebuild_command_restores_wiped_read_models(tenant, h):
    book(tenant, h, nights=(0, 3), room=h.rooms["101"])
    book(tenant, h, nights=(1, 2))
    CalendarSegment.objects.all().delete()
    DailyOccupancy.objects.all().update(rooms_occupied=99)
    assert drift(h.property)
    call_command("hotel_rebuild_calendar", stdout=open("/dev/null", "w"))
    assert drift(h.property) == []


def test_extending_an_unassigned_stay_needs_a_free_room_of_its_type(tenant, h):
    res = book(tenant, h, nights=(1, 2))
    book(tenant, h, nights=(2, 3), room=h.rooms["101"])
    book(tenant, h, nights=(2, 3), room=h.rooms["102"])
    with pytest.raises(Conflict) as e:
        services.resize_reservation(tenant=tenant, actor=None, reservation_id=res.pk, check_out_date=today() + dt.timedelta(days=3))
    assert e.value.code == "no_availability"
    services.resize_reservation(tenant=tenant, actor=None, reservation_id=res.pk, check_in_date=today(), check_out_date=today() + dt.timedelta(days=2))

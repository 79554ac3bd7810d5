"""Recurring jobs: one step books a whole weekly series, answering per occurrence, at the same local
wall-clock time across DST changes."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from holdfast.verticals.petcare import services
from holdfast.verticals.petcare.models import Job
from holdfast.verticals.petcare.services.recurring import occurrences
from holdfast.kit.errors import ValidationFailed

from .conftest import make_client, make_walker

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("zone,first,last", [
    ("Europe/London", dt.date(2027, 3, 22), dt.date(2027, 4, 5)),  # BST starts 28 Mar 2027
    ("Europe/London", dt.date(2027, 10, 25), dt.date(2027, 11, 8)),  # BST ends 31 Oct 2027
    ("America/New_York", dt.date(2027, 3, 8), dt.date(2027, 3, 22)),  # EDT starts 14 Mar 2027
    ("America/New_York", dt.date(2027, 10, 25), dt.date(2027, 11, 15)),  # EDT ends 7 Nov 2027
])
def test_occurrences_keep_the_local_wall_clock_time_across_dst(zone, first, last):
    starts = occurrences(weekdays=[0], local_time=dt.time(9, 0), starts_on=first, until=last, count=None, time_zone=zone)
    local = [s.astimezone(ZoneInfo(zone)) for s in starts]
    assert [(t.hour, t.minute) for t in local] == [(9, 0)] * len(local)
    assert len({s.utcoffset() for s in local}) == 2  # the UTC instant moved by the change
    assert [t.date().weekday() for t in local] == [0] * len(local)


def test_series_across_dst_books_every_occurrence_at_nine_local(tenant, owner, walk, walker, client_user):
    series, results = services.book_recurring_series(tenant=tenant, actor=owner, customer_id=client_user[1].pk, service_id=walk.pk, weekdays=[0, 2],
                                                     local_time=dt.time(9), starts_on=dt.date(2027, 3, 22), until=dt.date(2027, 4, 2), walker_id=walker.pk)
    assert [r["status"] for r in results] == ["booked"] * 4
    jobs = Job.objects.filter(series=series).select_related("booking").order_by("booking__starts_at")
    assert [j.booking.starts_at.astimezone(ZoneInfo("Europe/London")).hour for j in jobs] == [9, 9, 9, 9]
    assert {j.booking.starts_at.utcoffset() for j in jobs} == {dt.timedelta(0)}  # stored in UTC
    assert [j.booking.starts_at.hour for j in jobs] == [9, 9, 8, 8]  # BST from 28 March


def test_series_with_a_busy_occurrence_answers_it_refused_and_books_the_rest(tenant, owner, walk, walker, client_user, client2):
    clash = dt.datetime(2027, 3, 24, 9, 30, tzinfo=ZoneInfo("Europe/London"))
    other = services.create_job(tenant=tenant, actor=owner, customer_id=client2[1].pk, service_id=walk.pk, starts_at=clash, walker_id=walker.pk)
    series, results = services.book_recurring_series(tenant=tenant, actor=owner, customer_id=client_user[1].pk, service_id=walk.pk, weekdays=[0, 2],
                                                     local_time=dt.time(9), starts_on=dt.date(2027, 3, 22), count=4, walker_id=walker.pk)
    assert [r["status"] for r in results] == ["booked", "refused", "booked", "booked"]
    assert results[1]["code"] == "walker_busy" and "job_id" not in results[1]
    assert Job.objects.filter(series=series).count() == 3
    assert Job.objects.count() == 4 and Job.objects.filter(pk=other.pk).exists()


def test_series_occurrence_on_time_off_or_outside_availability_is_refused_with_its_reason(tenant, owner, walk, walker, client_user):
    off = services.request_time_off(tenant=tenant, actor=walker.user, walker_id=walker.pk, starts_at=dt.datetime(2027, 3, 29, tzinfo=dt.UTC), ends_at=dt.datetime(2027, 3, 30, tzinfo=dt.UTC))
    services.decide_time_off(tenant=tenant, actor=owner, time_off_id=off.pk, approve=True)
    _, results = services.book_recurring_series(tenant=tenant, actor=owner, customer_id=client_user[1].pk, service_id=walk.pk, weekdays=[0, 5],
                                                local_time=dt.time(9), starts_on=dt.date(2027, 3, 22), until=dt.date(2027, 3, 29), walker_id=walker.pk)
    by_day = {r["local"][:10]: r for r in results}
    assert by_day["2027-03-22"]["status"] == "booked"
    assert by_day["2027-03-27"]["code"] == "outside_availability"  # a Saturday
    assert by_day["2027-03-29"]["code"] == "walker_time_off"


def test_series_needs_an_end(tenant, owner, walk, client_user):
    with pytest.raises(ValidationFailed):
        services.book_recurring_series(tenant=tenant, actor=owner, customer_id=client_user[1].pk, service_id=walk.pk, weekdays=[0], local_time=dt.time(9), starts_on=dt.date(2027, 3, 22))


def test_new_york_business_series_keeps_eight_am(db):
    from tests.factories import TenantFactory, member

    ny = TenantFactory(name="Bark NYC", slug="bark", currency="USD", time_zone="America/New_York", enabled_verticals=["petcare"])
    boss = member(ny, "admin", email="boss@bark.test")
    service = services.create_service(tenant=ny, actor=boss, name="Walk", price_minor=3000, duration_minutes=45)
    walker = make_walker(ny, boss, "w@bark.test", "W")
    _, customer, _ = make_client(ny, boss, "c@bark.test", "C")
    series, results = services.book_recurring_series(tenant=ny, actor=boss, customer_id=customer.pk, service_id=service.pk, weekdays=[3], local_time=dt.time(8),
                                                     starts_on=dt.date(2027, 10, 28), count=3, walker_id=walker.pk)
    assert [r["status"] for r in results] == ["booked"] * 3
    hours = [j.booking.starts_at.astimezone(ZoneInfo("America/New_York")).hour for j in Job.objects.filter(series=series).order_by("booking__starts_at")]
    assert hours == [8, 8, 8]

"""Issue 15 item 4: every time a person reads is in the business's zone, with the zone named, and every
date in its locale's one style; templates may not bring their own format strings."""
from __future__ import annotations

import datetime as dt
import pathlib
import re

import pytest
from django.utils import timezone

from holdfast.core.events.models import Notification
from holdfast.kit import dates

ROOT = pathlib.Path(__file__).resolve().parents[1] / "holdfast"
WINTER_UTC = dt.datetime(2026, 1, 15, 14, 30, tzinfo=dt.UTC)
SUMMER_UTC = dt.datetime(2026, 7, 15, 14, 30, tzinfo=dt.UTC)


class Business:
    def __init__(self, country="", time_zone="UTC", settings=None):
        self.country, self.time_zone, self.settings = country, time_zone, settings or {}


def test_a_us_business_reads_month_first_with_a_twelve_hour_clock_and_its_zone():
    ny = Business("US", "America/New_York")
    assert dates.day(dt.date(2026, 12, 4), ny) == "Dec 4, 2026"
    assert dates.moment(WINTER_UTC, ny) == "Jan 15, 2026, 9:30 AM EST"
    assert dates.moment(SUMMER_UTC, ny) == "Jul 15, 2026, 10:30 AM EDT"  # the zone's summer time, named
    assert dates.weekday_day(dt.date(2026, 12, 4), ny) == "Fri, Dec 4, 2026"


def test_a_business_elsewhere_reads_day_first_with_a_24_hour_clock():
    london = Business("GB", "Europe/London")
    assert dates.day(dt.date(2026, 12, 4), london) == "4 Dec 2026"
    assert dates.moment(SUMMER_UTC, london) == "15 Jul 2026, 15:30 BST"
    assert dates.clock_time(dt.time(7, 5), london) == "07:05"
    assert dates.clock_time(dt.time(7, 5), Business("US")) == "7:05 AM"


def test_a_datetime_shown_as_a_day_is_the_businesss_local_day():
    tokyo = Business("JP", "Asia/Tokyo")
    late_evening_utc = dt.datetime(2026, 3, 1, 20, 0, tzinfo=dt.UTC)
    assert dates.day(late_evening_utc, tokyo) == "2 Mar 2026"


def test_the_locale_setting_wins_over_the_country_and_bad_zones_fall_back_to_utc():
    assert dates.locale_of(Business("GB", settings={"locale": "en-us"})) == "en-us"
    assert dates.locale_of(Business("US", settings={"locale": "klingon"})) == "en-us"
    assert dates.locale_of(Business("DE")) == "en-gb"
    assert dates.zone_of(Business(time_zone="Mars/Olympus")).key == "UTC"
    assert dates.zone_label(Business(time_zone="America/New_York")) in ("America/New_York (EST)", "America/New_York (EDT)")


def test_nothing_leaks_out_of_business_time():
    before = (timezone.get_current_timezone_name(), dates.day(dt.date(2026, 12, 4)))
    with dates.business_time(Business("JP", "Asia/Tokyo")):
        assert timezone.get_current_timezone_name() == "Asia/Tokyo"
    assert (timezone.get_current_timezone_name(), dates.day(dt.date(2026, 12, 4))) == before


@pytest.mark.django_db
def test_a_new_york_business_sees_its_own_local_time_and_the_zone_named_on_screens(tenant, owner, web_as):
    tenant.time_zone, tenant.country = "America/New_York", "US"
    tenant.save(update_fields=["time_zone", "country"])
    Notification.objects.create(tenant=tenant, recipient=owner, event_type="booking:created", title="A booking", created_at=WINTER_UTC)
    page = web_as(owner).get("/events/notifications/").content.decode()
    assert "Jan 15, 2026, 9:30 AM EST" in page
    assert "14:30" not in page and "2:30 PM" not in page  # never the UTC hour
    assert "Times are in America/New_York (E" in page and '<html lang="en-us">' in page


@pytest.mark.django_db
def test_a_london_business_sees_the_same_moment_in_its_own_time_and_style(tenant, owner, web_as):
    tenant.time_zone, tenant.country = "Europe/London", "GB"
    tenant.save(update_fields=["time_zone", "country"])
    Notification.objects.create(tenant=tenant, recipient=owner, event_type="booking:created", title="A booking", created_at=SUMMER_UTC)
    page = web_as(owner).get("/events/notifications/").content.decode()
    assert "15 Jul 2026, 15:30 BST" in page and '<html lang="en-gb">' in page


@pytest.mark.django_db
def test_the_api_keeps_utc_iso_times_whatever_the_businesss_zone(tenant, owner, owner_api):
    tenant.time_zone, tenant.country = "America/New_York", "US"
    tenant.save(update_fields=["time_zone", "country"])
    Notification.objects.create(tenant=tenant, recipient=owner, event_type="booking:created", title="A booking", created_at=WINTER_UTC)
    [row] = owner_api.get("/api/v1/notifications").json()["results"]
    assert row["created_at"].startswith("2026-01-15T14:30")


# Machine formats only: input values, datetime attributes and the bare weekday of a tape-chart column.
ALLOWED_LITERAL_FORMATS = {"Y-m-d", "Y-m-d\\TH:i", "c", "D"}
NAMED = {"DATE_FORMAT", "DATETIME_FORMAT", "TIME_FORMAT", "YEAR_MONTH_FORMAT", "MONTH_DAY_FORMAT", "SHORT_DATE_FORMAT", "SHORT_DATETIME_FORMAT"}


def test_no_template_brings_its_own_date_format():
    offenders = []
    for path in ROOT.rglob("*.html"):
        for match in re.finditer(r"\|(date|time):[\"']([^\"']*)[\"']", path.read_text()):
            if match.group(2) not in NAMED | ALLOWED_LITERAL_FORMATS:
                offenders.append(f"{path.relative_to(ROOT)}: {match.group(0)}")
    assert not offenders, "use |date, |date:\"DATETIME_FORMAT\", |time, |weekday …:\n" + "\n".join(offenders)


def test_no_python_text_for_people_formats_a_date_by_hand():
    # strftime-style codes inside f-strings (e.g. {when:%d %b %Y}) print UTC or a second style;
    # kit.dates gives the business's. Doctor findings for operators say "UTC" explicitly and may.
    # References and machine fields (reference=, extra=) are identifiers, not text for people.
    pattern = re.compile(r"\{[^{}]*:%[a-zA-Z][^{}]*\}|\.strftime\(\"%[dbaABY]")
    machine = ("UTC", "reference=", "extra=", ":%A}", "\"month\": ")
    offenders = [f"{p.relative_to(ROOT)}:{n}" for p in ROOT.rglob("*.py") if "tests" not in p.parts and "demo" not in p.name
                 for n, line in enumerate(p.read_text().splitlines(), 1) if pattern.search(line) and not any(m in line for m in machine)]
    assert not offenders, "format dates for people with holdfast.kit.dates:\n" + "\n".join(offenders)

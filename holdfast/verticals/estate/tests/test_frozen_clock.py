"""The engine's bookings and inventory services and estate's create_hold read time from the kit's clock
(DESIGN: one injectable clock), so a test can freeze it."""
from __future__ import annotations

import datetime as dt

import pytest

from holdfast.core.bookings.models import Booking
from holdfast.core.inventory.models import Hold
from holdfast.kit import clock
from holdfast.verticals.estate import services

pytestmark = pytest.mark.django_db

FROZEN = dt.datetime(2031, 6, 1, 9, 30, tzinfo=dt.UTC)


def test_a_hold_and_its_booking_are_stamped_with_the_frozen_clock(tenant, buyer, unit, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: FROZEN)
    held = services.create_hold(tenant=tenant, actor=buyer[0], unit_id=unit.pk)
    booking = Booking.objects.get(pk=held.booking_id)
    hold = Hold.objects.get(pk=booking.hold_id)
    assert booking.starts_at == FROZEN and booking.created_at == FROZEN
    assert hold.created_at == FROZEN and FROZEN < hold.expires_at <= FROZEN + dt.timedelta(days=30)
    assert booking.history.get().at == FROZEN


def test_a_hold_expires_by_the_clock_not_the_wall(tenant, buyer, unit, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: FROZEN)
    held = services.create_hold(tenant=tenant, actor=buyer[0], unit_id=unit.pk)
    hold = Hold.objects.get(pk=Booking.objects.get(pk=held.booking_id).hold_id)
    assert not hold.is_expired()
    monkeypatch.setattr(clock, "now", lambda: hold.expires_at + dt.timedelta(seconds=1))
    assert hold.is_expired()

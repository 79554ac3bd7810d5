import datetime as dt

import pytest

from holdfast.kit import clock

from .factories import TZ, hotel


@pytest.fixture
def h(tenant):
    return hotel(tenant)


@pytest.fixture
def travel(monkeypatch):
    """Move the business clock by whole days (the engine's own `timezone.now` is left alone)."""
    real = clock.now

    def to(days: int):
        monkeypatch.setattr(clock, "now", lambda: real() + dt.timedelta(days=days))

    return to


@pytest.fixture
def tz():
    return TZ

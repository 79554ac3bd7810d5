"""Two customers race for one unit under real concurrency: exactly one hold."""
from __future__ import annotations

import threading

import pytest
from django.db import connection

from holdfast.kit.errors import DomainError
from holdfast.verticals.estate import services
from holdfast.verticals.estate.models import EstateBooking, Unit

from .conftest import make_buyer


@pytest.mark.pg_only
@pytest.mark.django_db(transaction=True)
def test_two_customers_racing_for_one_unit_get_exactly_one_hold(tenant, owner):
    project = services.create_project(tenant=tenant, actor=owner, name="Race Court")
    unit = services.create_unit(tenant=tenant, actor=owner, project_id=project.pk, code="R-1", price_minor=1000)
    buyers = [make_buyer(tenant, f"racer{i}@harbour.test")[0] for i in range(2)]
    barrier = threading.Barrier(2)
    outcomes = []

    def attempt(user):
        try:
            barrier.wait()
            services.create_hold(tenant=tenant, actor=user, unit_id=unit.pk)
            outcomes.append("held")
        except DomainError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(u,)) for u in buyers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(outcomes) == 2 and outcomes.count("held") == 1, outcomes
    assert EstateBooking.objects.filter(unit=unit, booking__status="HOLD_REQUESTED").count() == 1
    assert Unit.objects.get(pk=unit.pk).status == Unit.HELD

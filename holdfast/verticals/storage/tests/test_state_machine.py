"""Random storage days: holds of random pallets and dates, confirmations, cancellations, payments, holds
running out with and without the sweep — in any order. After every step the slot counters equal a
recomputation from the holds (issue 11), and every engine, billing and storage check of the doctor holds.
Refusals are fine; a refused step changes nothing the checks could see."""
from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from holdfast.core.billing import doctor as billing_doctor
from holdfast.core.bookings import doctor as booking_doctor
from holdfast.core.inventory import doctor as inventory_doctor
from holdfast.core.inventory import services as inventory
from holdfast.core.inventory.models import DailyCapacity, Hold
from holdfast.kit.errors import DomainError
from holdfast.verticals.storage import doctor as storage_doctor
from holdfast.verticals.storage import services
from holdfast.verticals.storage.models import StorageBooking

from .factories import FacilityFactory, today
from .helpers import mismatches

CHECKS = [
    inventory_doctor.capacity_counters,
    booking_doctor.history_consistent,
    booking_doctor.hold_matches_status,
    storage_doctor.booking_agrees_with_engine,
    storage_doctor.hold_follows_status,
    storage_doctor.price_aggregates,
    storage_doctor.history_complete,
    billing_doctor.invoice_totals,
    billing_doctor.allocations_within_limits,
    billing_doctor.paid_invoices_covered,
]


class PalletYard(RuleBasedStateMachine):
    world: dict = {}

    def __init__(self):
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.tenant, self.manager, self.customers = self.world["tenant"], self.world["manager"], self.world["customers"]
        self.facility = FacilityFactory(tenant=self.tenant, capacity=6, days=10, policy={"cancellation_minor": 100})
        self.start = today(self.facility.site.time_zone) + dt.timedelta(days=1)

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    def _try(self, step, **kw):
        try:
            with transaction.atomic():
                return step(tenant=self.tenant, **kw)
        except DomainError:
            return None

    def _booking(self, index) -> StorageBooking | None:
        rows = list(StorageBooking.objects.filter(tenant=self.tenant).select_related("booking").order_by("pk"))
        return rows[index % len(rows)] if rows else None

    @rule(customer=st.integers(0, 1), offset=st.integers(0, 5), days=st.integers(1, 4), pallets=st.integers(1, 7))
    def hold(self, customer, offset, days, pallets):
        first = self.start + dt.timedelta(days=offset)
        self._try(services.hold_booking, actor=None, facility_pk=self.facility.pk, start_date=first, end_date=first + dt.timedelta(days=days), pallets=pallets,
                  customer_id=self.customers[customer].pk)

    @rule(index=st.integers(0, 20))
    def confirm(self, index):
        if (b := self._booking(index)) is not None:
            self._try(services.confirm_booking, actor=self.manager, booking_id=b.pk)

    @rule(index=st.integers(0, 20))
    def cancel(self, index):
        if (b := self._booking(index)) is not None:
            self._try(services.cancel_booking, actor=self.manager, booking_id=b.pk, reason="random")

    @rule(index=st.integers(0, 20), amount=st.integers(1, 3000))
    def pay(self, index, amount):
        if (b := self._booking(index)) is not None:
            self._try(services.pay_booking, actor=self.manager, booking_id=b.pk, amount_minor=amount)

    @rule(index=st.integers(0, 20), sweep=st.booleans())
    def hold_runs_out(self, index, sweep):
        if (b := self._booking(index)) is None:
            return
        Hold.objects.filter(pk=b.booking.hold_id, status=Hold.ACTIVE).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
        if sweep:
            inventory.expire_due_holds()

    @rule(capacity=st.integers(0, 8), offset=st.integers(0, 8))
    def change_capacity(self, capacity, offset):
        day = self.start + dt.timedelta(days=offset)
        self._try(services.open_slots, actor=self.manager, facility_pk=self.facility.pk, start_date=day, end_date=day + dt.timedelta(days=1), capacity=capacity)

    @invariant()
    def counters_equal_a_recount_and_every_check_holds(self):
        assert mismatches(self.facility) == {}
        for row in DailyCapacity.objects.filter(pool_id=self.facility.pool_id):
            assert 0 <= row.occupied + row.held <= row.capacity
        for check in CHECKS:
            findings = check()
            assert not findings, f"{check.__name__}: {[f.message for f in findings]}"


@pytest.mark.django_db
def test_random_storage_days_keep_the_slot_counters_exact(tenant, manager, shipper, shipper2):
    PalletYard.world = {"tenant": tenant, "manager": manager, "customers": [shipper[1], shipper2[1]]}
    run_state_machine_as_test(PalletYard, settings=settings(max_examples=8, stateful_step_count=25, deadline=None, suppress_health_check=list(HealthCheck)))

"""Random sales days: customers request holds on units, staff approve, reject and cancel, money is
expected, received, refunded and reminded about, bookings complete, holds run out and the sweeper
expires them — in any order. After every step every estate (seed 000 §F), engine and billing
invariant holds. Refusals are fine; a refused step must change nothing the checks could see."""
from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from holdfast.core.billing import doctor as billing_doctor
from holdfast.core.billing import services as billing
from holdfast.core.billing.models import Payment
from holdfast.core.bookings import doctor as booking_doctor
from holdfast.core.inventory import doctor as inventory_doctor
from holdfast.core.inventory import services as inventory
from holdfast.core.inventory.models import Block, Hold
from holdfast.kit.errors import DomainError
from holdfast.verticals.estate import doctor as estate_doctor
from holdfast.verticals.estate import services
from holdfast.verticals.estate.models import EstateBooking

from .conftest import make_buyer

CHECKS = [
    inventory_doctor.no_overlapping_blocks,
    inventory_doctor.hold_blocks_consistent,
    booking_doctor.history_consistent,
    booking_doctor.hold_matches_status,
    booking_doctor.exclusive_key_matches_flow,
    estate_doctor.one_active_booking_per_unit,
    estate_doctor.booking_agrees_with_engine,
    estate_doctor.unit_status_matches_bookings,
    estate_doctor.ended_bookings_do_not_block,
    estate_doctor.booked_holds_its_own_unit,
    estate_doctor.payment_belongs_to_its_booking,
    billing_doctor.ledger_balances,
    billing_doctor.reminder_counts,
    billing_doctor.unreceived_payments_are_not_money,
]


class SalesOffice(RuleBasedStateMachine):
    world: dict = {}

    def __init__(self):
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        w = self.world
        self.tenant, self.manager, self.buyers = w["tenant"], w["manager"], w["buyers"]
        admin = w["admin"]  # projects and units are the Admin's (seed 000 §B)
        project = services.create_project(tenant=self.tenant, actor=admin, name="Random Rise", down_payment_percent="10")
        self.units = [services.create_unit(tenant=self.tenant, actor=admin, project_id=project.pk, code=f"R-{n}", price_minor=100_000) for n in range(3)]

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    def _try(self, step, actor, **kw):
        try:
            return step(tenant=self.tenant, actor=actor, **kw)
        except DomainError:
            return None

    def _booking(self, index) -> int | None:
        ids = list(EstateBooking.objects.filter(tenant=self.tenant).order_by("pk").values_list("pk", flat=True))
        return ids[index % len(ids)] if ids else None

    def _payment(self, index, **filters) -> Payment | None:
        rows = list(Payment.objects.filter(tenant=self.tenant, source="estate.booking", **filters).order_by("pk"))
        return rows[index % len(rows)] if rows else None

    # ---------------------------------------------------------------- rules

    @rule(buyer=st.integers(0, 1), unit=st.integers(0, 2))
    def request_hold(self, buyer, unit):
        self._try(services.create_hold, self.buyers[buyer], unit_id=self.units[unit].pk)

    @rule(index=st.integers(0, 10), step=st.sampled_from(["approve", "reject", "cancel", "complete", "customer_cancel"]))
    def decide(self, index, step):
        if (bid := self._booking(index)) is None:
            return
        if step == "approve":
            self._try(services.approve_hold, self.manager, booking_id=bid)
        elif step == "reject":
            self._try(services.reject_hold, self.manager, booking_id=bid, reason="random")
        elif step == "cancel":
            self._try(services.cancel_hold, self.manager, booking_id=bid, reason="random")
        elif step == "complete":
            self._try(services.complete_booking, self.manager, booking_id=bid)
        else:
            for buyer in self.buyers:  # whoever's it is may cancel it; the other is refused
                self._try(services.cancel_hold, buyer, booking_id=bid)

    @rule(index=st.integers(0, 10), amount=st.integers(1, 20_000), expected=st.booleans())
    def money_comes_in(self, index, amount, expected):
        if (bid := self._booking(index)) is None:
            return
        if expected:
            self._try(services.expect_payment, self.manager, booking_id=bid, amount_minor=amount, due_date=dt.date.today() + dt.timedelta(days=7))
        else:
            self._try(services.record_payment, self.manager, booking_id=bid, amount_minor=amount)

    @rule(index=st.integers(0, 10), step=st.sampled_from(["receive", "void", "remind_now", "remind_later"]))
    def expected_money(self, index, step):
        if (payment := self._payment(index, status=Payment.EXPECTED)) is None:
            return
        if step == "receive":
            self._try(services.receive_payment, self.manager, payment_id=payment.pk)
        elif step == "void":
            self._try(services.void_payment, self.manager, payment_id=payment.pk, reason="random")
        else:
            later = None if step == "remind_now" else dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
            self._try(services.create_payment_reminder, self.manager, payment_id=payment.pk, send_at=later)

    @rule(index=st.integers(0, 10), amount=st.integers(1, 20_000))
    def refund(self, index, amount):
        if (payment := self._payment(index, status=Payment.RECEIVED)) is not None:
            self._try(billing.refund_payment, self.manager, payment_id=payment.pk, amount_minor=amount, reason="random")

    @rule(index=st.integers(0, 10))
    def hold_runs_out_and_is_swept(self, index):
        if (bid := self._booking(index)) is None:
            return
        past = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
        hold_id = EstateBooking.objects.get(pk=bid).booking.hold_id
        Hold.objects.filter(pk=hold_id, status=Hold.ACTIVE).update(expires_at=past)
        Block.objects.filter(hold_id=hold_id, active=True, kind=Block.HOLD).update(expires_at=past)
        inventory.expire_due_holds()

    # ---------------------------------------------------------------- invariants

    @invariant()
    def every_invariant_holds(self):
        for check in CHECKS:
            findings = check()
            assert not findings, f"{check.__name__}: {[f.message for f in findings]}"


@pytest.mark.django_db
def test_random_sales_days_keep_every_invariant(tenant, owner, manager, mailoutbox):
    SalesOffice.world = {"tenant": tenant, "admin": owner, "manager": manager, "buyers": [make_buyer(tenant, f"random{n}@harbour.test")[0] for n in range(2)]}
    run_state_machine_as_test(SalesOffice, settings=settings(max_examples=15, stateful_step_count=40, deadline=None, suppress_health_check=list(HealthCheck)))

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


@pytest.mark.pg_only
@pytest.mark.django_db(transaction=True)
def test_a_refund_running_while_a_booking_completes_is_never_counted_and_taken_at_once(tenant, owner, manager, approved):
    """The completion guard locks the booking's received payments before counting them: a refund that
    holds its payment when completion starts is waited for, seen, and the completion refused."""
    from django.db import transaction

    from holdfast.core.billing import services as billing

    payment = services.record_payment(tenant=tenant, actor=manager, booking_id=approved.pk, amount_minor=approved.required_minor)
    refund_in_flight, outcome = threading.Event(), {}

    def refund():
        try:
            with transaction.atomic():
                billing.refund_payment(tenant=tenant, actor=manager, payment_id=payment.pk, amount_minor=payment.amount_minor, reason="buyer withdrew")
                refund_in_flight.set()
                threading.Event().wait(1.0)  # still holding the payment row when completion starts
        finally:
            connection.close()

    def complete():
        try:
            refund_in_flight.wait(10)
            services.complete_booking(tenant=tenant, actor=manager, booking_id=approved.pk)
            outcome["complete"] = "BOOKED"
        except DomainError as exc:
            outcome["complete"] = exc.code
        finally:
            connection.close()

    threads = [threading.Thread(target=refund), threading.Thread(target=complete)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert outcome == {"complete": "payment_rule_not_met"}
    assert EstateBooking.objects.get(pk=approved.pk).status == "HOLD_APPROVED"


def test_money_received_before_a_cancellation_is_flagged_for_refund(tenant, manager, approved):
    """Issue 14: ending a booking flags the money it had received (it used to stay RECEIVED, unflagged)."""
    from holdfast.core.billing.models import Payment
    from holdfast.verticals.estate import doctor

    payment = services.record_payment(tenant=tenant, actor=manager, booking_id=approved.pk, amount_minor=5_000)
    services.cancel_hold(tenant=tenant, actor=manager, booking_id=approved.pk, reason="buyer withdrew")
    payment = Payment.objects.get(pk=payment.pk)
    assert payment.status == Payment.RECEIVED and payment.needs_refund and "ended" in payment.flag_reason
    assert doctor.money_of_ended_booking_is_flagged() == []


def test_the_doctor_finds_received_money_of_an_ended_booking_left_unflagged(tenant, manager, approved):
    from holdfast.core.billing.models import Payment
    from holdfast.verticals.estate import doctor

    payment = services.record_payment(tenant=tenant, actor=manager, booking_id=approved.pk, amount_minor=5_000)
    services.cancel_hold(tenant=tenant, actor=manager, booking_id=approved.pk, reason="buyer withdrew")
    Payment.objects.filter(pk=payment.pk).update(needs_refund=False)  # what the old code left behind
    assert [f.message for f in doctor.money_of_ended_booking_is_flagged()] == [
        f"estate payment {payment.pk} of ended booking {approved.pk} holds 5000 minor units not flagged for refund"]


@pytest.mark.pg_only
@pytest.mark.django_db(transaction=True)
def test_a_cancellation_racing_a_payment_flags_the_payment_for_refund(tenant, manager, approved):
    """A payment being recorded holds the booking's lock; the cancellation waits for it, then sees the
    committed payment and flags it in its own transaction. Before the fix it voided only EXPECTED
    payments, and the money stayed RECEIVED, unflagged (issue 14: 0 of 9 flagged)."""
    from django.db import transaction

    from holdfast.core.billing.models import Payment

    paying, outcome = threading.Event(), {}

    def pay():
        try:
            with transaction.atomic():
                outcome["payment"] = services.record_payment(tenant=tenant, actor=manager, booking_id=approved.pk, amount_minor=5_000).pk
                paying.set()
                threading.Event().wait(1.0)  # still holding the booking when the cancellation arrives
        finally:
            connection.close()

    def cancel():
        try:
            paying.wait(10)
            outcome["cancel"] = services.cancel_hold(tenant=tenant, actor=manager, booking_id=approved.pk, reason="buyer withdrew").status
        except DomainError as exc:
            outcome["cancel"] = exc.code
        finally:
            connection.close()

    threads = [threading.Thread(target=pay), threading.Thread(target=cancel)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert outcome["cancel"] == "CANCELLED"
    payment = Payment.objects.get(pk=outcome["payment"])
    assert payment.status == Payment.RECEIVED and payment.needs_refund

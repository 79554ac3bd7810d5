"""Seed 000 §D: each flow is one all-or-nothing service call."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from holdfast.core.bookings.models import Booking, BookingStatusHistory
from holdfast.core.inventory.models import Block, Hold
from holdfast.core.inventory.services import expire_due_holds
from holdfast.kit.errors import Conflict, NotFound, PermissionDenied
from holdfast.verticals.estate import selectors, services
from holdfast.core.billing.models import LedgerEntry, Payment, PaymentReminder
from holdfast.core.billing.services import send_due_reminders
from holdfast.verticals.estate.models import EstateBooking, Unit

pytestmark = pytest.mark.django_db


def test_create_hold_makes_a_requested_booking_and_holds_the_unit(tenant, buyer, unit, held):
    unit.refresh_from_db()
    assert held.status == "HOLD_REQUESTED" and held.customer == buyer[1] and held.unit == unit
    assert unit.status == Unit.HELD
    core = Booking.objects.get(pk=held.pk)
    assert core.flow == "estate" and core.status == "HOLD_REQUESTED" and core.resource_id == unit.resource_id and core.ends_at is None
    assert Block.objects.get(hold=core.hold).ends_at is None  # open-ended: a unit is held for good, not for a period
    assert held.required_minor == 30_000_00  # 10 % of the price


def test_second_hold_on_held_unit_is_refused(tenant, buyer2, unit, held):
    with pytest.raises(Conflict) as exc:
        services.create_hold(tenant=tenant, actor=buyer2[0], unit_id=unit.pk)
    # The open-ended block of the live hold answers first; the engine's one-active-booking index is the last line.
    assert exc.value.code in ("resource_unavailable", "resource_has_active_booking")
    assert EstateBooking.objects.filter(unit=unit).count() == 1


def test_unverified_customer_cannot_hold(tenant, buyer, unit):
    buyer[1].is_verified = False
    buyer[1].save()
    with pytest.raises(Conflict) as err:
        services.create_hold(tenant=tenant, actor=buyer[0], unit_id=unit.pk)
    assert err.value.code == "customer_not_verified"
    unit.refresh_from_db()
    assert unit.status == Unit.AVAILABLE and not Hold.objects.exists()


def test_customer_cannot_hold_for_another_customer(tenant, buyer, buyer2, unit):
    with pytest.raises(PermissionDenied):
        services.create_hold(tenant=tenant, actor=buyer[0], unit_id=unit.pk, customer_id=buyer2[1].pk)


def test_approve_moves_to_hold_approved_and_keeps_the_unit_held(tenant, manager, unit, approved):
    unit.refresh_from_db()
    assert approved.status == "HOLD_APPROVED" and unit.status == Unit.HELD
    assert list(BookingStatusHistory.objects.filter(booking_id=approved.pk).values_list("to_status", flat=True)) == ["HOLD_REQUESTED", "HOLD_APPROVED"]


def test_approval_renews_the_hold_for_the_projects_hold_time(tenant, manager, project, held):
    from holdfast.core.audit.models import AuditEntry

    hold_id = held.booking.hold_id
    soon = timezone.now() + dt.timedelta(minutes=5)
    Hold.objects.filter(pk=hold_id).update(expires_at=soon)
    Block.objects.filter(hold_id=hold_id).update(expires_at=soon)
    before = timezone.now()
    services.approve_hold(tenant=tenant, actor=manager, booking_id=held.pk)
    hold = Hold.objects.get(pk=hold_id)
    wanted = before + dt.timedelta(minutes=project.hold_ttl_minutes)
    assert wanted <= hold.expires_at <= wanted + dt.timedelta(minutes=2) and hold.extensions == 1
    assert set(Block.objects.filter(hold_id=hold_id).values_list("expires_at", flat=True)) == {hold.expires_at}
    assert AuditEntry.objects.filter(action="inventory.hold.extended", actor=manager).exists()
    assert selectors.get_booking(tenant, held.pk).hold_expires_at == hold.expires_at


def test_approval_goes_ahead_without_renewal_when_no_extension_is_left(tenant, manager, held):
    tenant.settings = {**(tenant.settings or {}), "hold_max_extensions": 0}
    tenant.save()
    expiry = Hold.objects.get(pk=held.booking.hold_id).expires_at
    assert services.approve_hold(tenant=tenant, actor=manager, booking_id=held.pk).status == "HOLD_APPROVED"
    assert Hold.objects.get(pk=held.booking.hold_id).expires_at == expiry


def test_customer_cannot_approve_their_own_hold(tenant, buyer, held):
    with pytest.raises(PermissionDenied):
        services.approve_hold(tenant=tenant, actor=buyer[0], booking_id=held.pk)
    held.refresh_from_db()
    assert held.status == "HOLD_REQUESTED"


def test_approve_refuses_when_another_active_booking_holds_the_unit(tenant, manager, held, buyer2):
    # A second active row can only exist if the index were bypassed; the guard re-checks regardless.
    from holdfast.verticals.estate.flows import no_other_active_booking

    class Ctx:
        booking = held.booking

    assert no_other_active_booking(Ctx) is None


def test_reject_cancels_and_releases_the_unit(tenant, manager, unit, held):
    services.reject_hold(tenant=tenant, actor=manager, booking_id=held.pk, reason="incomplete papers")
    unit.refresh_from_db()
    held.refresh_from_db()
    assert held.status == "CANCELLED" and unit.status == Unit.AVAILABLE
    assert Hold.objects.get(pk=held.booking.hold_id).status == Hold.RELEASED


def test_customer_cancels_own_hold_but_not_someone_elses(tenant, buyer, buyer2, unit, held):
    with pytest.raises(NotFound):  # the engine's own_permission: someone else's booking is not revealed
        services.cancel_hold(tenant=tenant, actor=buyer2[0], booking_id=held.pk)
    assert Booking.objects.get(pk=held.pk).status == "HOLD_REQUESTED"
    services.cancel_hold(tenant=tenant, actor=buyer[0], booking_id=held.pk)
    unit.refresh_from_db()
    assert unit.status == Unit.AVAILABLE
    # the released unit can be held again
    again = services.create_hold(tenant=tenant, actor=buyer2[0], unit_id=unit.pk)
    assert again.status == "HOLD_REQUESTED"


def test_staff_who_approve_cancel_any_hold(tenant, agent, unit, held):
    assert services.cancel_hold(tenant=tenant, actor=agent, booking_id=held.pk, reason="asked by phone").status == "CANCELLED"
    unit.refresh_from_db()
    assert unit.status == Unit.AVAILABLE


def test_complete_refused_until_payments_meet_the_rule_then_sells_the_unit(tenant, owner, manager, unit, approved):
    services.record_payment(tenant=tenant, actor=manager, booking_id=approved.pk, amount_minor=10_000_00)
    with pytest.raises(Conflict) as err:
        services.complete_booking(tenant=tenant, actor=manager, booking_id=approved.pk)
    assert err.value.code == "payment_rule_not_met"
    unit.refresh_from_db()
    assert unit.status == Unit.HELD
    services.record_payment(tenant=tenant, actor=manager, booking_id=approved.pk, amount_minor=20_000_00, method="CARD")
    done = services.complete_booking(tenant=tenant, actor=manager, booking_id=approved.pk)
    unit.refresh_from_db()
    assert done.status == "BOOKED" and unit.status == Unit.SOLD
    assert Block.objects.get(hold_id=done.booking.hold_id).kind == Block.BOOKING


def test_complete_needs_an_approved_hold(tenant, manager, held):
    services.record_payment(tenant=tenant, actor=manager, booking_id=held.pk, amount_minor=30_000_00)
    with pytest.raises(Conflict) as err:
        services.complete_booking(tenant=tenant, actor=manager, booking_id=held.pk)
    assert err.value.code == "illegal_transition"


def test_agent_cannot_record_payments(tenant, agent, approved):
    with pytest.raises(PermissionDenied):
        services.record_payment(tenant=tenant, actor=agent, booking_id=approved.pk, amount_minor=100)


def test_payment_refused_on_cancelled_booking(tenant, manager, held):
    services.reject_hold(tenant=tenant, actor=manager, booking_id=held.pk)
    with pytest.raises(Conflict):
        services.record_payment(tenant=tenant, actor=manager, booking_id=held.pk, amount_minor=100)
    assert not Payment.objects.filter(booking_id=held.pk).exists()


def test_sweeper_expires_the_hold_the_booking_and_releases_the_unit(tenant, manager, unit, held):
    token = services.expect_payment(tenant=tenant, actor=manager, booking_id=held.pk, amount_minor=1_000_00, due_date=dt.date(2031, 1, 1), kind="TOKEN")
    Hold.objects.filter(pk=held.booking.hold_id).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    Block.objects.filter(hold_id=held.booking.hold_id).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    assert expire_due_holds() == 1
    held.refresh_from_db()
    unit.refresh_from_db()
    assert held.status == "EXPIRED" and Booking.objects.get(pk=held.pk).status == "EXPIRED" and unit.status == Unit.AVAILABLE
    token.refresh_from_db()
    assert token.status == Payment.VOID  # an expired booking expects no more money


def test_expired_but_unswept_hold_does_not_block_a_new_hold(tenant, buyer2, unit, held):
    Hold.objects.filter(pk=held.booking.hold_id).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    Block.objects.filter(hold_id=held.booking.hold_id).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    assert selectors.get_booking(tenant, held.pk).display_status == "EXPIRED"
    fresh = services.create_hold(tenant=tenant, actor=buyer2[0], unit_id=unit.pk)
    held.refresh_from_db()
    assert held.status == "EXPIRED" and fresh.status == "HOLD_REQUESTED"


def test_expire_hold_service_refuses_a_live_hold_and_expires_a_lapsed_one(tenant, unit, held):
    with pytest.raises(Conflict):
        services.expire_hold(tenant=tenant, booking_id=held.pk)
    Hold.objects.filter(pk=held.booking.hold_id).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    services.expire_hold(tenant=tenant, booking_id=held.pk)
    unit.refresh_from_db()
    assert unit.status == Unit.AVAILABLE


def _expected(tenant, manager, approved, **kw):
    return services.expect_payment(tenant=tenant, actor=manager, booking_id=approved.pk, amount_minor=50_000_00, due_date=dt.date(2031, 1, 1), **kw)


def test_a_recorded_payment_is_billing_money_bound_to_the_booking(tenant, manager, approved):
    payment = services.record_payment(tenant=tenant, actor=manager, booking_id=approved.pk, amount_minor=12_000_00, method="CARD", kind="TOKEN", reference="T-1")
    payment = Payment.objects.get(pk=payment.pk)
    assert (payment.source, payment.booking_id, payment.customer_id, payment.currency) == ("estate.booking", approved.pk, approved.customer_id, "USD")
    assert (payment.status, payment.kind, payment.method, payment.amount_minor) == (Payment.RECEIVED, "TOKEN", "CARD", 12_000_00) and payment.paid_at is not None
    # Received money is on the booking's billing ledger, as billing keeps desk money.
    assert LedgerEntry.objects.get(payment=payment).account.booking_id == approved.pk
    assert [p.pk for p in selectors.payments(tenant, booking_id=approved.pk)] == [payment.pk]


def test_expected_payments_are_not_money_until_received(tenant, manager, approved):
    payment = _expected(tenant, manager, approved, kind="DOWN_PAYMENT")
    assert payment.status == Payment.EXPECTED and payment.due_date == dt.date(2031, 1, 1)
    assert selectors.get_booking(tenant, approved.pk).received_minor == 0
    with pytest.raises(Conflict) as exc:
        services.complete_booking(tenant=tenant, actor=manager, booking_id=approved.pk)
    assert exc.value.code == "payment_rule_not_met"
    services.receive_payment(tenant=tenant, actor=manager, payment_id=payment.pk, method="CHEQUE")  # estate's word for billing's CHECK
    payment.refresh_from_db()
    assert payment.status == Payment.RECEIVED and payment.method == Payment.CHECK
    assert services.complete_booking(tenant=tenant, actor=manager, booking_id=approved.pk).status == "BOOKED"


def test_refunded_money_no_longer_counts_towards_the_rule(tenant, manager, approved):
    from holdfast.core.billing.services import refund_payment

    payment = services.record_payment(tenant=tenant, actor=manager, booking_id=approved.pk, amount_minor=30_000_00)
    refund_payment(tenant=tenant, actor=manager, payment_id=payment.pk, amount_minor=1_00, reason="bank fee returned")
    assert selectors.get_booking(tenant, approved.pk).received_minor == 29_999_00
    with pytest.raises(Conflict):
        services.complete_booking(tenant=tenant, actor=manager, booking_id=approved.pk)


def test_reminder_sent_now_is_emailed_and_counted_on_the_payment(tenant, manager, approved, buyer):
    payment = _expected(tenant, manager, approved)
    reminder = services.create_payment_reminder(tenant=tenant, actor=manager, payment_id=payment.pk, message="Please pay.")
    payment.refresh_from_db()
    assert isinstance(reminder, PaymentReminder) and reminder.payment_id == payment.pk and reminder.invoice_id is None
    assert reminder.status == PaymentReminder.SENT and payment.reminder_count == 1 and payment.last_reminder_at == reminder.sent_at
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [buyer[1].email] and "A-101" in mail.outbox[0].body and "Please pay." in mail.outbox[0].body


def test_scheduled_reminders_are_sent_by_the_billing_worker_sweep_when_due(tenant, manager, approved):
    payment = _expected(tenant, manager, approved)
    later = timezone.now() + dt.timedelta(hours=2)
    reminder = services.create_payment_reminder(tenant=tenant, actor=manager, payment_id=payment.pk, send_at=later)
    assert reminder.status == PaymentReminder.SCHEDULED and len(mail.outbox) == 0
    assert send_due_reminders() == 0
    assert send_due_reminders(at=later + dt.timedelta(seconds=1)) == 1
    assert send_due_reminders(at=later + dt.timedelta(seconds=2)) == 0  # never twice
    payment.refresh_from_db()
    reminder.refresh_from_db()
    assert reminder.status == PaymentReminder.SENT and payment.reminder_count == 1 and len(mail.outbox) == 1


def test_a_failing_mailer_leaves_the_reminder_failed_and_the_payment_untouched(tenant, manager, approved, monkeypatch):
    payment = _expected(tenant, manager, approved)
    reminder = services.create_payment_reminder(tenant=tenant, actor=manager, payment_id=payment.pk, send_at=timezone.now() + dt.timedelta(minutes=5))

    def boom(self, *a, **k):
        raise OSError("smtp down")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", boom)
    assert send_due_reminders(at=timezone.now() + dt.timedelta(minutes=6)) == 0
    reminder.refresh_from_db()
    payment.refresh_from_db()
    assert reminder.status == PaymentReminder.FAILED and "smtp down" in reminder.last_error and payment.reminder_count == 0


def test_receiving_an_expected_payment_cancels_its_scheduled_reminders(tenant, manager, approved):
    payment = _expected(tenant, manager, approved)
    reminder = services.create_payment_reminder(tenant=tenant, actor=manager, payment_id=payment.pk, send_at=timezone.now() + dt.timedelta(days=1))
    services.receive_payment(tenant=tenant, actor=manager, payment_id=payment.pk)
    reminder.refresh_from_db()
    assert reminder.status == PaymentReminder.CANCELLED
    with pytest.raises(Conflict):
        services.create_payment_reminder(tenant=tenant, actor=manager, payment_id=payment.pk)


def test_an_ended_booking_voids_its_expected_payments_and_their_reminders(tenant, manager, approved):
    payment = _expected(tenant, manager, approved)
    reminder = services.create_payment_reminder(tenant=tenant, actor=manager, payment_id=payment.pk, send_at=timezone.now() + dt.timedelta(days=1))
    services.reject_hold(tenant=tenant, actor=manager, booking_id=approved.pk, reason="financing failed")
    payment.refresh_from_db()
    reminder.refresh_from_db()
    assert payment.status == Payment.VOID and reminder.status == PaymentReminder.CANCELLED
    assert not selectors.overdue_payments(tenant).exists()


def test_an_expected_payment_can_be_voided_by_payment_staff_only(tenant, manager, agent, approved):
    payment = _expected(tenant, manager, approved)
    with pytest.raises(PermissionDenied):
        services.void_payment(tenant=tenant, actor=agent, payment_id=payment.pk, reason="no")
    assert services.void_payment(tenant=tenant, actor=manager, payment_id=payment.pk, reason="plan changed").status == Payment.VOID


def test_reminder_and_receipt_need_estates_permissions(tenant, agent, manager, approved):
    payment = _expected(tenant, manager, approved)
    with pytest.raises(PermissionDenied):
        services.create_payment_reminder(tenant=tenant, actor=agent, payment_id=payment.pk)
    with pytest.raises(PermissionDenied):
        services.receive_payment(tenant=tenant, actor=agent, payment_id=payment.pk)


def test_estate_services_do_not_touch_other_billing_payments(tenant, manager, customer):
    from holdfast.core.billing.services import expect_payment

    foreign = expect_payment(tenant=tenant, actor=manager, booking_id=None, customer_id=customer.pk, amount_minor=100, due_date=dt.date(2031, 1, 1))
    for call in (lambda: services.receive_payment(tenant=tenant, actor=manager, payment_id=foreign.pk),
                 lambda: services.create_payment_reminder(tenant=tenant, actor=manager, payment_id=foreign.pk),
                 lambda: services.void_payment(tenant=tenant, actor=manager, payment_id=foreign.pk, reason="x")):
        with pytest.raises(NotFound):
            call()


def test_derived_states_follow_stored_state_and_payments(tenant, manager, held):
    assert selectors.get_booking(tenant, held.pk).display_status == "APPROVAL_IN_PROGRESS"
    services.approve_hold(tenant=tenant, actor=manager, booking_id=held.pk)
    assert selectors.get_booking(tenant, held.pk).display_status == "PAYMENT_PENDING"
    services.record_payment(tenant=tenant, actor=manager, booking_id=held.pk, amount_minor=30_000_00)
    row = selectors.get_booking(tenant, held.pk)
    assert row.display_status == "BOOKING_CONFIRMED" and row.status == "HOLD_APPROVED"
    assert set(Booking.objects.values_list("status", flat=True)) == {"HOLD_APPROVED"}  # never written


def test_the_customer_is_notified_when_staff_decide(tenant, manager, buyer, held):
    from holdfast.core.events.models import Notification

    services.approve_hold(tenant=tenant, actor=manager, booking_id=held.pk)
    assert Notification.objects.filter(recipient=buyer[0], title="Your hold on A-101 was approved").exists()


def test_the_worker_schedule_sends_estate_reminders_through_billings_sweep(tenant, manager, approved):
    from holdfast.kit.periodic import PERIODIC

    assert "estate.run_scheduled_reminders" not in PERIODIC  # one sweep for all reminders: billing's
    payment = _expected(tenant, manager, approved)
    PaymentReminder.objects.create(tenant=tenant, payment=payment, scheduled_for=timezone.now() - dt.timedelta(minutes=1), to_email="late@example.com")
    assert PERIODIC["billing.send_due_reminders"].run() == 1
    assert mail.outbox[-1].to == ["late@example.com"] and "EST-A-101" in mail.outbox[-1].body

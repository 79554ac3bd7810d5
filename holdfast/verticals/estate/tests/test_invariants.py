"""Seed 000 §F: every invariant, in the database where it can be, in services otherwise, and in the doctor."""
from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from holdfast.core.billing import doctor as billing_doctor  # noqa: F401  (registers billing's checks)
from holdfast.core.billing.models import Payment
from holdfast.core.bookings import doctor as engine_doctor  # noqa: F401  (registers the engine's checks)
from holdfast.core.bookings.models import Booking
from holdfast.core.customers.models import Customer
from holdfast.core.inventory.models import Resource
from holdfast.kit.doctor import REGISTRY
from holdfast.kit.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from holdfast.verticals.estate import doctor, services  # noqa: F401  (registers the checks)
from holdfast.verticals.estate.models import EstateBooking, Lead, Review, Unit

from .factories import EstateBookingFactory, ReviewFactory

pytestmark = pytest.mark.django_db


def run(name):
    return REGISTRY[name].run()


def test_db_refuses_a_second_active_booking_for_a_unit(tenant, held):
    # The estate flow's exclusive states put the unit's resource in the engine booking's exclusive key;
    # the engine's partial unique index refuses a second active booking of that resource.
    assert held.booking.exclusive_key == f"resource:{held.unit.resource_id}"
    for status in ("HOLD_REQUESTED", "HOLD_APPROVED", "BOOKED"):
        with pytest.raises(IntegrityError) as exc, transaction.atomic():
            EstateBookingFactory(tenant=tenant, unit=held.unit, status=status)
        assert "booking_one_active_per_key" in str(exc.value) or "exclusive_key" in str(exc.value)
    EstateBookingFactory(tenant=tenant, unit=held.unit, status="CANCELLED")  # history does not block
    EstateBookingFactory(tenant=tenant, unit=held.unit, status="EXPIRED")
    assert run("estate.one_active_booking_per_unit") == [] and run("bookings.exclusive_key_matches_flow") == []


def test_an_estate_booking_whose_engine_booking_is_another_units_is_found_and_refused(tenant, manager, held):

    assert run("estate.booking_agrees_with_engine") == []
    other = services.create_unit(tenant=tenant, actor=manager, project_id=held.unit.project_id, code="Z-9", price_minor=1)
    Booking.objects.filter(pk=held.pk).update(resource_id=other.resource_id)
    assert [f.message for f in run("estate.booking_agrees_with_engine")] == [f"estate booking {held.pk} disagrees with its engine booking on unit, customer, tenant or flow"]
    with pytest.raises(Conflict) as exc:  # approval's guard: the index would watch the wrong unit
        services.approve_hold(tenant=tenant, actor=manager, booking_id=held.pk)
    assert exc.value.code == "unit_mismatch"


def test_booking_needs_exactly_one_unit_and_customer(tenant):
    for field in ("unit", "customer"):
        assert not EstateBooking._meta.get_field(field).null
    with pytest.raises(IntegrityError), transaction.atomic():
        EstateBookingFactory(tenant=tenant, customer=None)


def test_a_payment_belongs_to_exactly_one_booking_and_never_to_a_unit(tenant, manager, approved):
    # Estate money is billing's Payment: one booking FK (the engine booking), no relation to a unit or
    # its inventory resource; the unit is reached through the booking.
    relations = {f.name: f.related_model for f in Payment._meta.get_fields() if f.is_relation and f.many_to_one}
    assert relations["booking"] is Booking and not any(model in (Unit, Resource) for model in relations.values())
    payment = services.record_payment(tenant=tenant, actor=manager, booking_id=approved.pk, amount_minor=100)
    expected = services.expect_payment(tenant=tenant, actor=manager, booking_id=approved.pk, amount_minor=100, due_date=dt.date(2031, 1, 1))
    for p in (payment, expected):
        assert (p.booking_id, p.source) == (approved.pk, "estate.booking")
        assert p.booking.estate.unit == approved.unit  # derived through the booking
    # No payment without a valid booking: unknown or foreign ids are refused, and nothing is written.
    for missing in (987_654_321, None):
        with pytest.raises(NotFound):
            services.record_payment(tenant=tenant, actor=manager, booking_id=missing, amount_minor=100)
    assert Payment.objects.filter(source="estate.booking").count() == 2
    assert run("estate.payment_belongs_to_its_booking") == []
    # The database is the last line: billing's CHECK payment_vertical_needs_booking.
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(tenant=tenant, customer=approved.customer, source="estate.booking", method="CASH", amount_minor=100, currency="USD", paid_at=timezone.now())


def test_payment_doctor_finds_one_without_an_estate_booking_or_disagreeing_with_it(tenant, manager, approved):
    from holdfast.core.bookings.tests.factories import BookingFactory

    payment = services.record_payment(tenant=tenant, actor=manager, booking_id=approved.pk, amount_minor=100)
    assert run("estate.payment_belongs_to_its_booking") == []
    Payment.objects.filter(pk=payment.pk).update(currency="EUR")
    assert [f.message for f in run("estate.payment_belongs_to_its_booking")] == [f"estate payment {payment.pk} disagrees with booking {approved.pk} on tenant, customer or currency"]
    other = BookingFactory(tenant=tenant)  # an engine booking that is no estate booking
    Payment.objects.filter(pk=payment.pk).update(currency="USD", booking=other)
    assert [f.message for f in run("estate.payment_belongs_to_its_booking")] == [f"estate payment {payment.pk} has no estate booking (booking {other.pk})"]


def test_booked_only_for_the_reserved_unit(tenant, manager, approved):
    from holdfast.verticals.estate.flows import unit_is_the_reserved_one

    class Ctx:
        booking = Booking.objects.get(pk=approved.pk)

    assert unit_is_the_reserved_one(Ctx) is None
    other = services.create_unit(tenant=tenant, actor=manager, project_id=approved.unit.project_id, code="B-1", price_minor=1)
    Ctx.booking.resource_id = other.resource_id
    assert unit_is_the_reserved_one(Ctx).code == "unit_mismatch"


def test_unit_sold_only_with_a_booked_booking(tenant, manager, approved):
    services.record_payment(tenant=tenant, actor=manager, booking_id=approved.pk, amount_minor=30_000_00)
    services.complete_booking(tenant=tenant, actor=manager, booking_id=approved.pk)
    assert run("estate.unit_status_matches_bookings") == [] and run("estate.booked_holds_its_own_unit") == []
    # A unit marked sold behind the services' back is found and repaired from its bookings.
    spare = services.create_unit(tenant=tenant, actor=manager, project_id=approved.unit.project_id, code="C-1", price_minor=1)
    Unit.objects.filter(pk=spare.pk).update(status=Unit.SOLD)
    findings = run("estate.unit_status_matches_bookings")
    assert [f.data["unit_id"] for f in findings] == [spare.pk]
    assert REGISTRY["estate.unit_status_matches_bookings"].repair(findings) == 1
    spare.refresh_from_db()
    assert spare.status == Unit.AVAILABLE


def test_cancelled_or_expired_bookings_do_not_block(tenant, manager, buyer2, held):
    services.reject_hold(tenant=tenant, actor=manager, booking_id=held.pk)
    assert run("estate.ended_bookings_do_not_block") == []
    again = services.create_hold(tenant=tenant, actor=buyer2[0], unit_id=held.unit_id)
    assert again.status == "HOLD_REQUESTED"
    assert run("estate.booking_agrees_with_engine") == [] and run("bookings.exclusive_key_matches_flow") == []


def test_review_authored_by_a_customer_targets_exactly_one_subject(tenant, buyer, agent, project, manager):
    with pytest.raises(IntegrityError), transaction.atomic():
        ReviewFactory(tenant=tenant, agent=agent)  # project and agent
    with pytest.raises(IntegrityError), transaction.atomic():
        ReviewFactory(tenant=tenant, project=None)  # neither
    with pytest.raises(ValidationFailed):
        services.write_review(tenant=tenant, actor=buyer[0], rating=5, project_id=project.pk, agent_id=agent.pk)
    with pytest.raises(PermissionDenied):
        services.write_review(tenant=tenant, actor=manager, rating=5, project_id=project.pk)  # staff are not customers
    review = services.write_review(tenant=tenant, actor=buyer[0], rating=5, agent_id=agent.pk, text="Helpful")
    assert review.customer == buyer[1] and review.status == Review.PENDING
    assert run("estate.review_target_and_moderation") == []


def test_only_staff_moderate_and_nobody_moderates_about_themselves(tenant, buyer, agent, manager, project):
    review = services.write_review(tenant=tenant, actor=buyer[0], rating=2, agent_id=agent.pk)
    with pytest.raises(PermissionDenied):
        services.moderate_review(tenant=tenant, actor=buyer[0], review_id=review.pk, approve=True)  # no self-approval
    with pytest.raises(PermissionDenied):
        services.moderate_review(tenant=tenant, actor=agent, review_id=review.pk, approve=False)  # about themselves
    services.moderate_review(tenant=tenant, actor=manager, review_id=review.pk, approve=True)
    with pytest.raises(Conflict):
        services.moderate_review(tenant=tenant, actor=manager, review_id=review.pk, approve=False)
    Review.objects.filter(pk=review.pk).update(moderated_by=buyer[0])
    assert len(run("estate.review_target_and_moderation")) == 1


def test_a_lead_is_not_a_customer_and_many_leads_share_one(tenant, manager, buyer):
    before = Customer.objects.count()
    first = services.create_lead(tenant=tenant, actor=manager, name="Walk-in", email="walk@example.com")
    second = services.create_lead(tenant=tenant, actor=manager, name="Phone call")
    assert Customer.objects.count() == before
    for lead in (first, second):
        services.link_lead_customer(tenant=tenant, actor=manager, lead_id=lead.pk, customer_id=buyer[1].pk)
    assert Lead.objects.filter(customer=buyer[1]).count() == 2
    unverified = Customer.objects.create(tenant=tenant, name="Not verified")
    with pytest.raises(Conflict):
        services.link_lead_customer(tenant=tenant, actor=manager, lead_id=first.pk, customer_id=unverified.pk)
    assert run("estate.lead_links_verified_customer") == []
    Lead.objects.filter(pk=first.pk).update(customer=unverified)
    assert len(run("estate.lead_links_verified_customer")) == 1


def test_reminder_tracking_on_an_estate_payment_is_billings_doctor_check(tenant, manager, approved):
    payment = services.expect_payment(tenant=tenant, actor=manager, booking_id=approved.pk, amount_minor=100, due_date=dt.date(2031, 1, 1))
    services.create_payment_reminder(tenant=tenant, actor=manager, payment_id=payment.pk)
    assert run("billing.reminder_counts") == []
    Payment.objects.filter(pk=payment.pk).update(reminder_count=5)
    assert len(run("billing.reminder_counts")) == 1


def test_derived_states_cannot_be_stored(tenant, owner, buyer, held):
    from holdfast.core.bookings import services as engine
    from holdfast.verticals.estate.flows import ESTATE

    assert "status" not in {f.name for f in EstateBooking._meta.concrete_fields}  # one stored status: the engine booking's
    for derived in ("PAYMENT_PENDING", "BOOKING_CONFIRMED", "APPROVAL_IN_PROGRESS"):
        assert derived not in ESTATE.states
        with pytest.raises(ValidationFailed):
            engine.create_booking(tenant=tenant, actor=owner, flow="estate", customer_id=buyer[1].pk, resource_id=held.unit.resource_id, status=derived)
    # Written behind the engine's back, the engine's doctor reports it.
    Booking.objects.filter(pk=held.pk).update(status="PAYMENT_PENDING")
    assert [f.message for f in run("bookings.history_consistent")] == [f"booking {held.pk} is PAYMENT_PENDING but its history ends in HOLD_REQUESTED"]

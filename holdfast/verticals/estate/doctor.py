"""Seed 000 §F invariants, checked on a live database (`holdfast doctor`)."""
from __future__ import annotations

from django.db.models import Count, F, Q

from holdfast.core.billing.models import Payment
from holdfast.core.billing.selectors import with_payment_amounts
from holdfast.core.inventory.models import Block, Hold
from holdfast.kit.doctor import Finding, check, repair

from .models import ACTIVE_STATES, BOOKED, CANCELLED, EXPIRED, PAYMENT_SOURCE, EstateBooking, Lead, Review, Unit


@check("estate.one_active_booking_per_unit", "A unit never has more than one active booking")
def one_active_booking_per_unit():
    rows = EstateBooking.objects.filter(booking__status__in=ACTIVE_STATES).values("unit_id", "tenant_id").annotate(n=Count("pk")).filter(n__gt=1)
    return [Finding(f"unit {r['unit_id']} has {r['n']} active bookings", tenant_id=r["tenant_id"]) for r in rows]


@check("estate.booking_agrees_with_engine", "Each estate booking is an estate-flow engine booking of its unit's resource, its customer and its tenant")
def booking_agrees_with_engine():
    """The engine's one-active-per-resource index is the unit's only while the booking's resource is the unit's."""
    bad = EstateBooking.objects.exclude(booking__resource_id=F("unit__resource_id")) | EstateBooking.objects.exclude(booking__customer_id=F("customer_id")) \
        | EstateBooking.objects.exclude(booking__tenant_id=F("tenant_id")) | EstateBooking.objects.exclude(booking__flow="estate")
    return [Finding(f"estate booking {e.pk} disagrees with its engine booking on unit, customer, tenant or flow", tenant_id=e.tenant_id) for e in bad.distinct()]


def _wanted(unit_id, statuses) -> str:
    return Unit.SOLD if BOOKED in statuses else Unit.HELD if statuses else Unit.AVAILABLE


def _unit_mismatches():
    active: dict[int, set] = {}
    for unit_id, status in EstateBooking.objects.filter(booking__status__in=ACTIVE_STATES).values_list("unit_id", "booking__status"):
        active.setdefault(unit_id, set()).add(status)
    for unit in Unit.objects.only("id", "tenant_id", "status").iterator():
        wanted = _wanted(unit.pk, active.get(unit.pk, set()))
        if unit.status != wanted:
            yield unit, wanted


@check("estate.unit_status_matches_bookings", "A unit is SOLD only with a BOOKED booking, HELD only with an active hold, AVAILABLE otherwise")
def unit_status_matches_bookings():
    return [Finding(f"unit {u.pk} is {u.status} but its bookings say {wanted}", tenant_id=u.tenant_id, data={"unit_id": u.pk}) for u, wanted in _unit_mismatches()]


@repair("estate.unit_status_matches_bookings")
def fix_unit_status(findings):
    from .services.sales import sync_unit_status
    from django.db import transaction

    fixed = 0
    for finding in findings:
        with transaction.atomic():
            sync_unit_status(finding.data["unit_id"])
        fixed += 1
    return fixed


@check("estate.ended_bookings_do_not_block", "A cancelled or expired booking holds no live inventory")
def ended_bookings_do_not_block():
    ended = EstateBooking.objects.filter(booking__status__in=[CANCELLED, EXPIRED], booking__hold__isnull=False)
    stuck = ended.select_related("booking").filter(Q(booking__hold__status__in=[Hold.ACTIVE, Hold.CONVERTED]) | Q(booking__hold__blocks__active=True, booking__hold__blocks__expires_at__isnull=True)).distinct()
    return [Finding(f"{e.status} booking {e.pk} still holds unit {e.unit_id}", tenant_id=e.tenant_id) for e in stuck]


@check("estate.booked_holds_its_own_unit", "A BOOKED booking occupies exactly the unit it reserved")
def booked_holds_its_own_unit():
    findings = []
    for e in EstateBooking.objects.filter(booking__status=BOOKED).select_related("unit", "booking__hold"):
        blocks = Block.objects.filter(hold_id=e.booking.hold_id, active=True, kind=Block.BOOKING) if e.booking.hold_id else Block.objects.none()
        if not blocks.filter(resource_id=e.unit.resource_id).exists() or blocks.exclude(resource_id=e.unit.resource_id).exists():
            findings.append(Finding(f"BOOKED booking {e.pk} does not occupy its unit {e.unit_id}", tenant_id=e.tenant_id))
    return findings


@check("estate.payment_belongs_to_its_booking", "Each estate payment (billing, source estate.booking) belongs to one estate booking of its tenant, customer and currency")
def payment_belongs_to_its_booking():
    """Seed §F: a payment belongs to exactly one booking and never exists without one. Billing's
    Payment has one booking FK and no unit; this finds one bound to no estate booking or to another's."""
    ours = Payment.objects.filter(source=PAYMENT_SOURCE)
    orphans = ours.filter(Q(booking__isnull=True) | Q(booking__estate__isnull=True))
    findings = [Finding(f"estate payment {p.pk} has no estate booking (booking {p.booking_id})", tenant_id=p.tenant_id) for p in orphans]
    bound = ours.filter(booking__estate__isnull=False)
    bad = bound.exclude(tenant_id=F("booking__estate__tenant_id")) | bound.exclude(customer_id=F("booking__estate__customer_id")) | bound.exclude(currency=F("booking__estate__currency"))
    findings += [Finding(f"estate payment {p.pk} disagrees with booking {p.booking_id} on tenant, customer or currency", tenant_id=p.tenant_id) for p in bad.distinct()]
    return findings


@check("estate.money_of_ended_booking_is_flagged", "Money received for an estate booking that ended (cancelled or expired) and not refunded is flagged for refund")
def money_of_ended_booking_is_flagged():
    """Issue 14: money that must go back is never left looking settled. Ending a booking flags it in the
    same transaction (billing.settle_money_of_ended_booking); this finds any that escaped."""
    received = with_payment_amounts(Payment.objects.filter(source=PAYMENT_SOURCE, status=Payment.RECEIVED, needs_refund=False,
                                                           booking__status__in=[CANCELLED, EXPIRED]))
    return [Finding(f"estate payment {p.pk} of ended booking {p.booking_id} holds {p.amount_minor - p.refunded_minor} minor units not flagged for refund", tenant_id=p.tenant_id)
            for p in received if p.amount_minor - p.refunded_minor > 0]


@check("estate.review_target_and_moderation", "A review targets exactly one of a project or an agent, and was not moderated by its author")
def review_target_and_moderation():
    findings = []
    both = Review.objects.filter(Q(project__isnull=False, agent__isnull=False) | Q(project__isnull=True, agent__isnull=True))
    findings += [Finding(f"review {r.pk} does not target exactly one subject", tenant_id=r.tenant_id) for r in both]
    self_moderated = Review.objects.filter(moderated_by__isnull=False, moderated_by_id=F("customer__user_id"))
    findings += [Finding(f"review {r.pk} was moderated by its own author", tenant_id=r.tenant_id) for r in self_moderated]
    return findings


@check("estate.lead_links_verified_customer", "A lead links at most one verified customer of its own tenant (a lead is not a customer)")
def lead_links_verified_customer():
    bad = Lead.objects.filter(customer__isnull=False).filter(Q(customer__is_verified=False) | ~Q(customer__tenant_id=F("tenant_id")))
    return [Finding(f"lead {lead.pk} links customer {lead.customer_id} that is unverified or of another tenant", tenant_id=lead.tenant_id) for lead in bad]

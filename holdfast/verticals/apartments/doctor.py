"""Seed 001's invariants, checked on a live database (`holdfast doctor`)."""
from __future__ import annotations

from django.db.models import Count, F, Q, Sum

from holdfast.core.billing.models import CreditNote, Invoice, Payment, Refund
from holdfast.kit.doctor import Finding, check, repair

from .models import APPROVED, BOOKING_SOURCE, IN_PROGRESS, LIVE_STATES, REJECTED, UNDER_REVIEW, UNLOCKED_STATES, Apartment, ApartmentBooking, BookingAddon
from .services.pricing import calculate_total

LISTINGS = [Apartment.PROJECT, Apartment.STANDALONE]


@check("apartments.one_live_booking_per_listing", "A listed apartment never has more than one live booking")
def one_live_booking_per_listing():
    rows = ApartmentBooking.objects.filter(booking__status__in=LIVE_STATES).values("listing_id", "tenant_id").annotate(n=Count("pk")).filter(n__gt=1)
    return [Finding(f"apartment {r['listing_id']} has {r['n']} live bookings", tenant_id=r["tenant_id"]) for r in rows]


@check("apartments.booking_agrees_with_engine", "Each apartments booking is an apartments-flow engine booking of its listing's resource, customer and tenant")
def booking_agrees_with_engine():
    qs = ApartmentBooking.objects
    bad = (qs.exclude(booking__resource_id=F("listing__resource_id")) | qs.exclude(booking__customer_id=F("customer_id"))
           | qs.exclude(booking__tenant_id=F("tenant_id")) | qs.exclude(booking__flow="apartments"))
    return [Finding(f"apartments booking {b.pk} disagrees with its engine booking on listing, customer, tenant or flow", tenant_id=b.tenant_id) for b in bad.distinct()]


@check("apartments.instance_is_the_bookings_clone", "A booking's apartment is a customer instance cloned from its listing for its customer")
def instance_is_the_bookings_clone():
    bad = ApartmentBooking.objects.exclude(apartment__kind=Apartment.INSTANCE) | ApartmentBooking.objects.exclude(apartment__source_id=F("listing_id")) \
        | ApartmentBooking.objects.exclude(apartment__customer_id=F("customer_id"))
    findings = [Finding(f"booking {b.pk}'s apartment {b.apartment_id} is not its listing's clone for its customer", tenant_id=b.tenant_id) for b in bad.distinct()]
    listings = ApartmentBooking.objects.exclude(listing__kind__in=LISTINGS)
    findings += [Finding(f"booking {b.pk} books apartment {b.listing_id}, which is not a listing", tenant_id=b.tenant_id) for b in listings]
    return findings


def _wanted(statuses: set) -> str:
    return Apartment.BOOKED if APPROVED in statuses else Apartment.IN_PROGRESS if statuses else Apartment.FOR_SALE


def _listing_mismatches():
    live: dict[int, set] = {}
    for listing_id, status in ApartmentBooking.objects.filter(booking__status__in=LIVE_STATES).values_list("listing_id", "booking__status"):
        live.setdefault(listing_id, set()).add(status)
    for apartment in Apartment.objects.filter(kind__in=LISTINGS).only("id", "tenant_id", "status").iterator():
        wanted = _wanted(live.get(apartment.pk, set()))
        if apartment.status != wanted:
            yield apartment, wanted


@check("apartments.listing_status_matches_bookings", "A listing is Booked with an approved booking, In Progress with an open one, For Sale otherwise")
def listing_status_matches_bookings():
    return [Finding(f"apartment {a.pk} is {a.status} but its bookings say {wanted}", tenant_id=a.tenant_id, data={"apartment_id": a.pk}) for a, wanted in _listing_mismatches()]


@repair("apartments.listing_status_matches_bookings")
def fix_listing_status(findings):
    from django.db import transaction

    from .services.bookings import sync_listing_status

    for finding in findings:
        with transaction.atomic():
            sync_listing_status(finding.data["apartment_id"])
    return len(findings)


@check("apartments.total_is_the_one_function", "A booking's subtotal, tax and total are calculate_total() of its own package and addon prices")
def total_is_the_one_function():
    findings = []
    for ab in ApartmentBooking.objects.prefetch_related("addon_lines").iterator(chunk_size=500):
        expected = calculate_total(ab.package_price_minor, [(line.unit_price_minor, line.units) for line in ab.addon_lines.all()], ab.tax_rate, ab.currency)
        if (expected.subtotal_minor, expected.tax_minor) != (ab.subtotal_minor, ab.tax_minor):
            findings.append(Finding(f"booking {ab.pk} totals {ab.subtotal_minor}+{ab.tax_minor}, its lines say {expected.subtotal_minor}+{expected.tax_minor}", tenant_id=ab.tenant_id))
    return findings


@check("apartments.unapproved_prices_follow_the_catalogue", "A booking not yet approved carries the catalogue's current package and addon prices (the cascade)")
def unapproved_prices_follow_the_catalogue():
    open_ = Q(booking__booking__status__in=UNLOCKED_STATES)
    stale_lines = BookingAddon.objects.filter(open_).exclude(unit_price_minor=F("addon__unit_price_minor"))
    findings = [Finding(f"booking {line.booking_id} prices {line.addon_id} at {line.unit_price_minor}, the catalogue at {line.addon.unit_price_minor}", tenant_id=line.tenant_id)
                for line in stale_lines.select_related("addon")]
    stale = ApartmentBooking.objects.filter(booking__status__in=UNLOCKED_STATES, package__isnull=False).exclude(package_price_minor=F("package__price_minor"))
    findings += [Finding(f"booking {ab.pk} prices its package at {ab.package_price_minor}, the catalogue at {ab.package.price_minor}", tenant_id=ab.tenant_id)
                 for ab in stale.select_related("package")]
    return findings


@check("apartments.addon_limits_hold", "An open booking's addons are within each addon's max units and each category's limit")
def addon_limits_hold():
    findings = []
    lines = BookingAddon.objects.filter(booking__booking__status__in=UNLOCKED_STATES).select_related("addon__category")
    over = lines.filter(units__gt=F("addon__max_units"))
    findings += [Finding(f"booking {line.booking_id} has {line.units} units of addon {line.addon_id} (max {line.addon.max_units})", tenant_id=line.tenant_id) for line in over]
    per_category = lines.values("booking_id", "tenant_id", "addon__category_id", "addon__category__max_units").annotate(n=Sum("units")).filter(n__gt=F("addon__category__max_units"))
    findings += [Finding(f"booking {r['booking_id']} has {r['n']} units in category {r['addon__category_id']} (limit {r['addon__category__max_units']})", tenant_id=r["tenant_id"])
                 for r in per_category]
    return findings


def billed_minor(booking_id: int) -> int:
    """What the booking's live invoices ask for: Pending and Paid totals, net of credit notes."""
    live = Invoice.objects.filter(booking_id=booking_id, source=BOOKING_SOURCE, status__in=[Invoice.PENDING, Invoice.PAID])
    totals = live.aggregate(s=Sum("total_minor"))["s"] or 0
    credits = CreditNote.objects.filter(invoice__in=live).aggregate(s=Sum("amount_minor"))["s"] or 0
    return totals - credits


def received_minor(booking_id: int) -> int:
    paid = Payment.objects.filter(booking_id=booking_id, status=Payment.RECEIVED).aggregate(s=Sum("amount_minor"))["s"] or 0
    refunded = Refund.objects.filter(payment__booking_id=booking_id, payment__status=Payment.RECEIVED).aggregate(s=Sum("amount_minor"))["s"] or 0
    return paid - refunded


@check("apartments.invoices_ask_for_the_total", "A confirmed booking's live invoices ask for its total (or what was already paid, when a price fell after payment); a rejected one has none")
def invoices_ask_for_the_total():
    findings = []
    for ab in ApartmentBooking.objects.filter(booking__status__in=[IN_PROGRESS, UNDER_REVIEW, APPROVED, REJECTED]).only("pk", "tenant_id", "total_minor", "booking__status").select_related("booking"):
        billed = billed_minor(ab.pk)
        wanted = 0 if ab.booking.status == REJECTED else max(ab.total_minor, received_minor(ab.pk))
        if billed != wanted:
            findings.append(Finding(f"booking {ab.pk} ({ab.booking.status}) is invoiced {billed}, its total asks {wanted}", tenant_id=ab.tenant_id))
    return findings


@check("apartments.payment_belongs_to_its_booking", "Each apartments payment belongs to one apartments booking of its tenant, customer and currency")
def payment_belongs_to_its_booking():
    ours = Payment.objects.filter(source=BOOKING_SOURCE)
    orphans = ours.filter(Q(booking__isnull=True) | Q(booking__apartments__isnull=True))
    findings = [Finding(f"apartments payment {p.pk} has no apartments booking (booking {p.booking_id})", tenant_id=p.tenant_id) for p in orphans]
    bound = ours.filter(booking__apartments__isnull=False)
    bad = bound.exclude(tenant_id=F("booking__apartments__tenant_id")) | bound.exclude(customer_id=F("booking__apartments__customer_id")) \
        | bound.exclude(currency=F("booking__apartments__currency"))
    findings += [Finding(f"apartments payment {p.pk} disagrees with booking {p.booking_id} on tenant, customer or currency", tenant_id=p.tenant_id) for p in bad.distinct()]
    return findings

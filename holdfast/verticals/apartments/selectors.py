"""Tenant-scoped reads for apartments: the catalogue a buyer browses (§3.4 step 1), bookings (a customer
sees only their own), and the derived money of a booking.

The remaining amount is derived, never stored: total − money received on the booking (RECEIVED
payments net of refunds; a payment is taken only against the booking's open invoices, so this is the
money on its invoices). It is exact to the cent through partial payments and negative only when a
price fell after money was paid (owed back).
"""
from __future__ import annotations

from django.db.models import BigIntegerField, Count, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from holdfast.core.accounts.selectors import has_perm
from holdfast.core.billing.models import Invoice, Payment, Refund
from holdfast.core.billing.selectors import with_amounts
from holdfast.core.customers.models import Customer
from holdfast.core.tenancy.selectors import get_owned, require_owned

from .models import (
    APPROVED, BOOKING_SOURCE, BOOKING_STATES, LIVE_STATES, STATE_LABELS, Addon, AddonCategory, Apartment, ApartmentBooking, ApartmentPhoto, Package, Project,
)
from .services.pricing import calculate_total, limit_problems

STAFF_PERMISSION = "apartments.booking.manage"
LISTING_KINDS = [Apartment.PROJECT, Apartment.STANDALONE]
BADGES = {"PENDING": "muted", "IN_PROGRESS": "info", "UNDER_REVIEW": "warn", "APPROVED": "ok", "REJECTED": "danger"}
APARTMENT_BADGES = {Apartment.FOR_SALE: "ok", Apartment.IN_PROGRESS: "warn", Apartment.BOOKED: "info", Apartment.TEMPLATE_STATUS: "muted"}


def is_staff(user, tenant) -> bool:
    return has_perm(user, tenant, STAFF_PERMISSION)


def customer_of(tenant, user) -> Customer | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Customer.objects.for_tenant(tenant).filter(user=user).first()


# ---------------------------------------------------------------- catalogue

def projects(tenant, *, include_removed: bool = False):
    listed = Q(apartments__kind=Apartment.PROJECT, apartments__is_removed=False)
    qs = Project.objects.for_tenant(tenant).select_related("site").annotate(
        listed_count=Count("apartments", filter=listed, distinct=True),
        for_sale_count=Count("apartments", filter=listed & Q(apartments__status=Apartment.FOR_SALE), distinct=True),
        booked_count=Count("apartments", filter=listed & Q(apartments__status=Apartment.BOOKED), distinct=True),
    ).order_by("id")
    return qs if include_removed else qs.filter(is_removed=False)


def get_project(tenant, project_id) -> Project:
    return get_owned(projects(tenant, include_removed=True), tenant, project_id, what="project")


def apartments(tenant, *, project_id: int | None = None, kind: str | None = None, status: str | None = None, include_removed: bool = False, include_instances: bool = False):
    require_owned(tenant, (Project, project_id))
    qs = Apartment.objects.for_tenant(tenant).select_related("project__site", "customer").prefetch_related("packages", "addons__category", "photos")
    if not include_instances:
        qs = qs.exclude(kind=Apartment.INSTANCE)
    if not include_removed:
        qs = qs.filter(is_removed=False)
    if project_id:
        qs = qs.filter(project_id=project_id)
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("project_id", "name", "id")


def available_listings(tenant, *, project_id: int | None = None):
    """§3.4 step 1: apartments a customer can book now."""
    return apartments(tenant, project_id=project_id, status=Apartment.FOR_SALE).filter(kind__in=LISTING_KINDS)


def templates(tenant):
    return apartments(tenant, kind=Apartment.TEMPLATE)


def get_apartment(tenant, apartment_id, *, user=None) -> Apartment:
    """A listing or template; a customer instance only for staff or its own customer."""
    qs = apartments(tenant, include_removed=True, include_instances=True)
    if user is not None and not is_staff(user, tenant):
        customer = customer_of(tenant, user)
        qs = qs.filter(~Q(kind=Apartment.INSTANCE) | Q(customer=customer)) if customer else qs.exclude(kind=Apartment.INSTANCE)
    return get_owned(qs, tenant, apartment_id, what="apartment")


def get_photo(tenant, photo_id) -> ApartmentPhoto:
    return get_owned(ApartmentPhoto.objects.select_related("apartment"), tenant, photo_id, what="photo")


def packages(tenant, *, active: bool | None = None, kind: str | None = None):
    qs = Package.objects.for_tenant(tenant)
    if active is not None:
        qs = qs.filter(is_active=active)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("price_minor", "id")


def get_package(tenant, package_id) -> Package:
    return get_owned(Package, tenant, package_id, what="package")


def addons(tenant, *, active: bool | None = None, category_id: int | None = None):
    require_owned(tenant, (AddonCategory, category_id))
    qs = Addon.objects.for_tenant(tenant).select_related("category")
    if active is not None:
        qs = qs.filter(is_active=active)
    if category_id:
        qs = qs.filter(category_id=category_id)
    return qs.order_by("category__name", "name", "id")


def get_addon(tenant, addon_id) -> Addon:
    return get_owned(Addon.objects.select_related("category"), tenant, addon_id, what="addon")


def categories(tenant):
    return AddonCategory.objects.for_tenant(tenant).annotate(addon_count=Count("addons")).order_by("name", "id")


def get_category(tenant, category_id) -> AddonCategory:
    return get_owned(AddonCategory, tenant, category_id, what="addon category")


# ---------------------------------------------------------------- bookings

def _received():
    paid = (Payment.objects.filter(booking_id=OuterRef("pk"), status=Payment.RECEIVED, currency=OuterRef("currency")).order_by()
            .values("booking_id").annotate(s=Sum("amount_minor")).values("s"))
    refunded = (Refund.objects.filter(payment__booking_id=OuterRef("pk"), payment__status=Payment.RECEIVED, payment__currency=OuterRef("currency")).order_by()
                .values("payment__booking_id").annotate(s=Sum("amount_minor")).values("s"))
    return (Coalesce(Subquery(paid[:1], output_field=BigIntegerField()), Value(0), output_field=BigIntegerField())
            - Coalesce(Subquery(refunded[:1], output_field=BigIntegerField()), Value(0), output_field=BigIntegerField()))


def bookings(tenant, *, status: str | None = None, customer_id: int | None = None, listing_id: int | None = None, project_id: int | None = None,
             assigned_to_id: int | None = None):
    require_owned(tenant, (Customer, customer_id), (Apartment, listing_id), (Project, project_id))
    qs = (ApartmentBooking.objects.for_tenant(tenant).select_related("booking", "listing__project__site", "apartment", "customer", "package", "assigned_to")
          .annotate(received_minor=_received()))
    if status:
        qs = qs.filter(booking__status=status)
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    if listing_id:
        qs = qs.filter(listing_id=listing_id)
    if project_id:
        qs = qs.filter(listing__project_id=project_id)
    if assigned_to_id:
        qs = qs.filter(assigned_to_id=assigned_to_id)
    return qs


def bookings_for(tenant, user, **filters):
    """Staff see every booking; a customer only their own (§1.9: 'a customer sees only their own')."""
    if is_staff(user, tenant):
        return bookings(tenant, **filters)
    customer = customer_of(tenant, user)
    return bookings(tenant, **filters).filter(customer=customer) if customer else ApartmentBooking.objects.none()


def with_money(rows):
    """Attach the derived `remaining_minor`, the status label and badge to annotated bookings."""
    for row in rows:
        row.remaining_minor = row.total_minor - row.received_minor
        row.badge = BADGES.get(row.status, "")
    return rows


def get_booking(tenant, booking_id, *, user=None) -> ApartmentBooking:
    qs = bookings_for(tenant, user) if user is not None else bookings(tenant)
    return with_money([get_owned(qs, tenant, booking_id, what="booking")])[0]


def remaining_minor(tenant, booking_id: int) -> int:
    row = bookings(tenant).filter(pk=booking_id).values_list("total_minor", "received_minor").first()
    return row[0] - row[1] if row else 0


def addon_lines(booking):
    return booking.addon_lines.select_related("addon__category").order_by("addon__category__name", "addon__name")


def invoices(tenant, booking_id: int):
    return with_amounts(Invoice.objects.for_tenant(tenant).filter(booking_id=booking_id, source=BOOKING_SOURCE)).prefetch_related("lines").order_by("id")


def get_invoice(tenant, invoice_id, *, user=None) -> Invoice:
    """An invoice of an apartments booking the user may see (a customer: their own)."""
    visible = bookings_for(tenant, user).values("pk") if user is not None else ApartmentBooking.objects.for_tenant(tenant).values("pk")
    qs = with_amounts(Invoice.objects.for_tenant(tenant).filter(source=BOOKING_SOURCE, booking_id__in=visible)).prefetch_related("lines")
    return get_owned(qs, tenant, invoice_id, what="invoice")


def payments(tenant, booking_id: int):
    return Payment.objects.for_tenant(tenant).filter(booking_id=booking_id).order_by("-created_at", "-id")


def money(tenant, booking) -> dict:
    """The booking's money for its detail screen and API: totals, invoices by status, remaining."""
    rows = list(invoices(tenant, booking.pk))
    paid_invoices = sum(i.total_minor for i in rows if i.status == Invoice.PAID)
    received = getattr(booking, "received_minor", None)
    if received is None:
        received = bookings(tenant).filter(pk=booking.pk).values_list("received_minor", flat=True).first() or 0
    return {"total_minor": booking.total_minor, "received_minor": received, "remaining_minor": booking.total_minor - received,
            "paid_invoices_minor": paid_invoices, "invoices": rows, "currency": booking.currency}


def history(booking):
    return booking.booking.history.select_related("actor").order_by("id")


def pipeline(tenant, *, project_id: int | None = None) -> list[dict]:
    """The sales board: one column per status of §3.4 step 8."""
    rows = with_money(list(bookings(tenant, project_id=project_id).order_by("created_at")))
    return [{"status": s, "label": STATE_LABELS[s], "bookings": [b for b in rows if b.status == s]} for s in BOOKING_STATES]


def reviewers(tenant):
    """Members who may follow up a booking (the Assigned Person of §1.6)."""
    from holdfast.core.accounts.models import Membership

    return [m.user for m in Membership.objects.for_tenant(tenant).filter(is_active=True).select_related("user", "role").order_by("user__email")
            if has_perm(m.user, tenant, "apartments.booking.review")]


def dashboard(tenant) -> dict:
    counts = dict(ApartmentBooking.objects.for_tenant(tenant).values_list("booking__status").annotate(n=Count("pk")).values_list("booking__status", "n"))
    listings = dict(Apartment.objects.for_tenant(tenant).filter(kind__in=LISTING_KINDS, is_removed=False).values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    received = (Payment.objects.for_tenant(tenant).filter(status=Payment.RECEIVED, booking__apartments__isnull=False).aggregate(s=Sum("amount_minor"))["s"] or 0) - (
        Refund.objects.for_tenant(tenant).filter(payment__status=Payment.RECEIVED, payment__booking__apartments__isnull=False).aggregate(s=Sum("amount_minor"))["s"] or 0)
    live = bookings(tenant).filter(booking__status__in=LIVE_STATES)
    outstanding = sum(b.total_minor - b.received_minor for b in live.filter(booking__status=APPROVED))
    return {
        "by_status": [{"status": s, "label": STATE_LABELS[s], "count": counts.get(s, 0)} for s in BOOKING_STATES],
        "for_sale": listings.get(Apartment.FOR_SALE, 0), "in_progress": listings.get(Apartment.IN_PROGRESS, 0), "booked": listings.get(Apartment.BOOKED, 0),
        "received_minor": received, "outstanding_minor": outstanding, "currency": tenant.currency,
    }


def preview(tenant, booking, *, package_id: int | None = None, addons: dict | None = None) -> dict:
    """What a configuration would cost at today's catalogue prices, and what would keep it from being
    saved (the configurator's live total; nothing is written). `addons` maps addon id -> units."""
    problems = []
    package = None
    if package_id is None:
        package = booking.package
    else:
        package = Package.objects.for_tenant(tenant).filter(pk=package_id, is_active=True).first()
        if package is None or not booking.apartment.packages.filter(pk=package_id).exists():
            problems.append(f"Package {package_id} is not offered for {booking.apartment.name}.")
            package = None
    if addons is None:
        addons = {line.addon_id: line.units for line in booking.addon_lines.all()}
    wanted = {int(k): int(v) for k, v in addons.items() if int(v) > 0}
    rows = {a.pk: a for a in Addon.objects.for_tenant(tenant).filter(pk__in=wanted).select_related("category")}
    if set(wanted) - set(rows):
        problems.append(f"No such addon: {sorted(set(wanted) - set(rows))}.")
    problems += limit_problems(booking.apartment, {rows[i]: u for i, u in wanted.items() if i in rows})
    if package is None and not problems:
        problems.append("Choose a package: it is mandatory.")
    totals = calculate_total(package.price_minor if package else 0, [(rows[i].unit_price_minor, u) for i, u in wanted.items() if i in rows], booking.tax_rate, booking.currency)
    received = getattr(booking, "received_minor", 0) or 0
    return {"subtotal_minor": totals.subtotal_minor, "tax_minor": totals.tax_minor, "total_minor": totals.total_minor,
            "remaining_minor": totals.total_minor - received, "currency": booking.currency, "problems": problems}

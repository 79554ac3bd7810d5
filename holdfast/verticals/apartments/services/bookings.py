"""The booking workflow of seed 001 §3.4 on the engine.

Step 1 is selectors (available listings). Step 2-3 `create_booking`: the listing's resource is taken by
the engine (one live booking per listing: its partial unique index), and the listing is cloned into the
customer's apartment instance (status Booked). Steps 4-5 `configure_booking`: exactly one package,
addons within their max units and their category's limit, checked on every change; prices are the
catalogue's. Step 6: the total is `pricing.calculate_total`; the invoice is issued on confirmation.
Step 7 `confirm_booking` (Pending -> In Progress). Step 8 sales: `start_review` (assigns the reviewer),
`send_back`, `approve_booking` (prices become the snapshot), `reject_booking` (invoices Rejected, the
listing for sale again). Step 9 `record_payment` (money.py).

Lock order: the apartments booking row, then the engine's (booking -> resource -> hold), then the
listing; the price cascade locks the catalogue row, then bookings in id order.
"""
from __future__ import annotations

from django.db import transaction

from holdfast.core.accounts.selectors import has_perm
from holdfast.core.audit.services import log_action
from holdfast.core.billing.services.pricing import resolve_tax
from holdfast.core.bookings import services as engine
from holdfast.core.customers.models import Customer
from holdfast.core.events.services import emit, emit_stats_changed, notify, notify_members_with
from holdfast.core.tenancy.selectors import get_owned
from holdfast.kit import clock
from holdfast.kit.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from holdfast.kit.locking import translate_db_errors

from ..models import (
    APPROVED, IN_PROGRESS, LIVE_STATES, PAYMENT_METHODS, PENDING, REJECTED, STATE_LABELS, UNDER_REVIEW, UNLOCKED_STATES, Addon, Apartment, ApartmentBooking, BookingAddon,
    Package,
)
from . import money
from ._common import CONSTRAINT_MESSAGES, check, pricing_lock
from .pricing import calculate_total, limit_problems

STAFF_PERMISSION = "apartments.booking.manage"


def _is_staff(actor, tenant) -> bool:
    return actor is None or has_perm(actor, tenant, STAFF_PERMISSION)


def _customer_for(tenant, actor, customer_id: int | None) -> Customer:
    own = Customer.objects.for_tenant(tenant).filter(user=actor).first() if getattr(actor, "pk", None) else None
    if customer_id is None or (own is not None and own.pk == customer_id):
        if own is None:
            raise ValidationFailed("Say which customer the booking is for.", fields={"customer_id": ["Required for staff."]})
        return own
    if not _is_staff(actor, tenant):
        raise PermissionDenied("Customers book only for themselves.", code="not_own_customer")
    return get_owned(Customer, tenant, customer_id, what="customer")


def _lock(tenant, actor, booking_id: int) -> ApartmentBooking:
    """The booking, locked; someone else's booking is 404 for a customer (as if it did not exist)."""
    qs = ApartmentBooking.objects.select_for_update(of=("self",)).select_related("booking", "listing", "apartment", "package", "customer")
    ab = get_owned(qs, tenant, booking_id, what="booking")
    if not _is_staff(actor, tenant) and ab.customer.user_id != getattr(actor, "pk", None):
        raise NotFound(f"No booking with id {booking_id}.", code="not_found")
    return ab


def sync_listing_status(listing_id: int) -> None:
    """The listing shows its sale: For Sale, In Progress while a live booking is open, Booked once approved."""
    listing = Apartment.objects.select_for_update().get(pk=listing_id)
    statuses = set(ApartmentBooking.objects.filter(listing_id=listing_id, booking__status__in=LIVE_STATES).values_list("booking__status", flat=True))
    wanted = Apartment.BOOKED if APPROVED in statuses else Apartment.IN_PROGRESS if statuses else Apartment.FOR_SALE
    if listing.status != wanted:
        listing.status = wanted
        listing.save(update_fields=["status"])
        emit(listing.tenant, "availability:changed", {"apartment_id": listing.pk, "status": wanted})


def _tax(tenant, listing):
    rule = resolve_tax(tenant, day=clock.local_today(tenant.time_zone or "UTC"), country=tenant.country, region=tenant.region,
                       site_id=listing.resource.site_id if listing.resource_id else None)
    return (rule.rate, rule.name) if rule else (0, "")


def recompute(ab) -> tuple[int, int]:
    """Totals from the booking's own prices (the one function); returns (before, after) total."""
    before = ab.total_minor
    lines = list(ab.addon_lines.all())
    totals = calculate_total(ab.package_price_minor, [(line.unit_price_minor, line.units) for line in lines], ab.tax_rate, ab.currency)
    ab.subtotal_minor, ab.tax_minor, ab.total_minor = totals.subtotal_minor, totals.tax_minor, totals.total_minor
    return before, ab.total_minor


def refresh_prices(ab) -> tuple[int, int]:
    """An unapproved booking takes the catalogue's current prices and tax (the cascade, §3.3)."""
    if ab.package_id:
        ab.package_price_minor = Package.objects.get(pk=ab.package_id).price_minor
    for line in ab.addon_lines.select_related("addon"):
        if line.unit_price_minor != line.addon.unit_price_minor:
            line.unit_price_minor = line.addon.unit_price_minor
            line.save(update_fields=["unit_price_minor"])
    ab.tax_rate, ab.tax_name = _tax(ab.tenant, ab.listing)
    return recompute(ab)


def create_booking(*, tenant, actor, listing_id: int, customer_id: int | None = None, payment_method: str = "") -> ApartmentBooking:
    """Steps 2-3: the booking (Pending) and the customer's clone of the listing (status Booked)."""
    check(actor, tenant, "apartments.booking.create")
    if payment_method and payment_method not in dict(PAYMENT_METHODS):
        raise ValidationFailed("Unknown payment method.", fields={"payment_method": [f"One of {', '.join(dict(PAYMENT_METHODS))}."]})
    with transaction.atomic(), translate_db_errors(CONSTRAINT_MESSAGES):
        listing = get_owned(Apartment.objects.select_related("resource", "project"), tenant, listing_id, what="apartment")
        if not listing.is_listing or listing.is_removed:
            raise Conflict(f"{listing.name} is not an apartment for sale.", code="apartment_not_for_sale")
        customer = _customer_for(tenant, actor, customer_id)
        # The engine locks the listing's resource and refuses a second live booking (409
        # resource_has_active_booking); its partial unique index on the exclusive key is the last line.
        booking = engine.create_booking(tenant=tenant, actor=actor, flow="apartments", customer_id=customer.pk, resource_id=listing.resource_id,
                                        starts_at=clock.now(), ends_at=None, reference=f"APT-{listing.pk}"[:40])
        clone = Apartment.objects.create(tenant=tenant, name=listing.name, kind=Apartment.INSTANCE, project=listing.project, space_sqm=listing.space_sqm,
                                         description=listing.description, status=Apartment.BOOKED, customer=customer, source=listing)
        clone.packages.set(listing.packages.all())
        clone.addons.set(listing.addons.all())
        rate, name = _tax(tenant, listing)
        ab = ApartmentBooking.objects.create(booking=booking, tenant=tenant, listing=listing, apartment=clone, customer=customer, currency=tenant.currency,
                                             tax_rate=rate, tax_name=name, payment_method=payment_method, created_at=booking.created_at)
        sync_listing_status(listing.pk)
        log_action(tenant=tenant, actor=actor, entity=ab, action="apartments.booking.created",
                   diff={"status": [None, PENDING], "listing_id": [None, listing.pk], "apartment_id": [None, clone.pk], "customer_id": [None, customer.pk]})
        emit(tenant, "apartments.booking:created", {"booking_id": ab.pk, "listing_id": listing.pk, "customer_id": customer.pk})
        emit_stats_changed(tenant, "apartments")
    return ab


def configure_booking(*, tenant, actor, booking_id: int, package_id: int | None = None, addons: dict | None = None, payment_method: str | None = None,
                      version: int | None = None) -> ApartmentBooking:
    """Steps 4-5: one package (mandatory to go on), addons and units — every change checked against the
    addon's max units and its category's limit. `addons` replaces the whole selection ({addon_id: units};
    0 units removes). A customer changes only their own Pending booking; sales change any open one.
    After approval a change is a change order, never an edit."""
    with transaction.atomic(), translate_db_errors(CONSTRAINT_MESSAGES):
        pricing_lock(tenant)
        ab = _lock(tenant, actor, booking_id)
        staff = _is_staff(actor, tenant)
        if not staff:
            check(actor, tenant, "apartments.booking.configure")
        if version is not None and version != ab.booking.version:
            raise Conflict(f"The booking was changed by someone else (now version {ab.booking.version}). Reload and retry.", code="stale_version",
                           extra={"current_version": ab.booking.version})
        if ab.status == APPROVED:
            raise Conflict("The booking is approved: its configuration is the contract. Ask sales for a change order.", code="booking_approved")
        if ab.status not in (UNLOCKED_STATES if staff else [PENDING]):
            raise Conflict(f"A {ab.status_label} booking cannot be configured{'' if staff else ' by the customer'}.", code="booking_not_configurable",
                           extra={"status": ab.status})
        errors, diff = {}, {}
        if payment_method is not None:
            if payment_method and payment_method not in dict(PAYMENT_METHODS):
                errors["payment_method"] = [f"One of {', '.join(dict(PAYMENT_METHODS))}."]
            elif payment_method != ab.payment_method:
                diff["payment_method"] = [ab.payment_method, payment_method]
                ab.payment_method = payment_method
        _select(tenant, ab, package_id, addons, errors, diff)
        if errors:
            raise ValidationFailed("The configuration was not changed.", fields=errors)
        old, new = refresh_prices(ab)
        if old != new:
            diff["total_minor"] = [old, new]
        ab.save()
        money.sync_invoices(tenant=tenant, actor=actor, ab=ab, reason=f"Configuration of booking {ab.pk} changed")
        log_action(tenant=tenant, actor=actor, entity=ab, action="apartments.booking.configured", diff=diff)
        emit(tenant, "apartments.booking:configured", {"booking_id": ab.pk, "total_minor": ab.total_minor, "version": ab.booking.version})
    return ab


def _select(tenant, ab, package_id, addons, errors: dict, diff: dict, *, keep_prices: bool = False) -> None:
    """The package and addon selection of steps 4-5, checked against every limit; `addons` replaces the
    whole selection. New lines take today's catalogue price; with `keep_prices` (a change order) lines
    already on the booking keep their contract price."""
    if package_id is not None:
        package = Package.objects.for_tenant(tenant).filter(pk=package_id).first()
        if package is None or not ab.apartment.packages.filter(pk=package_id).exists():
            errors["package_id"] = [f"Package {package_id} is not offered for {ab.apartment.name}."]
        elif not package.is_active:
            errors["package_id"] = [f"{package.name} is no longer offered."]
        elif package.pk != ab.package_id:
            diff["package_id"] = [ab.package_id, package.pk]
            ab.package, ab.package_price_minor = package, package.price_minor
    if addons is not None:
        wanted = {}
        for key, units in dict(addons).items():
            try:
                addon_id = int(key)
            except (TypeError, ValueError):
                errors.setdefault("addons", []).append(f"{key!r} is not an addon id.")
                continue
            if isinstance(units, bool) or not isinstance(units, int) or units < 0:
                errors.setdefault("addons", []).append(f"Addon {addon_id}: units must be a whole number, 0 or more.")
            elif units:
                wanted[addon_id] = units
        rows = {a.pk: a for a in Addon.objects.for_tenant(tenant).filter(pk__in=wanted).select_related("category")}
        missing = sorted(set(wanted) - set(rows))
        if missing:
            errors.setdefault("addons", []).append(f"No such addon: {missing}.")
        else:
            problems = limit_problems(ab.apartment, {rows[i]: u for i, u in wanted.items()})
            if problems:
                errors.setdefault("addons", []).extend(problems)
        if not errors:
            before = {line.addon_id: line.units for line in ab.addon_lines.all()}
            kept = {line.addon_id: line.unit_price_minor for line in ab.addon_lines.all()}
            if before != wanted:
                diff["addons"] = [before, wanted]
                BookingAddon.objects.filter(booking=ab).exclude(addon_id__in=wanted).delete()
                for addon_id, units in wanted.items():
                    price = kept.get(addon_id, rows[addon_id].unit_price_minor) if keep_prices else rows[addon_id].unit_price_minor
                    BookingAddon.objects.update_or_create(booking=ab, addon_id=addon_id, defaults={"tenant": tenant, "units": units, "unit_price_minor": price})


CUSTOMER_NEWS = {"start_review": "Your booking of {apt} is under review", "approve": "Your booking of {apt} was approved",
                 "reject": "Your booking of {apt} was not approved", "send_back": "Your booking of {apt} needs changes"}


def _step(*, tenant, actor, booking_id: int, name: str, reason: str = "", version: int | None = None, before=None, after=None) -> ApartmentBooking:
    with transaction.atomic(), translate_db_errors(CONSTRAINT_MESSAGES):
        pricing_lock(tenant)
        ab = _lock(tenant, actor, booking_id)
        if before:
            before(ab)
        ab.booking = engine.transition(tenant=tenant, actor=actor, booking_id=ab.pk, name=name, reason=reason, version=version)
        if after:
            after(ab)
        ab.save()
        sync_listing_status(ab.listing_id)
        log_action(tenant=tenant, actor=actor, entity=ab, action=f"apartments.booking.{name}", diff={"status": [None, ab.status], "assigned_to": [None, ab.assigned_to_id]})
        emit(tenant, f"apartments.booking:{name}", {"booking_id": ab.pk, "status": ab.status, "listing_id": ab.listing_id})
        emit_stats_changed(tenant, "apartments")
        user = ab.customer.user
        if user is not None and user != actor and name in CUSTOMER_NEWS:
            notify(tenant, user, event_type=f"apartments.booking:{name}", title=CUSTOMER_NEWS[name].format(apt=ab.apartment.name), body=reason, data={"booking_id": ab.pk})
    return ab


def _set_clone_status(ab, status: str) -> None:
    if ab.apartment.status != status:
        ab.apartment.status = status
        ab.apartment.save(update_fields=["status"])


def confirm_booking(*, tenant, actor, booking_id: int, version: int | None = None) -> ApartmentBooking:
    """Step 7: the customer reviews and confirms — Pending -> In Progress (a package and valid addons
    needed); the invoice of the configuration is issued (step 6)."""

    def before(ab):
        refresh_prices(ab)
        ab.save()

    def after(ab):
        ab.confirmed_at = clock.now()
        _set_clone_status(ab, Apartment.IN_PROGRESS)
        money.sync_invoices(tenant=tenant, actor=actor, ab=ab, reason=f"Booking {ab.pk} confirmed")
        notify_members_with(tenant, "apartments.booking.review", event_type="apartments.booking:confirm", title=f"{ab.apartment.name} confirmed by {ab.customer.name}",
                            body="Ready for review.", data={"booking_id": ab.pk}, exclude=actor)

    return _step(tenant=tenant, actor=actor, booking_id=booking_id, name="confirm", version=version, before=before, after=after)


def start_review(*, tenant, actor, booking_id: int, version: int | None = None) -> ApartmentBooking:
    """In Progress -> Under Review; the reviewer is assigned unless someone already is."""

    def after(ab):
        if ab.assigned_to_id is None and getattr(actor, "pk", None):
            ab.assigned_to = actor

    return _step(tenant=tenant, actor=actor, booking_id=booking_id, name="start_review", version=version, after=after)


def send_back(*, tenant, actor, booking_id: int, reason: str = "", version: int | None = None) -> ApartmentBooking:
    return _step(tenant=tenant, actor=actor, booking_id=booking_id, name="send_back", reason=reason, version=version)


def approve_booking(*, tenant, actor, booking_id: int, version: int | None = None) -> ApartmentBooking:
    """Under Review -> Approved: the prices of this moment become the booking's snapshot."""

    def before(ab):
        refresh_prices(ab)
        ab.save()
        money.sync_invoices(tenant=tenant, actor=actor, ab=ab, reason=f"Booking {ab.pk} approved")

    def after(ab):
        ab.approved_at = clock.now()
        if ab.assigned_to_id is None and getattr(actor, "pk", None):
            ab.assigned_to = actor
        _set_clone_status(ab, Apartment.BOOKED)

    return _step(tenant=tenant, actor=actor, booking_id=booking_id, name="approve", version=version, before=before, after=after)


def reject_booking(*, tenant, actor, booking_id: int, reason: str = "", version: int | None = None) -> ApartmentBooking:
    """Pending / In Progress / Under Review -> Rejected: its invoices are Rejected, the listing is for sale again."""

    def after(ab):
        money.reject_invoices(tenant=tenant, actor=actor, ab=ab, reason=reason or "Booking rejected")

    return _step(tenant=tenant, actor=actor, booking_id=booking_id, name="reject", reason=reason, version=version, after=after)


STEPS = {"confirm": confirm_booking, "start_review": start_review, "send_back": send_back, "approve": approve_booking, "reject": reject_booking}


def move_booking(*, tenant, actor, booking_id: int, to_status: str, reason: str = "", version: int | None = None) -> ApartmentBooking:
    """The pipeline board's drag: the one step that leads from the booking's status to `to_status`."""
    from ..flows import APARTMENTS

    ab = _lock_readonly(tenant, actor, booking_id)
    names = [t.name for t in APARTMENTS.transitions if ab.status in t.sources and t.target == to_status]
    if not names:
        raise Conflict(f"A {ab.status_label} booking cannot move to {STATE_LABELS.get(to_status, to_status)}.", code="illegal_transition",
                       extra={"status": ab.status, "allowed": sorted({t.target for t in APARTMENTS.transitions if ab.status in t.sources})})
    step = STEPS[names[0]]
    kwargs = {"reason": reason} if names[0] in ("reject", "send_back") else {}
    return step(tenant=tenant, actor=actor, booking_id=booking_id, version=version, **kwargs)


def _lock_readonly(tenant, actor, booking_id: int) -> ApartmentBooking:
    ab = get_owned(ApartmentBooking.objects.select_related("booking", "customer"), tenant, booking_id, what="booking")
    if not _is_staff(actor, tenant) and ab.customer.user_id != getattr(actor, "pk", None):
        raise NotFound(f"No booking with id {booking_id}.", code="not_found")
    return ab


def assign_booking(*, tenant, actor, booking_id: int, assignee_id: int | None) -> ApartmentBooking:
    """The staff member who follows the booking up (§1.6 Assigned Person): a member who may review."""
    from holdfast.core.accounts.models import User

    check(actor, tenant, "apartments.booking.manage")
    with transaction.atomic():
        ab = _lock(tenant, actor, booking_id)
        assignee = None
        if assignee_id is not None:
            assignee = User.objects.filter(pk=assignee_id).first()
            if assignee is None or not has_perm(assignee, tenant, "apartments.booking.review"):
                raise ValidationFailed("The booking was not assigned.", fields={"assignee_id": ["A member of this business who reviews bookings."]})
        before = ab.assigned_to_id
        ab.assigned_to = assignee
        ab.save(update_fields=["assigned_to", "updated_at"])
        log_action(tenant=tenant, actor=actor, entity=ab, action="apartments.booking.assigned", diff={"assigned_to": [before, assignee_id]})
        emit(tenant, "apartments.booking:assigned", {"booking_id": ab.pk, "assigned_to": assignee_id})
        if assignee is not None and assignee != actor:
            notify(tenant, assignee, event_type="apartments.booking:assigned", title=f"You follow up booking {ab.pk}", data={"booking_id": ab.pk})
    return ab


def record_payment(*, tenant, actor, booking_id: int, amount_minor: int, method: str, reference: str = ""):
    """Step 9: a payment on the booking's invoices; the remaining amount follows (derived)."""
    check(actor, tenant, "apartments.payment.record")
    with transaction.atomic():
        ab = _lock(tenant, actor, booking_id)
        payment = money.pay(tenant=tenant, actor=actor, ab=ab, amount_minor=amount_minor, method=method, reference=reference)
        if not ab.payment_method:
            ab.payment_method = method
            ab.save(update_fields=["payment_method", "updated_at"])
        log_action(tenant=tenant, actor=actor, entity=ab, action="apartments.booking.payment_recorded", diff={"amount_minor": [None, amount_minor], "method": [None, method]})
        emit(tenant, "apartments.booking:paid", {"booking_id": ab.pk, "payment_id": payment.pk, "amount_minor": amount_minor})
    return payment


def booking_has_ended(tenant, source: str, booking_id) -> bool:
    """Billing's cancellation check: a rejected apartments booking takes no money."""
    return ApartmentBooking.objects.for_tenant(tenant).filter(pk=booking_id, booking__status=REJECTED).exists()


def change_order(*, tenant, actor, booking_id: int, package_id: int | None = None, addons: dict | None = None, reason: str = "") -> ApartmentBooking:
    """After approval a configuration change is a change order, never an edit: the same checks as steps
    4-5; what is added takes today's catalogue price, what stays keeps its contract price; the
    difference is its own invoice (more) or a credit note on what is still open (less). Paid invoices
    are never touched."""
    check(actor, tenant, "apartments.booking.review")
    with transaction.atomic(), translate_db_errors(CONSTRAINT_MESSAGES):
        pricing_lock(tenant)
        ab = _lock(tenant, actor, booking_id)
        if ab.status != APPROVED:
            raise Conflict(f"A {ab.status_label} booking is configured directly; change orders are for approved ones.", code="booking_not_approved",
                           extra={"status": ab.status})
        errors, diff = {}, {}
        _select(tenant, ab, package_id, addons, errors, diff, keep_prices=True)
        if errors:
            raise ValidationFailed("The change order was not made.", fields=errors)
        if not diff:
            return ab
        old, new = recompute(ab)
        ab.save()
        number = money.change_order_invoice(tenant=tenant, actor=actor, ab=ab, delta=new - old, reason=reason or f"Change order for booking {ab.pk}")
        log_action(tenant=tenant, actor=actor, entity=ab, action="apartments.booking.change_order", diff={**diff, "total_minor": [old, new], "reason": [None, reason or None]})
        emit(tenant, "apartments.booking:change_order", {"booking_id": ab.pk, "total_minor": new, "change_minor": new - old, "invoice": number})
        emit_stats_changed(tenant, "apartments")
    return ab

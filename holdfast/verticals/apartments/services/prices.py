"""Cascading price updates (seed 001 §3.3, §4): a package or addon price change flows, in the same
transaction and audited, to every booking that is not yet Approved (its lines, its total) and to its
pending invoices (money.sync_invoices). Approved bookings and paid invoices keep their snapshot.
`price_change_impact` shows the same result before saving."""
from __future__ import annotations

from django.db import transaction

from holdfast.core.audit.services import log_action
from holdfast.core.events.services import emit, emit_stats_changed
from holdfast.core.tenancy.selectors import get_owned
from holdfast.kit.errors import Conflict

from ..models import UNLOCKED_STATES, Addon, ApartmentBooking, Package
from . import money
from ._common import check, minor, positive, pricing_lock, refuse, text
from .bookings import refresh_prices
from .pricing import calculate_total


def _affected(tenant, *, package_id: int | None = None, addon_id: int | None = None):
    qs = ApartmentBooking.objects.for_tenant(tenant).filter(booking__status__in=UNLOCKED_STATES)
    qs = qs.filter(package_id=package_id) if package_id is not None else qs.filter(addon_lines__addon_id=addon_id)
    return qs.distinct()


def price_change_impact(tenant, *, package_id: int | None = None, addon_id: int | None = None, new_price_minor: int) -> list[dict]:
    """Which bookings a new price changes, and by how much (nothing is saved)."""
    rows = []
    for ab in _affected(tenant, package_id=package_id, addon_id=addon_id).select_related("booking", "apartment", "customer").prefetch_related("addon_lines").order_by("pk"):
        package_price = new_price_minor if package_id is not None else ab.package_price_minor
        lines = [(new_price_minor if line.addon_id == addon_id else line.unit_price_minor, line.units) for line in ab.addon_lines.all()]
        after = calculate_total(package_price, lines, ab.tax_rate, ab.currency).total_minor
        rows.append({"booking_id": ab.pk, "apartment": ab.apartment.name, "customer": ab.customer.name, "status": ab.status,
                     "before_minor": ab.total_minor, "after_minor": after, "change_minor": after - ab.total_minor})
    return rows


def _cascade(tenant, actor, qs, what: str) -> list[dict]:
    changed = []
    ids = sorted(set(qs.values_list("pk", flat=True)))
    locked = ApartmentBooking.objects.filter(pk__in=ids).select_for_update(of=("self",))
    for ab in locked.select_related("booking", "listing", "apartment", "package", "customer").order_by("pk"):
        if ab.status not in UNLOCKED_STATES:  # approved or rejected since it was listed: its prices are no longer the catalogue's
            continue
        old, new = refresh_prices(ab)
        ab.save()
        money.sync_invoices(tenant=tenant, actor=actor, ab=ab, reason=f"Price of {what} changed")
        if old != new:
            log_action(tenant=tenant, actor=actor, entity=ab, action="apartments.booking.repriced", diff={"total_minor": [old, new], "cause": [None, what]})
            emit(tenant, "apartments.booking:repriced", {"booking_id": ab.pk, "total_minor": new})
            changed.append({"booking_id": ab.pk, "before_minor": old, "after_minor": new})
    if changed:
        emit_stats_changed(tenant, "apartments")
    return changed


def update_package(*, tenant, actor, package_id: int, version: int | None = None, name: str | None = None, kind: str | None = None, price_minor: int | None = None,
                   description: str | None = None, is_active: bool | None = None) -> Package:
    check(actor, tenant, "apartments.catalogue.manage")
    errors: dict = {}
    if name is not None:
        name = text("name", name, errors=errors)
    if kind is not None and kind not in dict(Package.KINDS):
        errors["kind"] = ["GOLDEN, SILVER or PLATINUM."]
    if price_minor is not None:
        minor("price_minor", price_minor, errors=errors)
    refuse(errors, "package")
    with transaction.atomic():
        pricing_lock(tenant, exclusive=True)
        package = get_owned(Package.objects.select_for_update(), tenant, package_id, what="package")
        if version is not None and version != package.version:
            raise Conflict(f"The package was changed by someone else (now version {package.version}).", code="stale_version", extra={"current_version": package.version})
        diff = {}
        for field, value in (("name", name), ("kind", kind), ("price_minor", price_minor), ("description", description), ("is_active", is_active)):
            if value is not None and value != getattr(package, field):
                diff[field] = [getattr(package, field), value]
                setattr(package, field, value)
        if not diff:
            package.cascade = []
            return package
        package.version += 1
        package.save()
        cascade = _cascade(tenant, actor, _affected(tenant, package_id=package.pk), f"package {package.name}") if "price_minor" in diff else []
        log_action(tenant=tenant, actor=actor, entity=package, action="apartments.package.updated", diff={**diff, "bookings_repriced": [None, len(cascade)]})
        emit(tenant, "apartments.package:updated", {"package_id": package.pk, "price_minor": package.price_minor})
    package.cascade = cascade
    return package


def update_addon(*, tenant, actor, addon_id: int, version: int | None = None, name: str | None = None, addon_type: str | None = None, unit_price_minor: int | None = None,
                 max_units: int | None = None, is_active: bool | None = None) -> Addon:
    """A lower max units is refused while an open booking has chosen more (limits hold on every change)."""
    check(actor, tenant, "apartments.catalogue.manage")
    errors: dict = {}
    if name is not None:
        name = text("name", name, errors=errors)
    if addon_type is not None:
        addon_type = text("addon_type", addon_type, errors=errors, max_length=120)
    if unit_price_minor is not None:
        minor("unit_price_minor", unit_price_minor, errors=errors)
    if max_units is not None:
        positive("max_units", max_units, errors=errors, upper=1000)
    refuse(errors, "addon")
    with transaction.atomic():
        pricing_lock(tenant, exclusive=True)
        addon = get_owned(Addon.objects.select_for_update(), tenant, addon_id, what="addon")
        if version is not None and version != addon.version:
            raise Conflict(f"The addon was changed by someone else (now version {addon.version}).", code="stale_version", extra={"current_version": addon.version})
        if max_units is not None and max_units < addon.max_units:
            over = _affected(tenant, addon_id=addon.pk).filter(addon_lines__addon_id=addon.pk, addon_lines__units__gt=max_units).first()
            if over is not None:
                raise Conflict(f"Booking {over.pk} has more than {max_units} units of {addon.name}.", code="addon_limit_in_use", extra={"booking_id": over.pk})
        diff = {}
        for field, value in (("name", name), ("addon_type", addon_type), ("unit_price_minor", unit_price_minor), ("max_units", max_units), ("is_active", is_active)):
            if value is not None and value != getattr(addon, field):
                diff[field] = [getattr(addon, field), value]
                setattr(addon, field, value)
        if not diff:
            addon.cascade = []
            return addon
        addon.version += 1
        addon.save()
        cascade = _cascade(tenant, actor, _affected(tenant, addon_id=addon.pk), f"addon {addon.name}") if "unit_price_minor" in diff else []
        log_action(tenant=tenant, actor=actor, entity=addon, action="apartments.addon.updated", diff={**diff, "bookings_repriced": [None, len(cascade)]})
        emit(tenant, "apartments.addon:updated", {"addon_id": addon.pk, "unit_price_minor": addon.unit_price_minor})
    addon.cascade = cascade
    return addon

"""Storage API (/api/v1/storage): thin; every rule lives in services, every read in selectors.

Staff (storage.view) see and run everything their permissions allow; customers (portal users) find
facilities, quote, hold, confirm and cancel their own bookings, pay them and read their own invoices
and receipts. A booking the caller may not see answers 404. Creating POSTs accept Idempotency-Key."""
from __future__ import annotations

import datetime as dt

from ninja import File, Form, Router, Status
from ninja.files import UploadedFile

from holdfast.core.accounts.selectors import has_perm, require_perm
from holdfast.core.billing import services as billing
from holdfast.core.billing.models import BASE_CODE
from holdfast.core.tenancy.selectors import get_owned
from holdfast.kit.api import ProblemSchema, paginate
from holdfast.kit.errors import PermissionDenied, ValidationFailed

from . import selectors, services
from .schemas import (
    StorageBasePriceIn, StorageBookingOut, StorageBookingPage, StorageCompanyIn, StorageCompanyOut, StorageCompanyPatch, StorageExtendIn, StorageFacilityFeatureIn,
    StorageFacilityFeatureOut, StorageFacilityHit, StorageFacilityIn, StorageFacilityOut, StorageFacilityPatch, StorageFeatureIn, StorageFeatureOut, StorageFeaturePriceIn,
    StorageHistoryOut, StorageHoldIn, StorageInvoiceOut, StorageMediaOut, StoragePaymentIn, StoragePriceLineOut, StoragePriceRuleOut, StorageQuoteOut, StorageReceiptIn,
    StorageReceiptOut, StorageRepricingOut, StorageSlotOut, StorageSlotsIn, StorageStepIn, StorageTaxIn, StorageTaxOut,
)

router = Router(tags=["storage"])
ERRORS = {400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema, 422: ProblemSchema, 503: ProblemSchema}
MAX_RANGE_DAYS = 366


def _browse(request) -> bool:
    """Staff (storage.view) and booking customers (storage.booking.create) may look; returns is_staff."""
    if has_perm(request.actor, request.tenant, "storage.view"):
        return True
    if has_perm(request.actor, request.tenant, "storage.booking.create"):
        return False
    raise PermissionDenied("You need the 'storage.view' permission for this.", code="permission_denied", extra={"permission": "storage.view"})


def _range(start_date: dt.date, end_date: dt.date) -> None:
    if end_date <= start_date:
        raise ValidationFailed("The range is empty.", fields={"end_date": ["After the start date."]})
    if (end_date - start_date).days > MAX_RANGE_DAYS:
        raise ValidationFailed(f"At most {MAX_RANGE_DAYS} days at once.", fields={"end_date": ["Range too long."]})


def _booking(request, booking_id: int) -> dict:
    return selectors.booking_summary(request.tenant, selectors.get_booking(request.tenant, request.actor, booking_id))


def _visible(request, booking_id: int) -> None:
    """Before a step: a booking the caller may not see is 404 (not even its state leaks through a 409)."""
    _browse(request)
    selectors.get_booking(request.tenant, request.actor, booking_id)


# ---------------------------------------------------------------- companies (S001)

@router.get("/companies", response={200: list[StorageCompanyOut], **ERRORS})
def list_companies(request, include_deleted: bool = False):
    require_perm(request.actor, request.tenant, "storage.view")
    return list(selectors.companies(request.tenant, include_deleted=include_deleted)[:500])


@router.post("/companies", response={201: StorageCompanyOut, **ERRORS})
def create_company(request, payload: StorageCompanyIn):
    return Status(201, services.create_company(tenant=request.tenant, actor=request.actor, **payload.dict()))


@router.get("/companies/{company_id}", response={200: StorageCompanyOut, **ERRORS})
def get_company(request, company_id: int):
    require_perm(request.actor, request.tenant, "storage.view")
    return get_owned(selectors.companies(request.tenant, include_deleted=True), request.tenant, company_id, what="company")


@router.patch("/companies/{company_id}", response={200: StorageCompanyOut, **ERRORS})
def update_company(request, company_id: int, payload: StorageCompanyPatch):
    return services.update_company(tenant=request.tenant, actor=request.actor, company_pk=company_id, **payload.dict(exclude_unset=True))


@router.delete("/companies/{company_id}", response={200: StorageCompanyOut, **ERRORS})
def delete_company(request, company_id: int):
    """Soft delete: hidden everywhere, restorable."""
    return services.set_company_deleted(tenant=request.tenant, actor=request.actor, company_pk=company_id, deleted=True)


@router.post("/companies/{company_id}/restore", response={200: StorageCompanyOut, **ERRORS})
def restore_company(request, company_id: int):
    return services.set_company_deleted(tenant=request.tenant, actor=request.actor, company_pk=company_id, deleted=False)


# ---------------------------------------------------------------- facilities (S002) and the finder

@router.get("/facilities", response={200: list[StorageFacilityHit], **ERRORS})
def search_facilities(request, q: str | None = None, lat: float | None = None, lng: float | None = None, radius_km: float | None = None, features: str | None = None,
                      start_date: dt.date | None = None, end_date: dt.date | None = None, pallets: int | None = None):
    """The facility finder: distance from (lat, lng) within radius_km (nearest first), every feature
    code of `features` (comma separated), and at least `pallets` free on every day of [start_date, end_date)."""
    _browse(request)
    if start_date and end_date:
        _range(start_date, end_date)
    codes = [c for c in (features or "").split(",") if c.strip()]
    hits = selectors.search_facilities(request.tenant, lat=lat, lng=lng, radius_km=radius_km, features=codes, start_date=start_date, end_date=end_date, pallets=pallets, q=q)
    return [{**hit, "features": [ff.feature.code for ff in selectors.facility_features(hit["facility"])]} for hit in hits[:200]]


@router.post("/facilities", response={201: StorageFacilityOut, **ERRORS})
def create_facility(request, payload: StorageFacilityIn):
    facility = services.create_facility(tenant=request.tenant, actor=request.actor, **payload.dict(exclude_none=True))
    return Status(201, selectors.get_facility(request.tenant, facility.pk))


@router.get("/facilities/{facility_id}", response={200: StorageFacilityOut, **ERRORS})
def get_facility(request, facility_id: int):
    staff = _browse(request)
    return selectors.get_facility(request.tenant, facility_id, include_deleted=staff)


@router.patch("/facilities/{facility_id}", response={200: StorageFacilityOut, **ERRORS})
def update_facility(request, facility_id: int, payload: StorageFacilityPatch):
    services.update_facility(tenant=request.tenant, actor=request.actor, facility_pk=facility_id, **payload.dict(exclude_unset=True))
    return selectors.get_facility(request.tenant, facility_id)


@router.delete("/facilities/{facility_id}", response={200: StorageFacilityOut, **ERRORS})
def delete_facility(request, facility_id: int):
    """Soft delete: hidden from search, lists and booking; its bookings and history stay; restorable."""
    services.set_facility_deleted(tenant=request.tenant, actor=request.actor, facility_pk=facility_id, deleted=True)
    return selectors.get_facility(request.tenant, facility_id, include_deleted=True)


@router.post("/facilities/{facility_id}/restore", response={200: StorageFacilityOut, **ERRORS})
def restore_facility(request, facility_id: int):
    services.set_facility_deleted(tenant=request.tenant, actor=request.actor, facility_pk=facility_id, deleted=False)
    return selectors.get_facility(request.tenant, facility_id)


@router.get("/facilities/{facility_id}/slots", response={200: list[StorageSlotOut], **ERRORS})
def facility_slots(request, facility_id: int, start_date: dt.date, end_date: dt.date):
    """One slot per day: capacity, occupied, held (live holds only), available = capacity − occupied − held, policies."""
    _browse(request)
    _range(start_date, end_date)
    return selectors.slots(selectors.get_facility(request.tenant, facility_id), start_date, end_date)


@router.put("/facilities/{facility_id}/slots", response={200: list[StorageSlotOut], **ERRORS})
def open_slots(request, facility_id: int, payload: StorageSlotsIn):
    """Set capacity and per-day policies of [start_date, end_date); refused below what is held or occupied."""
    policy = payload.policy.dict() if payload.policy else None
    services.open_slots(tenant=request.tenant, actor=request.actor, facility_pk=facility_id, start_date=payload.start_date, end_date=payload.end_date, capacity=payload.capacity, policy=policy)
    return selectors.slots(selectors.get_facility(request.tenant, facility_id), payload.start_date, payload.end_date)


@router.get("/facilities/{facility_id}/features", response={200: list[StorageFacilityFeatureOut], **ERRORS})
def facility_features(request, facility_id: int):
    staff = _browse(request)
    return list(selectors.facility_features(selectors.get_facility(request.tenant, facility_id), active_only=not staff))


@router.post("/facilities/{facility_id}/features", response={200: StorageFacilityFeatureOut, **ERRORS})
def set_facility_feature(request, facility_id: int, payload: StorageFacilityFeatureIn):
    return services.set_facility_feature(tenant=request.tenant, actor=request.actor, facility_pk=facility_id, feature_pk=payload.feature_pk, is_active=payload.is_active)


@router.get("/facilities/{facility_id}/media", response={200: list[StorageMediaOut], **ERRORS})
def facility_media(request, facility_id: int):
    _browse(request)
    return list(selectors.facility_media(selectors.get_facility(request.tenant, facility_id)))


@router.post("/facilities/{facility_id}/media", response={201: StorageMediaOut, **ERRORS})
def add_media(request, facility_id: int, file: File[UploadedFile], caption: Form[str] = ""):
    """Upload a photo (JPEG, PNG, WebP) or a PDF document (multipart); stored through Django's storage API."""
    return Status(201, services.add_media(tenant=request.tenant, actor=request.actor, facility_pk=facility_id, upload=file, caption=caption))


@router.delete("/media/{media_id}", response={200: StorageMediaOut, **ERRORS})
def remove_media(request, media_id: int):
    return services.remove_media(tenant=request.tenant, actor=request.actor, media_pk=media_id)


# ---------------------------------------------------------------- features (S004)

@router.get("/features", response={200: list[StorageFeatureOut], **ERRORS})
def list_features(request):
    _browse(request)
    return list(selectors.features(request.tenant))


@router.post("/features", response={201: StorageFeatureOut, **ERRORS})
def create_feature(request, payload: StorageFeatureIn):
    return Status(201, services.create_feature(tenant=request.tenant, actor=request.actor, **payload.dict()))


@router.get("/features/{feature_id}", response={200: StorageFeatureOut, **ERRORS})
def get_feature(request, feature_id: int):
    _browse(request)
    return get_owned(selectors.features(request.tenant), request.tenant, feature_id, what="feature")


# ---------------------------------------------------------------- quotes, prices and taxes (S005–S007, S011)

@router.get("/quote", response={200: StorageQuoteOut, **ERRORS})
def quote(request, facility_pk: int, start_date: dt.date, end_date: dt.date, pallets: int = 1, features: str | None = None):
    """The live quote of the booking wizard: pricing rows (split at every rate or tax change), feature
    lines, tax, total, the pallets free on every day and what is due before confirmation. Saves nothing."""
    _browse(request)
    return services.preview_booking(tenant=request.tenant, facility_pk=facility_pk, start_date=start_date, end_date=end_date, pallets=pallets,
                                    features=[c for c in (features or "").split(",") if c.strip()])


@router.get("/prices", response={200: list[StoragePriceRuleOut], **ERRORS})
def list_prices(request):
    require_perm(request.actor, request.tenant, "storage.view")
    return list(selectors.price_rules(request.tenant)[:500])


@router.post("/prices/base", response={201: StoragePriceRuleOut, **ERRORS})
def set_base_price(request, payload: StorageBasePriceIn):
    """A per-pallet-per-day base rate (S006). HELD bookings it touches are re-priced; CONFIRMED ones keep their snapshot."""
    return Status(201, services.set_base_price(tenant=request.tenant, actor=request.actor, **payload.dict()))


@router.post("/prices/features", response={201: StoragePriceRuleOut, **ERRORS})
def set_feature_price(request, payload: StorageFeaturePriceIn):
    """A feature's rate (S005): FLAT / PALLET_PER_DAY in minor units, PERCENTAGE_ON_BASE in percent."""
    data = payload.dict()
    value = data.pop("value")
    if data["calculation"].upper() != "PERCENTAGE_ON_BASE":
        if value != value.to_integral_value():
            raise ValidationFailed("The price was not saved.", fields={"value": ["A whole number of minor units for FLAT and PALLET_PER_DAY."]})
        value = int(value)
    return Status(201, services.set_feature_price(tenant=request.tenant, actor=request.actor, value=value, **data))


@router.get("/prices/preview", response={200: StorageRepricingOut, **ERRORS})
def repricing_preview(request, effective_from: dt.date, effective_to: dt.date | None = None, product_code: str = BASE_CODE):
    """Which HELD bookings a price change over [effective_from, effective_to) would re-price, and which CONFIRMED ones stay locked."""
    require_perm(request.actor, request.tenant, "storage.view")
    preview = selectors.repricing_preview(request.tenant, effective_from=effective_from, effective_to=effective_to, product_code=product_code)
    return {"repriced": [b.booking_ref for b in preview["repriced"]], "locked": [b.booking_ref for b in preview["locked"]]}


@router.get("/taxes", response={200: list[StorageTaxOut], **ERRORS})
def list_taxes(request):
    require_perm(request.actor, request.tenant, "storage.view")
    return list(selectors.tax_rules(request.tenant)[:500])


@router.post("/taxes", response={201: StorageTaxOut, **ERRORS})
def create_tax(request, payload: StorageTaxIn):
    """A GlobalTax (S011) by country / region and dates; resolved from the facility's location."""
    require_perm(request.actor, request.tenant, "storage.price.manage")
    return Status(201, billing.create_tax_rule(tenant=request.tenant, actor=request.actor, **payload.dict()))


# ---------------------------------------------------------------- bookings and holds (S008–S010)

@router.get("/bookings", response={200: StorageBookingPage, **ERRORS})
def list_bookings(request, status: str | None = None, facility_pk: int | None = None, customer_id: int | None = None, page: int = 1, page_size: int = 50):
    _browse(request)
    result = paginate(selectors.bookings_for(request.tenant, request.actor, status=status, facility_pk=facility_pk, customer_id=customer_id), page, page_size)
    result["results"] = [selectors.booking_summary(request.tenant, b) for b in result["results"]]
    return result


@router.post("/bookings", response={201: StorageBookingOut, **ERRORS})
def hold_booking(request, payload: StorageHoldIn):
    """NEW -> HELD: the pallets held on every day of [start_date, end_date) until the hold expires."""
    storage = services.hold_booking(tenant=request.tenant, actor=request.actor, **payload.dict())
    return Status(201, _booking(request, storage.pk))


@router.get("/bookings/{booking_id}", response={200: StorageBookingOut, **ERRORS})
def get_booking(request, booking_id: int):
    _browse(request)
    return _booking(request, booking_id)


@router.get("/bookings/{booking_id}/pricing", response={200: list[StoragePriceLineOut], **ERRORS})
def booking_pricing(request, booking_id: int):
    """The BookingPricing rows (S007): one per rate period, feature lines, tax per line; frozen once CONFIRMED."""
    _browse(request)
    return selectors.price_parts(request.tenant, selectors.get_booking(request.tenant, request.actor, booking_id))["lines"]


@router.get("/bookings/{booking_id}/history", response={200: list[StorageHistoryOut], **ERRORS})
def booking_history(request, booking_id: int):
    _browse(request)
    return list(selectors.get_booking(request.tenant, request.actor, booking_id).booking.history.order_by("id"))


@router.post("/bookings/{booking_id}/confirm", response={200: StorageBookingOut, **ERRORS})
def confirm_booking(request, booking_id: int, payload: StorageStepIn | None = None):
    _visible(request, booking_id)
    services.confirm_booking(tenant=request.tenant, actor=request.actor, booking_id=booking_id, version=(payload or StorageStepIn()).version)
    return _booking(request, booking_id)


@router.post("/bookings/{booking_id}/cancel", response={200: StorageBookingOut, **ERRORS})
def cancel_booking(request, booking_id: int, payload: StorageStepIn | None = None):
    payload = payload or StorageStepIn()
    _visible(request, booking_id)
    services.cancel_booking(tenant=request.tenant, actor=request.actor, booking_id=booking_id, reason=payload.reason, version=payload.version)
    return _booking(request, booking_id)


@router.post("/bookings/{booking_id}/extend", response={200: StorageBookingOut, **ERRORS})
def extend_hold(request, booking_id: int, payload: StorageExtendIn | None = None):
    _visible(request, booking_id)
    services.extend_hold(tenant=request.tenant, actor=request.actor, booking_id=booking_id, minutes=(payload or StorageExtendIn()).minutes)
    return _booking(request, booking_id)


@router.get("/bookings/{booking_id}/invoices", response={200: list[StorageInvoiceOut], **ERRORS})
def booking_invoices(request, booking_id: int):
    _browse(request)
    return list(selectors.booking_invoices(request.tenant, selectors.get_booking(request.tenant, request.actor, booking_id)))


@router.get("/bookings/{booking_id}/receipts", response={200: list[StorageReceiptOut], **ERRORS})
def booking_receipts(request, booking_id: int):
    _browse(request)
    return list(selectors.booking_receipts(request.tenant, selectors.get_booking(request.tenant, request.actor, booking_id)))


@router.post("/bookings/{booking_id}/payments", response={201: StorageReceiptOut, **ERRORS})
def pay_booking(request, booking_id: int, payload: StoragePaymentIn):
    """A receipt for one booking: the deposit / prepayment while HELD, the invoice once CONFIRMED."""
    _visible(request, booking_id)
    payment = services.pay_booking(tenant=request.tenant, actor=request.actor, booking_id=booking_id, **payload.dict())
    return Status(201, selectors.storage_receipts(request.tenant, None).get(pk=payment.pk))


# ---------------------------------------------------------------- invoices and receipts (S012)

@router.get("/invoices", response={200: list[StorageInvoiceOut], **ERRORS})
def list_invoices(request, customer_id: int | None = None, status: str | None = None):
    _browse(request)
    return list(selectors.storage_invoices(request.tenant, request.actor, customer_id=customer_id, status=status)[:500])


@router.get("/receipts", response={200: list[StorageReceiptOut], **ERRORS})
def list_receipts(request, customer_id: int | None = None):
    _browse(request)
    return list(selectors.storage_receipts(request.tenant, request.actor, customer_id=customer_id)[:500])


@router.post("/receipts", response={201: StorageReceiptOut, **ERRORS})
def record_receipt(request, payload: StorageReceiptIn):
    """One receipt paying several invoices of one customer (oldest due first); the rest stays as credit."""
    payment = services.record_receipt(tenant=request.tenant, actor=request.actor, **payload.dict())
    return Status(201, selectors.storage_receipts(request.tenant, None).get(pk=payment.pk))


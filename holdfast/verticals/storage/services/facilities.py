"""Companies, facilities (on engine sites and capacity pools), features, media and slots (seed 002 S001–S004, S013)."""
from __future__ import annotations

import datetime as dt
import re
import uuid
from decimal import Decimal, InvalidOperation

from django.db import transaction

from holdfast.core.accounts.selectors import require_perm
from holdfast.core.audit.services import log_action
from holdfast.core.events.services import emit
from holdfast.core.inventory import services as inventory
from holdfast.core.inventory.models import Site
from holdfast.core.tenancy.selectors import get_owned
from holdfast.kit.errors import Conflict, ValidationFailed
from holdfast.kit.locking import translate_db_errors

from ..models import Company, Facility, FacilityFeature, FacilityMedia, Feature

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ADDRESS_KEYS = ("address_line1", "address_line2", "city", "state", "country", "postal_code")
CONSTRAINTS = {
    "storage_company_id_unique": "A company with that company id already exists.",
    "storage_facility_id_unique": "A facility with that facility id already exists.",
    "storage_feature_code_unique": "A feature with that code already exists.",
    "storage_feature_id_unique": "A feature with that feature id already exists.",
    "storage_facility_feature_unique": "The facility already has that feature.",
}
MAX_SLOT_DAYS = 366
MAX_MEDIA_BYTES = 10 * 1024 * 1024
MEDIA_TYPES = {"image/jpeg": "PHOTO", "image/png": "PHOTO", "image/webp": "PHOTO", "application/pdf": "DOCUMENT"}


def check(actor, tenant, code: str) -> None:
    if actor is not None:
        require_perm(actor, tenant, code)


def business_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8].upper()}"


# ---------------------------------------------------------------- validation helpers

TIME_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def clean_open_hours(value) -> dict:
    """The open-hours JSON: {"mon": [["08:00", "17:00"]], ...} (a day left out is closed); the seed's
    "08:00-17:00" string means those hours every day. Intervals are HH:MM, start before end, not overlapping."""
    if value in (None, "", {}):
        return {}
    if isinstance(value, str):
        parts = value.split("-")
        value = {day: [parts] for day in DAYS} if len(parts) == 2 else {"?": value}
    if not isinstance(value, dict):
        raise ValidationFailed("The open hours are not valid.", fields={"open_hours": ['Use {"mon": [["08:00", "17:00"]], ...} or "08:00-17:00".']})
    errors, cleaned = [], {}
    for day, spans in value.items():
        if day not in DAYS:
            errors.append(f"Unknown day {day!r}: use {', '.join(DAYS)}.")
            continue
        if not isinstance(spans, list):
            errors.append(f"{day}: a list of [open, close] pairs.")
            continue
        day_spans = []
        for span in spans:
            if not (isinstance(span, list | tuple) and len(span) == 2 and all(isinstance(t, str) and TIME_RE.match(t.strip()) for t in span)):
                errors.append(f"{day}: each interval is [\"HH:MM\", \"HH:MM\"].")
                continue
            start, end = span[0].strip(), span[1].strip()
            if end <= start:
                errors.append(f"{day}: {start}-{end} closes before it opens.")
                continue
            day_spans.append([start, end])
        day_spans.sort()
        if any(a[1] > b[0] for a, b in zip(day_spans, day_spans[1:], strict=False)):
            errors.append(f"{day}: intervals overlap.")
        cleaned[day] = day_spans
    if errors:
        raise ValidationFailed("The open hours are not valid.", fields={"open_hours": errors})
    return cleaned


def _dimension(name: str, value):
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        number = None
    if number is None or not number.is_finite() or number <= 0 or number >= Decimal("100000"):
        raise ValidationFailed("The facility was not saved.", fields={name: ["A positive size in centimetres."]})
    return number.quantize(Decimal("0.01"))


def _coords(data: dict, errors: dict) -> None:
    for key, bound in (("latitude", 90), ("longitude", 180)):
        value = data.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal) or not -bound <= float(value) <= bound:
            errors[key] = [f"A number between -{bound} and {bound}."]


def _address(data: dict, errors: dict, *, required: bool) -> dict:
    address = {k: str(data.get(k) or "").strip() for k in ADDRESS_KEYS if k in data}
    if required and not address.get("address_line1"):
        errors["address_line1"] = ["The first address line is required."]
    if address.get("country"):
        address["country"] = address["country"].upper()
        if len(address["country"]) != 2 or not address["country"].isalpha():
            errors["country"] = ["A two-letter country code such as MY."]
    return address


# ---------------------------------------------------------------- companies (S001)

COMPANY_FIELDS = ("organization_id", "name", *ADDRESS_KEYS, "latitude", "longitude", "contact_email", "contact_phone")


def _clean_company(data: dict, *, creating: bool) -> dict:
    errors: dict = {}
    if (creating or "name" in data) and not str(data.get("name") or "").strip():
        errors["name"] = ["A name is required."]
    address = _address(data, errors, required=creating or "address_line1" in data)
    _coords(data, errors)
    if errors:
        raise ValidationFailed("The company was not saved.", fields=errors)
    out = {k: v for k, v in data.items() if k in COMPANY_FIELDS and v is not None}
    out.update(address)
    if "name" in out:
        out["name"] = out["name"].strip()
    return out


def create_company(*, tenant, actor, name: str, address_line1: str, company_id: str = "", **fields) -> Company:
    check(actor, tenant, "storage.facility.manage")
    data = _clean_company({"name": name, "address_line1": address_line1, **fields}, creating=True)
    with transaction.atomic(), translate_db_errors(CONSTRAINTS):
        company = Company.objects.create(tenant=tenant, company_id=(company_id or business_id("CMP")).strip()[:40], **data)
        log_action(tenant=tenant, actor=actor, entity=company, action="storage.company.created", diff={"name": [None, company.name], "company_id": [None, company.company_id]})
        emit(tenant, "storage.company:created", {"company_id": company.pk})
    return company


def update_company(*, tenant, actor, company_pk: int, **changes) -> Company:
    check(actor, tenant, "storage.facility.manage")
    data = _clean_company(changes, creating=False)
    with transaction.atomic(), translate_db_errors(CONSTRAINTS):
        company = get_owned(Company.objects.select_for_update().filter(is_deleted=False), tenant, company_pk, what="company")
        diff = {k: [getattr(company, k), v] for k, v in data.items() if getattr(company, k) != v}
        for key, value in data.items():
            setattr(company, key, value)
        company.save()
        log_action(tenant=tenant, actor=actor, entity=company, action="storage.company.updated", diff=diff)
        emit(tenant, "storage.company:updated", {"company_id": company.pk})
    return company


def set_company_deleted(*, tenant, actor, company_pk: int, deleted: bool) -> Company:
    """Soft delete (hidden everywhere but restorable) or restore. A company with live facilities stays."""
    check(actor, tenant, "storage.facility.manage")
    with transaction.atomic():
        company = get_owned(Company.objects.select_for_update(), tenant, company_pk, what="company")
        if deleted and company.facilities.filter(is_deleted=False).exists():
            raise Conflict("Delete or move the company's facilities first.", code="company_has_facilities")
        if company.is_deleted != deleted:
            company.is_deleted = deleted
            company.save(update_fields=["is_deleted"])
            log_action(tenant=tenant, actor=actor, entity=company, action="storage.company.deleted" if deleted else "storage.company.restored", diff={"is_deleted": [not deleted, deleted]})
            emit(tenant, "storage.company:updated", {"company_id": company.pk, "is_deleted": deleted})
    return company


# ---------------------------------------------------------------- facilities (S002)

FACILITY_FIELDS = ("description", "contact_email", "contact_phone", "pallet_type", "max_pallet_height_cm", "max_pallet_width_cm", "status", "is_featured", "hold_ttl_minutes")
SITE_KEYS = ("name", "latitude", "longitude", "time_zone", "open_hours", "cutoff_time")


def _clean_facility(data: dict, *, creating: bool) -> tuple[dict, dict, dict]:
    """(facility fields, site fields, address changes)."""
    errors: dict = {}
    if (creating or "name" in data) and not str(data.get("name") or "").strip():
        errors["name"] = ["A name is required."]
    if "status" in data and data["status"] not in dict(Facility.STATUSES):
        errors["status"] = ["ACTIVE, INACTIVE or MAINTENANCE."]
    ttl = data.get("hold_ttl_minutes")
    if ttl is not None and (isinstance(ttl, bool) or not isinstance(ttl, int) or not 1 <= ttl <= inventory.MAX_TTL_MINUTES):
        errors["hold_ttl_minutes"] = [f"Between 1 and {inventory.MAX_TTL_MINUTES} minutes."]
    address = _address(data, errors, required=creating or "address_line1" in data)
    _coords(data, errors)
    if errors:
        raise ValidationFailed("The facility was not saved.", fields=errors)
    fac = {k: data[k] for k in FACILITY_FIELDS if k in data and data[k] is not None}
    for key in ("max_pallet_height_cm", "max_pallet_width_cm"):
        if key in data:
            fac[key] = _dimension(key, data[key])
    site = {k: data[k] for k in SITE_KEYS if k in data}
    if "open_hours" in site:
        site["opening_hours"] = clean_open_hours(site.pop("open_hours"))
    for key in ("latitude", "longitude"):
        if site.get(key) is not None:
            site[key] = Decimal(str(site[key])).quantize(Decimal("0.000001"))
    if "name" in site:
        site["name"] = str(site["name"]).strip()
    return fac, site, address


def create_facility(*, tenant, actor, company_pk: int, name: str, address_line1: str, facility_id: str = "", currency: str | None = None, **fields) -> Facility:
    """A facility: an engine site (kind FACILITY) with a capacity pool of pallet positions (no day has
    capacity until slots are opened) and the storage fields."""
    check(actor, tenant, "storage.facility.manage")
    fac, site_fields, address = _clean_facility({"name": name, "address_line1": address_line1, **fields}, creating=True)
    currency = (currency or tenant.currency).upper()
    with transaction.atomic(), translate_db_errors(CONSTRAINTS):
        company = get_owned(Company.objects.filter(is_deleted=False), tenant, company_pk, what="company")
        site = inventory.create_site(tenant=tenant, actor=actor, kind=Site.FACILITY, address=address, **site_fields)
        pool = inventory.create_pool(tenant=tenant, actor=actor, site_id=site.pk, name=f"{site.name} pallet positions", default_capacity=0, unit="pallets")
        facility = Facility.objects.create(tenant=tenant, site=site, pool=pool, company=company, facility_id=(facility_id or business_id("FAC")).strip()[:40], currency=currency, **fac)
        log_action(tenant=tenant, actor=actor, entity=facility, action="storage.facility.created", diff={"name": [None, site.name], "facility_id": [None, facility.facility_id]})
        emit(tenant, "storage.facility:created", {"facility_id": facility.pk})
    return facility


def update_facility(*, tenant, actor, facility_pk: int, **changes) -> Facility:
    check(actor, tenant, "storage.facility.manage")
    fac, site_fields, address = _clean_facility(changes, creating=False)
    with transaction.atomic(), translate_db_errors(CONSTRAINTS):
        facility = get_owned(Facility.objects.select_for_update(of=("self",)).select_related("site").filter(is_deleted=False), tenant, facility_pk, what="facility")
        if address:
            site_fields["address"] = {**facility.site.address, **address}
        if site_fields:
            inventory.update_site(tenant=tenant, actor=actor, site_id=facility.site_id, **site_fields)
        diff = {k: [str(getattr(facility, k)), str(v)] for k, v in fac.items() if getattr(facility, k) != v}
        for key, value in fac.items():
            setattr(facility, key, value)
        facility.save()
        log_action(tenant=tenant, actor=actor, entity=facility, action="storage.facility.updated", diff=diff)
        emit(tenant, "storage.facility:updated", {"facility_id": facility.pk})
    return facility


def set_facility_deleted(*, tenant, actor, facility_pk: int, deleted: bool) -> Facility:
    """Soft delete (hidden from search, lists and booking; its bookings and history stay) or restore."""
    check(actor, tenant, "storage.facility.manage")
    with transaction.atomic():
        facility = get_owned(Facility.objects.select_for_update(), tenant, facility_pk, what="facility")
        if deleted and facility.bookings.filter(booking__status__in=["HELD", "CONFIRMED"]).exists():
            raise Conflict("The facility has active bookings; cancel them or let them end first.", code="facility_has_bookings")
        if facility.is_deleted != deleted:
            facility.is_deleted = deleted
            facility.save(update_fields=["is_deleted"])
            log_action(tenant=tenant, actor=actor, entity=facility, action="storage.facility.deleted" if deleted else "storage.facility.restored", diff={"is_deleted": [not deleted, deleted]})
            emit(tenant, "storage.facility:updated", {"facility_id": facility.pk, "is_deleted": deleted})
    return facility


# ---------------------------------------------------------------- slots (S003) on the engine's daily capacity

def open_slots(*, tenant, actor, facility_pk: int, start_date: dt.date, end_date: dt.date, capacity: int, policy: dict | None = None) -> list:
    """Set the pallet capacity (and the per-day policies) of the facility's days [start_date, end_date):
    one slot row per day; refused where capacity would fall below what is held or occupied."""
    check(actor, tenant, "storage.facility.manage")
    if isinstance(start_date, dt.date) and isinstance(end_date, dt.date) and (end_date - start_date).days > MAX_SLOT_DAYS:
        raise ValidationFailed(f"At most {MAX_SLOT_DAYS} days at once.", fields={"end_date": ["Range too long."]})
    with transaction.atomic():
        facility = get_owned(Facility.objects.filter(is_deleted=False), tenant, facility_pk, what="facility")
        rows = inventory.set_capacity(tenant=tenant, actor=actor, pool_id=facility.pool_id, start_date=start_date, end_date=end_date, capacity=capacity, policy=policy)
        emit(tenant, "storage.slots:changed", {"facility_id": facility.pk, "start_date": start_date, "end_date": end_date})
    return rows


# ---------------------------------------------------------------- features (S004)

def create_feature(*, tenant, actor, code: str, name: str, description: str = "", feature_id: str = "") -> Feature:
    check(actor, tenant, "storage.facility.manage")
    code = (code or "").strip().upper()
    if not re.fullmatch(r"[A-Z0-9_]{2,40}", code) or code == "BASE":
        raise ValidationFailed("The feature was not saved.", fields={"code": ["2–40 capital letters, digits or _ (e.g. COLD_STORAGE)."]})
    if not (name or "").strip():
        raise ValidationFailed("The feature was not saved.", fields={"name": ["A name is required."]})
    with transaction.atomic(), translate_db_errors(CONSTRAINTS):
        if Feature.objects.for_tenant(tenant).filter(code=code).exists():
            raise Conflict("A feature with that code already exists.", code="feature_code_taken")
        feature = Feature.objects.create(tenant=tenant, code=code, name=name.strip(), description=description, feature_id=(feature_id or business_id("FTR")).strip()[:40])
        log_action(tenant=tenant, actor=actor, entity=feature, action="storage.feature.created", diff={"code": [None, code]})
        emit(tenant, "storage.feature:created", {"feature_id": feature.pk})
    return feature


def set_facility_feature(*, tenant, actor, facility_pk: int, feature_pk: int, is_active: bool = True) -> FacilityFeature:
    """Offer a feature at a facility, or (de)activate it there without deleting it."""
    check(actor, tenant, "storage.facility.manage")
    with transaction.atomic(), translate_db_errors(CONSTRAINTS):
        facility = get_owned(Facility.objects.filter(is_deleted=False), tenant, facility_pk, what="facility")
        feature = get_owned(Feature.objects.filter(is_deleted=False), tenant, feature_pk, what="feature")
        link = FacilityFeature.objects.select_for_update().filter(facility=facility, feature=feature).first()
        before = None if link is None else link.is_active
        if link is None:
            link = FacilityFeature.objects.create(tenant=tenant, facility=facility, feature=feature, is_active=is_active)
        elif link.is_active != is_active or link.is_deleted:
            link.is_active, link.is_deleted = is_active, False
            link.save(update_fields=["is_active", "is_deleted"])
        log_action(tenant=tenant, actor=actor, entity=link, action="storage.facility_feature.set", diff={"is_active": [before, is_active], "feature": [None, feature.code]})
        emit(tenant, "storage.facility:updated", {"facility_id": facility.pk, "feature": feature.code, "is_active": is_active})
    return link


# ---------------------------------------------------------------- media (S013)

def add_media(*, tenant, actor, facility_pk: int, upload, caption: str = "") -> FacilityMedia:
    """Store a photo or document through Django's storage API (local files by default)."""
    check(actor, tenant, "storage.facility.manage")
    content_type = (getattr(upload, "content_type", "") or "").lower()
    if content_type not in MEDIA_TYPES:
        raise ValidationFailed("The file was not stored.", fields={"file": ["A JPEG, PNG or WebP photo or a PDF document."]})
    if not upload.size or upload.size > MAX_MEDIA_BYTES:
        raise ValidationFailed("The file was not stored.", fields={"file": [f"Between 1 byte and {MAX_MEDIA_BYTES // (1024 * 1024)} MB."]})
    name = re.sub(r"[^A-Za-z0-9._-]", "_", (upload.name or "file").rsplit("/", 1)[-1])[-100:]
    with transaction.atomic():
        facility = get_owned(Facility.objects.filter(is_deleted=False), tenant, facility_pk, what="facility")
        media = FacilityMedia(tenant=tenant, facility=facility, kind=MEDIA_TYPES[content_type], caption=(caption or "")[:200], content_type=content_type, size=upload.size)
        media.file.save(name, upload, save=False)
        media.save()
        log_action(tenant=tenant, actor=actor, entity=media, action="storage.media.added", diff={"file": [None, media.file.name]})
        emit(tenant, "storage.facility:updated", {"facility_id": facility.pk, "media_id": media.pk})
    return media


def remove_media(*, tenant, actor, media_pk: int) -> FacilityMedia:
    """Soft delete: the file stays in storage (restorable), the facility page stops showing it."""
    check(actor, tenant, "storage.facility.manage")
    with transaction.atomic():
        media = get_owned(FacilityMedia.objects.select_for_update(), tenant, media_pk, what="media")
        if not media.is_deleted:
            media.is_deleted = True
            media.save(update_fields=["is_deleted"])
            log_action(tenant=tenant, actor=actor, entity=media, action="storage.media.removed", diff={"is_deleted": [False, True]})
    return media

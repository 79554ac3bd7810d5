"""Apartments API (/api/v1/apartments): thin; every rule lives in services, every read in selectors.

Seed 001 §1.9: Admin manages the catalogue and prices; Sales follow bookings up, review them and take
payments; a Customer browses, books, configures and confirms their own bookings and sees only their
own bookings and invoices (someone else's is 404).
"""
from __future__ import annotations

import base64
import binascii

from ninja import Router, Status

from holdfast.core.accounts.selectors import require_perm
from holdfast.kit.api import ProblemSchema, paginate
from holdfast.kit.errors import ValidationFailed

from . import selectors
from .schemas import (
    ApartmentsAddonIn, ApartmentsAddonOut, ApartmentsAddonPatch, ApartmentsAddonRef, ApartmentsApartmentIn, ApartmentsApartmentOut, ApartmentsApartmentPage,
    ApartmentsApartmentPatch, ApartmentsAssignIn, ApartmentsBookingIn, ApartmentsBookingOut, ApartmentsBookingPage, ApartmentsCategoryIn, ApartmentsCategoryOut,
    ApartmentsChangeOrderIn, ApartmentsConfigureIn, ApartmentsDashboardOut, ApartmentsHistoryOut, ApartmentsImageIn, ApartmentsImpactOut, ApartmentsInvoiceOut, ApartmentsMoveIn,
    ApartmentsPackageIn, ApartmentsPackageOut, ApartmentsPackagePatch, ApartmentsPackageRef, ApartmentsPaymentIn, ApartmentsPaymentOut, ApartmentsPhotoOut,
    ApartmentsPreviewIn, ApartmentsPreviewOut, ApartmentsProjectIn, ApartmentsProjectOut, ApartmentsProjectPage, ApartmentsProjectPatch, ApartmentsStepIn,
)
from .services import bookings, catalogue, prices

router = Router(tags=["apartments"])
ERRORS = {400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema, 422: ProblemSchema, 503: ProblemSchema}
VIEW = "apartments.view"


def _view(request):
    require_perm(request.actor, request.tenant, VIEW)
    return request.tenant


def _image(request, payload: ApartmentsImageIn) -> bytes:
    # Permission first: a caller who may not upload is told 403, not how its body was malformed.
    require_perm(request.actor, request.tenant, "apartments.project.manage")
    try:
        return base64.b64decode(payload.content_base64, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed("The image was not saved.", fields={"content_base64": ["Not valid base64."]}) from None


def _booking(request, booking_id: int):
    """The booking as the actor may see it (a customer: only their own, else 404)."""
    return selectors.get_booking(request.tenant, booking_id, user=request.actor)


def _choices(addons) -> dict | None:
    return None if addons is None else {a.addon_id: a.units for a in addons}


# ---------------------------------------------------------------- projects

@router.get("/projects", response={200: ApartmentsProjectPage, **ERRORS})
def list_projects(request, page: int = 1, page_size: int = 50):
    return paginate(selectors.projects(_view(request)), page, page_size)


@router.post("/projects", response={201: ApartmentsProjectOut, **ERRORS})
def create_project(request, payload: ApartmentsProjectIn):
    project = catalogue.create_project(tenant=request.tenant, actor=request.actor, **payload.dict())
    return Status(201, selectors.get_project(request.tenant, project.pk))


@router.get("/projects/{project_id}", response={200: ApartmentsProjectOut, **ERRORS})
def get_project(request, project_id: int):
    return selectors.get_project(_view(request), project_id)


@router.patch("/projects/{project_id}", response={200: ApartmentsProjectOut, **ERRORS})
def update_project(request, project_id: int, payload: ApartmentsProjectPatch):
    catalogue.update_project(tenant=request.tenant, actor=request.actor, project_id=project_id, **payload.dict(exclude_unset=True))
    return selectors.get_project(request.tenant, project_id)


@router.put("/projects/{project_id}/logo", response={200: ApartmentsProjectOut, **ERRORS})
def set_project_logo(request, project_id: int, payload: ApartmentsImageIn):
    catalogue.set_project_logo(tenant=request.tenant, actor=request.actor, project_id=project_id, content=_image(request, payload), content_type=payload.content_type)
    return selectors.get_project(request.tenant, project_id)


# ---------------------------------------------------------------- apartments (listings and templates)

@router.get("/apartments", response={200: ApartmentsApartmentPage, **ERRORS})
def list_apartments(request, project_id: int | None = None, kind: str | None = None, status: str | None = None, available: bool = False, page: int = 1, page_size: int = 50):
    """Listings and templates; `available=true` is §3.4 step 1 (what a customer can book now)."""
    tenant = _view(request)
    qs = selectors.available_listings(tenant, project_id=project_id) if available else selectors.apartments(tenant, project_id=project_id, kind=kind, status=status)
    return paginate(qs, page, page_size)


@router.post("/apartments", response={201: ApartmentsApartmentOut, **ERRORS})
def add_apartment(request, payload: ApartmentsApartmentIn):
    apartment = catalogue.add_apartment(tenant=request.tenant, actor=request.actor, **payload.dict())
    return Status(201, selectors.get_apartment(request.tenant, apartment.pk))


@router.get("/apartments/{apartment_id}", response={200: ApartmentsApartmentOut, **ERRORS})
def get_apartment(request, apartment_id: int):
    return selectors.get_apartment(_view(request), apartment_id, user=request.actor)


@router.patch("/apartments/{apartment_id}", response={200: ApartmentsApartmentOut, **ERRORS})
def update_apartment(request, apartment_id: int, payload: ApartmentsApartmentPatch):
    catalogue.update_apartment(tenant=request.tenant, actor=request.actor, apartment_id=apartment_id, **payload.dict(exclude_unset=True))
    return selectors.get_apartment(request.tenant, apartment_id)


@router.delete("/apartments/{apartment_id}", response={200: ApartmentsApartmentOut, **ERRORS})
def remove_apartment(request, apartment_id: int):
    """§3.1 Remove Apartment: off the list (kept for history); 409 apartment_has_live_booking while one holds it."""
    catalogue.remove_apartment(tenant=request.tenant, actor=request.actor, apartment_id=apartment_id)
    return selectors.get_apartment(request.tenant, apartment_id)


@router.post("/apartments/{apartment_id}/packages", response={200: ApartmentsApartmentOut, **ERRORS})
def add_package(request, apartment_id: int, payload: ApartmentsPackageRef):
    catalogue.add_package(tenant=request.tenant, actor=request.actor, apartment_id=apartment_id, package_id=payload.package_id)
    return selectors.get_apartment(request.tenant, apartment_id)


@router.delete("/apartments/{apartment_id}/packages/{package_id}", response={200: ApartmentsApartmentOut, **ERRORS})
def remove_package(request, apartment_id: int, package_id: int):
    catalogue.remove_package(tenant=request.tenant, actor=request.actor, apartment_id=apartment_id, package_id=package_id)
    return selectors.get_apartment(request.tenant, apartment_id)


@router.post("/apartments/{apartment_id}/addons", response={200: ApartmentsApartmentOut, **ERRORS})
def add_addon(request, apartment_id: int, payload: ApartmentsAddonRef):
    catalogue.add_addon(tenant=request.tenant, actor=request.actor, apartment_id=apartment_id, addon_id=payload.addon_id)
    return selectors.get_apartment(request.tenant, apartment_id)


@router.delete("/apartments/{apartment_id}/addons/{addon_id}", response={200: ApartmentsApartmentOut, **ERRORS})
def remove_addon(request, apartment_id: int, addon_id: int):
    catalogue.remove_addon(tenant=request.tenant, actor=request.actor, apartment_id=apartment_id, addon_id=addon_id)
    return selectors.get_apartment(request.tenant, apartment_id)


@router.post("/apartments/{apartment_id}/photos", response={201: ApartmentsPhotoOut, **ERRORS})
def add_photo(request, apartment_id: int, payload: ApartmentsImageIn):
    photo = catalogue.add_photo(tenant=request.tenant, actor=request.actor, apartment_id=apartment_id, content=_image(request, payload), content_type=payload.content_type,
                                caption=payload.caption)
    return Status(201, photo)


# ---------------------------------------------------------------- packages, categories, addons

@router.get("/packages", response={200: list[ApartmentsPackageOut], **ERRORS})
def list_packages(request, kind: str | None = None, active: bool | None = None):
    return list(selectors.packages(_view(request), kind=kind, active=active))


@router.post("/packages", response={201: ApartmentsPackageOut, **ERRORS})
def create_package(request, payload: ApartmentsPackageIn):
    return Status(201, catalogue.create_package(tenant=request.tenant, actor=request.actor, **payload.dict()))


@router.get("/packages/{package_id}", response={200: ApartmentsPackageOut, **ERRORS})
def get_package(request, package_id: int):
    return selectors.get_package(_view(request), package_id)


@router.patch("/packages/{package_id}", response={200: ApartmentsPackageOut, **ERRORS})
def update_package(request, package_id: int, payload: ApartmentsPackagePatch):
    """`repriced` lists the bookings the cascade changed (§3.3): every one not yet approved."""
    return prices.update_package(tenant=request.tenant, actor=request.actor, package_id=package_id, **payload.dict(exclude_unset=True))


@router.get("/packages/{package_id}/impact", response={200: list[ApartmentsImpactOut], **ERRORS})
def package_price_impact(request, package_id: int, price_minor: int):
    """Which bookings a new price would change, and by how much (nothing is saved)."""
    require_perm(request.actor, request.tenant, "apartments.catalogue.manage")
    package = selectors.get_package(request.tenant, package_id)
    return prices.price_change_impact(request.tenant, package_id=package.pk, new_price_minor=max(0, price_minor))


@router.get("/categories", response={200: list[ApartmentsCategoryOut], **ERRORS})
def list_categories(request):
    return list(selectors.categories(_view(request)))


@router.post("/categories", response={201: ApartmentsCategoryOut, **ERRORS})
def create_category(request, payload: ApartmentsCategoryIn):
    return Status(201, catalogue.create_category(tenant=request.tenant, actor=request.actor, **payload.dict()))


@router.get("/addons", response={200: list[ApartmentsAddonOut], **ERRORS})
def list_addons(request, category_id: int | None = None, active: bool | None = None):
    return list(selectors.addons(_view(request), category_id=category_id, active=active))


@router.post("/addons", response={201: ApartmentsAddonOut, **ERRORS})
def create_addon(request, payload: ApartmentsAddonIn):
    return Status(201, catalogue.create_addon(tenant=request.tenant, actor=request.actor, **payload.dict()))


@router.get("/addons/{addon_id}", response={200: ApartmentsAddonOut, **ERRORS})
def get_addon(request, addon_id: int):
    return selectors.get_addon(_view(request), addon_id)


@router.patch("/addons/{addon_id}", response={200: ApartmentsAddonOut, **ERRORS})
def update_addon(request, addon_id: int, payload: ApartmentsAddonPatch):
    return prices.update_addon(tenant=request.tenant, actor=request.actor, addon_id=addon_id, **payload.dict(exclude_unset=True))


@router.get("/addons/{addon_id}/impact", response={200: list[ApartmentsImpactOut], **ERRORS})
def addon_price_impact(request, addon_id: int, unit_price_minor: int):
    require_perm(request.actor, request.tenant, "apartments.catalogue.manage")
    addon = selectors.get_addon(request.tenant, addon_id)
    return prices.price_change_impact(request.tenant, addon_id=addon.pk, new_price_minor=max(0, unit_price_minor))


# ---------------------------------------------------------------- bookings (§3.4)

@router.get("/bookings", response={200: ApartmentsBookingPage, **ERRORS})
def list_bookings(request, status: str | None = None, listing_id: int | None = None, project_id: int | None = None, page: int = 1, page_size: int = 50):
    tenant = _view(request)
    result = paginate(selectors.bookings_for(tenant, request.actor, status=status, listing_id=listing_id, project_id=project_id), page, page_size)
    result["results"] = selectors.with_money(result["results"])
    return result


@router.post("/bookings", response={201: ApartmentsBookingOut, **ERRORS})
def create_booking(request, payload: ApartmentsBookingIn):
    """Steps 2-3: the booking (Pending) and the customer's clone of the apartment (Booked)."""
    ab = bookings.create_booking(tenant=request.tenant, actor=request.actor, listing_id=payload.listing_id, customer_id=payload.customer_id,
                                 payment_method=payload.payment_method or "")
    return Status(201, _booking(request, ab.pk))


@router.get("/bookings/{booking_id}", response={200: ApartmentsBookingOut, **ERRORS})
def get_booking(request, booking_id: int):
    _view(request)
    return _booking(request, booking_id)


@router.post("/bookings/{booking_id}/configure", response={200: ApartmentsBookingOut, **ERRORS})
def configure_booking(request, booking_id: int, payload: ApartmentsConfigureIn):
    """Steps 4-5: one package and the addon selection, checked against every limit on every change."""
    bookings.configure_booking(tenant=request.tenant, actor=request.actor, booking_id=booking_id, package_id=payload.package_id, addons=_choices(payload.addons),
                               payment_method=payload.payment_method, version=payload.version)
    return _booking(request, booking_id)


@router.post("/bookings/{booking_id}/change-order", response={200: ApartmentsBookingOut, **ERRORS})
def change_order(request, booking_id: int, payload: ApartmentsChangeOrderIn):
    """After approval: added items at today's prices, the rest at the contract's; the difference is its own invoice."""
    _booking(request, booking_id)
    bookings.change_order(tenant=request.tenant, actor=request.actor, booking_id=booking_id, package_id=payload.package_id, addons=_choices(payload.addons), reason=payload.reason)
    return _booking(request, booking_id)


@router.post("/bookings/{booking_id}/preview", response={200: ApartmentsPreviewOut, **ERRORS})
def preview_configuration(request, booking_id: int, payload: ApartmentsPreviewIn):
    """The total a configuration would have, and what would refuse it (nothing is saved)."""
    _view(request)
    return selectors.preview(request.tenant, _booking(request, booking_id), package_id=payload.package_id, addons=_choices(payload.addons))


def _step(request, booking_id: int, name: str, payload: ApartmentsStepIn | None):
    payload = payload or ApartmentsStepIn()
    _booking(request, booking_id)  # someone else's booking is 404 before any 409 names its state
    kwargs = {"reason": payload.reason} if name in ("send_back", "reject") else {}
    bookings.STEPS[name](tenant=request.tenant, actor=request.actor, booking_id=booking_id, version=payload.version, **kwargs)
    return _booking(request, booking_id)


@router.post("/bookings/{booking_id}/confirm", response={200: ApartmentsBookingOut, **ERRORS})
def confirm_booking(request, booking_id: int, payload: ApartmentsStepIn | None = None):
    """Step 7: Pending -> In Progress; the invoice is issued. 409 configuration_incomplete without a package."""
    return _step(request, booking_id, "confirm", payload)


@router.post("/bookings/{booking_id}/start-review", response={200: ApartmentsBookingOut, **ERRORS})
def start_review(request, booking_id: int, payload: ApartmentsStepIn | None = None):
    return _step(request, booking_id, "start_review", payload)


@router.post("/bookings/{booking_id}/send-back", response={200: ApartmentsBookingOut, **ERRORS})
def send_back(request, booking_id: int, payload: ApartmentsStepIn | None = None):
    return _step(request, booking_id, "send_back", payload)


@router.post("/bookings/{booking_id}/approve", response={200: ApartmentsBookingOut, **ERRORS})
def approve_booking(request, booking_id: int, payload: ApartmentsStepIn | None = None):
    """Under Review -> Approved: the prices of this moment become the booking's snapshot."""
    return _step(request, booking_id, "approve", payload)


@router.post("/bookings/{booking_id}/reject", response={200: ApartmentsBookingOut, **ERRORS})
def reject_booking(request, booking_id: int, payload: ApartmentsStepIn | None = None):
    return _step(request, booking_id, "reject", payload)


@router.post("/bookings/{booking_id}/move", response={200: ApartmentsBookingOut, **ERRORS})
def move_booking(request, booking_id: int, payload: ApartmentsMoveIn):
    """The pipeline board's drag: the one step that leads to `to_status` (409 illegal_transition otherwise)."""
    _booking(request, booking_id)
    bookings.move_booking(tenant=request.tenant, actor=request.actor, booking_id=booking_id, to_status=payload.to_status, reason=payload.reason, version=payload.version)
    return _booking(request, booking_id)


@router.post("/bookings/{booking_id}/assign", response={200: ApartmentsBookingOut, **ERRORS})
def assign_booking(request, booking_id: int, payload: ApartmentsAssignIn):
    bookings.assign_booking(tenant=request.tenant, actor=request.actor, booking_id=booking_id, assignee_id=payload.assignee_id)
    return _booking(request, booking_id)


@router.get("/bookings/{booking_id}/history", response={200: list[ApartmentsHistoryOut], **ERRORS})
def booking_history(request, booking_id: int):
    _view(request)
    return list(selectors.history(_booking(request, booking_id)))


@router.get("/bookings/{booking_id}/invoices", response={200: list[ApartmentsInvoiceOut], **ERRORS})
def booking_invoices(request, booking_id: int):
    _view(request)
    return list(selectors.invoices(request.tenant, _booking(request, booking_id).pk))


@router.get("/bookings/{booking_id}/payments", response={200: list[ApartmentsPaymentOut], **ERRORS})
def booking_payments(request, booking_id: int):
    _view(request)
    return list(selectors.payments(request.tenant, _booking(request, booking_id).pk))


@router.post("/bookings/{booking_id}/payments", response={201: ApartmentsPaymentOut, **ERRORS})
def record_payment(request, booking_id: int, payload: ApartmentsPaymentIn):
    """Step 9: money against the booking's open invoices; the remaining amount follows."""
    return Status(201, bookings.record_payment(tenant=request.tenant, actor=request.actor, booking_id=booking_id, **payload.dict()))


@router.get("/dashboard", response={200: ApartmentsDashboardOut, **ERRORS})
def dashboard(request):
    require_perm(request.actor, request.tenant, "apartments.booking.manage")
    return selectors.dashboard(request.tenant)

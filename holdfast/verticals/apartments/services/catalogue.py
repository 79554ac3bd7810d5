"""Projects, apartments, packages, addons (seed 001 §3.1, §3.2): add and remove, refused with a clear
reason where a live booking depends on it. Price changes and their cascade are prices.py."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import transaction

from holdfast.core.audit.services import log_action
from holdfast.core.events.services import emit
from holdfast.core.inventory import services as inventory
from holdfast.core.inventory.models import Resource, Site
from holdfast.core.tenancy.selectors import get_owned
from holdfast.kit.errors import Conflict, ValidationFailed
from holdfast.kit.locking import translate_db_errors

from ..models import LIVE_STATES, Addon, AddonCategory, Apartment, ApartmentBooking, ApartmentPhoto, Package, Project
from ._common import CONSTRAINT_MESSAGES, check, minor, positive, refuse, text

IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}
MAX_IMAGE_BYTES = 2 * 1024 * 1024
STANDALONE_SITE_CODE = "apartments-standalone"


def _image(content: bytes, content_type: str) -> tuple[bytes, str]:
    if content_type not in IMAGE_TYPES:
        raise ValidationFailed("That file is not an image we can show.", fields={"file": ["PNG, JPEG, GIF or WebP."]})
    if not content or len(content) > MAX_IMAGE_BYTES:
        raise ValidationFailed("The image is empty or too large.", fields={"file": ["At most 2 MB."]})
    return bytes(content), content_type


# ---------------------------------------------------------------- projects

def create_project(*, tenant, actor, name: str, location: str = "", amenities: str = "") -> Project:
    check(actor, tenant, "apartments.project.manage")
    errors: dict = {}
    name = text("name", name, errors=errors)
    location = text("location", location, errors=errors, max_length=300, required=False)
    refuse(errors, "project")
    with transaction.atomic():
        site = inventory.create_site(tenant=tenant, actor=actor, name=name, kind=Site.PROJECT, address={"line1": location} if location else {})
        project = Project.objects.create(tenant=tenant, site=site, location=location, amenities=amenities or "")
        log_action(tenant=tenant, actor=actor, entity=project, action="apartments.project.created", diff={"name": [None, name], "location": [None, location]})
        emit(tenant, "apartments.project:created", {"project_id": project.pk})
    return project


def update_project(*, tenant, actor, project_id: int, name: str | None = None, location: str | None = None, amenities: str | None = None) -> Project:
    check(actor, tenant, "apartments.project.manage")
    errors: dict = {}
    if name is not None:
        name = text("name", name, errors=errors)
    if location is not None:
        location = text("location", location, errors=errors, max_length=300, required=False)
    refuse(errors, "project")
    with transaction.atomic():
        project = get_owned(Project.objects.select_for_update().select_related("site"), tenant, project_id, what="project")
        diff = {}
        if name is not None and name != project.site.name:
            diff["name"] = [project.site.name, name]
            inventory.update_site(tenant=tenant, actor=actor, site_id=project.site_id, name=name)
        for field, value in (("location", location), ("amenities", amenities)):
            if value is not None and value != getattr(project, field):
                diff[field] = [getattr(project, field), value]
                setattr(project, field, value)
        project.save()
        log_action(tenant=tenant, actor=actor, entity=project, action="apartments.project.updated", diff=diff)
        emit(tenant, "apartments.project:updated", {"project_id": project.pk})
    return project


def set_project_logo(*, tenant, actor, project_id: int, content: bytes, content_type: str) -> Project:
    check(actor, tenant, "apartments.project.manage")
    content, content_type = _image(content, content_type)
    with transaction.atomic():
        project = get_owned(Project.objects.select_for_update(), tenant, project_id, what="project")
        project.logo, project.logo_content_type = content, content_type
        project.save(update_fields=["logo", "logo_content_type"])
        log_action(tenant=tenant, actor=actor, entity=project, action="apartments.project.logo_set", diff={"logo_bytes": [None, len(content)]})
        emit(tenant, "apartments.project:updated", {"project_id": project.pk})
    return project


# ---------------------------------------------------------------- apartments

def _space(value, errors: dict):
    try:
        space = Decimal(str(value))
        if not space.is_finite() or space <= 0 or space >= Decimal("1000000"):
            raise InvalidOperation
        return space.quantize(Decimal("0.01"))
    except (InvalidOperation, TypeError, ValueError):
        errors["space_sqm"] = ["Square metres, more than 0."]
        return None


def _catalogue_rows(tenant, model, ids, field: str, errors: dict) -> list:
    ids = sorted({int(i) for i in ids or [] if not isinstance(i, bool) and isinstance(i, int)})
    rows = list(model.objects.for_tenant(tenant).filter(pk__in=ids))
    if len(rows) != len(ids):
        errors[field] = [f"No such {model._meta.verbose_name} in this business: {sorted(set(ids) - {r.pk for r in rows})}."]
    return rows


def _standalone_site(tenant, actor) -> Site:
    site = Site.objects.for_tenant(tenant).filter(code=STANDALONE_SITE_CODE).first()
    return site or inventory.create_site(tenant=tenant, actor=actor, name="Standalone apartments", code=STANDALONE_SITE_CODE, kind=Site.OTHER)


def add_apartment(*, tenant, actor, name: str, kind: str = Apartment.PROJECT, project_id: int | None = None, space_sqm=None, description: str = "",
                  package_ids: list[int] | None = None, addon_ids: list[int] | None = None, template_id: int | None = None) -> Apartment:
    """§3.1 Add Apartment: a listing in a project (or standalone) for sale, or a template. From a template
    it takes the template's space, description, packages and addons unless given."""
    check(actor, tenant, "apartments.project.manage")
    errors: dict = {}
    name = text("name", name, errors=errors)
    if kind not in (Apartment.PROJECT, Apartment.STANDALONE, Apartment.TEMPLATE):
        errors["kind"] = ["PROJECT, STANDALONE or TEMPLATE (customer instances are made by booking)."]
    if kind == Apartment.PROJECT and project_id is None:
        errors["project_id"] = ["A project apartment needs its project."]
    template = None
    if template_id is not None:
        template = get_owned(Apartment.objects.filter(kind=Apartment.TEMPLATE, is_removed=False), tenant, template_id, what="template")
        space_sqm = template.space_sqm if space_sqm is None else space_sqm
        description = description or template.description
        package_ids = list(template.packages.values_list("pk", flat=True)) if package_ids is None else package_ids
        addon_ids = list(template.addons.values_list("pk", flat=True)) if addon_ids is None else addon_ids
    space = _space(space_sqm, errors)
    packages = _catalogue_rows(tenant, Package, package_ids, "package_ids", errors)
    addons = _catalogue_rows(tenant, Addon, addon_ids, "addon_ids", errors)
    refuse(errors, "apartment")
    with transaction.atomic(), translate_db_errors(CONSTRAINT_MESSAGES):
        project = get_owned(Project.objects.select_related("site").filter(is_removed=False), tenant, project_id, what="project") if project_id is not None else None
        if kind == Apartment.STANDALONE:
            project = None
        resource = None
        if kind != Apartment.TEMPLATE:
            site = project.site if project else _standalone_site(tenant, actor)
            resource = inventory.create_resource(tenant=tenant, actor=actor, site_id=site.pk, name=name[:120], code=name[:40])
        apartment = Apartment.objects.create(
            tenant=tenant, name=name, kind=kind, project=project if kind != Apartment.STANDALONE else None, space_sqm=space, description=description or "",
            status=Apartment.TEMPLATE_STATUS if kind == Apartment.TEMPLATE else Apartment.FOR_SALE, resource=resource, source=template,
        )
        apartment.packages.set(packages)
        apartment.addons.set(addons)
        log_action(tenant=tenant, actor=actor, entity=apartment, action="apartments.apartment.added",
                   diff={"name": [None, name], "kind": [None, kind], "project_id": [None, apartment.project_id], "template_id": [None, template_id]})
        emit(tenant, "apartments.apartment:added", {"apartment_id": apartment.pk, "project_id": apartment.project_id})
    return apartment


def update_apartment(*, tenant, actor, apartment_id: int, name: str | None = None, space_sqm=None, description: str | None = None) -> Apartment:
    check(actor, tenant, "apartments.project.manage")
    errors: dict = {}
    if name is not None:
        name = text("name", name, errors=errors)
    space = _space(space_sqm, errors) if space_sqm is not None else None
    refuse(errors, "apartment")
    with transaction.atomic():
        apartment = get_owned(Apartment.objects.select_for_update().exclude(kind=Apartment.INSTANCE), tenant, apartment_id, what="apartment")
        diff = {}
        for field, value in (("name", name), ("space_sqm", space), ("description", description)):
            if value is not None and value != getattr(apartment, field):
                diff[field] = [str(getattr(apartment, field)), str(value)]
                setattr(apartment, field, value)
        apartment.version += 1
        apartment.save()
        log_action(tenant=tenant, actor=actor, entity=apartment, action="apartments.apartment.updated", diff=diff)
        emit(tenant, "apartments.apartment:updated", {"apartment_id": apartment.pk})
    return apartment


def live_bookings_of(apartment):
    return ApartmentBooking.objects.filter(listing=apartment, booking__status__in=LIVE_STATES)


def remove_apartment(*, tenant, actor, apartment_id: int) -> Apartment:
    """§3.1 Remove Apartment: off the project's list (kept for history). Refused while a live booking
    holds it; a template is removed from the choices, the apartments made from it stay."""
    check(actor, tenant, "apartments.project.manage")
    with transaction.atomic():
        apartment = get_owned(Apartment.objects.select_for_update().exclude(kind=Apartment.INSTANCE), tenant, apartment_id, what="apartment")
        if apartment.is_removed:
            return apartment
        if apartment.resource_id:
            Resource.objects.select_for_update().get(pk=apartment.resource_id)  # a booking starting now waits, or we see it
        live = live_bookings_of(apartment).first()
        if live is not None:
            raise Conflict(f"{apartment.name} has a live booking ({live.booking.status.replace('_', ' ').title()}, booking {live.pk}); reject it first.",
                           code="apartment_has_live_booking", extra={"booking_id": live.pk})
        apartment.is_removed = True
        apartment.version += 1
        apartment.save(update_fields=["is_removed", "version"])
        if apartment.resource_id:
            inventory.set_resource_status(tenant=tenant, actor=actor, resource_id=apartment.resource_id, status=Resource.RETIRED)
        log_action(tenant=tenant, actor=actor, entity=apartment, action="apartments.apartment.removed", diff={"is_removed": [False, True]})
        emit(tenant, "apartments.apartment:removed", {"apartment_id": apartment.pk, "project_id": apartment.project_id})
    return apartment


def _depending_booking(apartment, **selection):
    """A live booking of this listing (or on this very instance) that chose the package/addon."""
    qs = ApartmentBooking.objects.filter(booking__status__in=LIVE_STATES).filter(**selection)
    return qs.filter(listing=apartment).first() or qs.filter(apartment=apartment).first()


def _change_list(*, tenant, actor, apartment_id: int, model, item_id: int, add: bool):
    check(actor, tenant, "apartments.project.manage")
    what = "package" if model is Package else "addon"
    with transaction.atomic():
        apartment = get_owned(Apartment.objects.select_for_update(), tenant, apartment_id, what="apartment")
        item = get_owned(model, tenant, item_id, what=what)
        relation = apartment.packages if model is Package else apartment.addons
        present = relation.filter(pk=item.pk).exists()
        if add == present:
            return apartment
        if add:
            relation.add(item)
        else:
            depending = _depending_booking(apartment, package=item) if model is Package else _depending_booking(apartment, addon_lines__addon=item)
            if depending is not None:
                raise Conflict(f"Booking {depending.pk} ({depending.status_label}) has chosen {item.name}; it cannot be removed from {apartment.name} now.",
                               code=f"{what}_in_use", extra={"booking_id": depending.pk})
            relation.remove(item)
        apartment.version += 1
        apartment.save(update_fields=["version"])
        action = f"apartments.apartment.{what}_{'added' if add else 'removed'}"
        log_action(tenant=tenant, actor=actor, entity=apartment, action=action, diff={f"{what}_id": [None, item.pk] if add else [item.pk, None]})
        emit(tenant, "apartments.apartment:updated", {"apartment_id": apartment.pk, what + "_id": item.pk, "added": add})
    return apartment


def add_package(*, tenant, actor, apartment_id: int, package_id: int) -> Apartment:
    return _change_list(tenant=tenant, actor=actor, apartment_id=apartment_id, model=Package, item_id=package_id, add=True)


def remove_package(*, tenant, actor, apartment_id: int, package_id: int) -> Apartment:
    return _change_list(tenant=tenant, actor=actor, apartment_id=apartment_id, model=Package, item_id=package_id, add=False)


def add_addon(*, tenant, actor, apartment_id: int, addon_id: int) -> Apartment:
    return _change_list(tenant=tenant, actor=actor, apartment_id=apartment_id, model=Addon, item_id=addon_id, add=True)


def remove_addon(*, tenant, actor, apartment_id: int, addon_id: int) -> Apartment:
    return _change_list(tenant=tenant, actor=actor, apartment_id=apartment_id, model=Addon, item_id=addon_id, add=False)


def add_photo(*, tenant, actor, apartment_id: int, content: bytes, content_type: str, caption: str = "") -> ApartmentPhoto:
    check(actor, tenant, "apartments.project.manage")
    content, content_type = _image(content, content_type)
    with transaction.atomic():
        apartment = get_owned(Apartment.objects.select_for_update(), tenant, apartment_id, what="apartment")
        position = apartment.photos.count()
        photo = ApartmentPhoto.objects.create(tenant=tenant, apartment=apartment, image=content, content_type=content_type, caption=(caption or "")[:200], position=position)
        log_action(tenant=tenant, actor=actor, entity=photo, action="apartments.photo.added", diff={"apartment_id": [None, apartment.pk]})
        emit(tenant, "apartments.apartment:updated", {"apartment_id": apartment.pk})
    return photo


# ---------------------------------------------------------------- packages, addons, categories

def create_package(*, tenant, actor, name: str, kind: str, price_minor: int, description: str = "") -> Package:
    check(actor, tenant, "apartments.catalogue.manage")
    errors: dict = {}
    name = text("name", name, errors=errors)
    if kind not in dict(Package.KINDS):
        errors["kind"] = ["GOLDEN, SILVER or PLATINUM."]
    minor("price_minor", price_minor, errors=errors)
    refuse(errors, "package")
    with transaction.atomic():
        package = Package.objects.create(tenant=tenant, name=name, kind=kind, price_minor=price_minor, currency=tenant.currency, description=description or "")
        log_action(tenant=tenant, actor=actor, entity=package, action="apartments.package.created", diff={"name": [None, name], "price_minor": [None, price_minor]})
        emit(tenant, "apartments.package:created", {"package_id": package.pk})
    return package


def create_category(*, tenant, actor, name: str, max_units: int) -> AddonCategory:
    check(actor, tenant, "apartments.catalogue.manage")
    errors: dict = {}
    name = text("name", name, errors=errors, max_length=120)
    positive("max_units", max_units, errors=errors, upper=1000)
    refuse(errors, "category")
    with transaction.atomic(), translate_db_errors(CONSTRAINT_MESSAGES):
        if AddonCategory.objects.for_tenant(tenant).filter(name=name).exists():
            raise Conflict("A category with that name already exists.", code="category_name_taken")
        category = AddonCategory.objects.create(tenant=tenant, name=name, max_units=max_units)
        log_action(tenant=tenant, actor=actor, entity=category, action="apartments.category.created", diff={"name": [None, name], "max_units": [None, max_units]})
        emit(tenant, "apartments.category:created", {"category_id": category.pk})
    return category


def create_addon(*, tenant, actor, name: str, addon_type: str, category_id: int, unit_price_minor: int, max_units: int) -> Addon:
    check(actor, tenant, "apartments.catalogue.manage")
    errors: dict = {}
    name = text("name", name, errors=errors)
    addon_type = text("addon_type", addon_type, errors=errors, max_length=120)
    minor("unit_price_minor", unit_price_minor, errors=errors)
    positive("max_units", max_units, errors=errors, upper=1000)
    refuse(errors, "addon")
    with transaction.atomic():
        category = get_owned(AddonCategory, tenant, category_id, what="addon category")
        addon = Addon.objects.create(tenant=tenant, name=name, addon_type=addon_type, category=category, unit_price_minor=unit_price_minor, max_units=max_units, currency=tenant.currency)
        log_action(tenant=tenant, actor=actor, entity=addon, action="apartments.addon.created", diff={"name": [None, name], "unit_price_minor": [None, unit_price_minor], "max_units": [None, max_units]})
        emit(tenant, "apartments.addon:created", {"addon_id": addon.pk})
    return addon

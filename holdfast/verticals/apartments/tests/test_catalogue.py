"""Projects and apartments (§3.1, §3.2): add and remove, refused with a clear reason where a live
booking depends on it; templates; total units derived; logos and photos."""
from __future__ import annotations

import pytest

from holdfast.core.inventory.models import Resource
from holdfast.kit.errors import Conflict, PermissionDenied, ValidationFailed
from holdfast.verticals.apartments import selectors
from holdfast.verticals.apartments.models import Apartment
from holdfast.verticals.apartments.services import bookings, catalogue

from .factories import PNG

pytestmark = pytest.mark.django_db


def test_total_units_is_derived_from_the_listed_apartments(tenant, owner, cat):
    assert cat.project.total_units == 2 and selectors.get_project(tenant, cat.project.pk).listed_count == 2
    catalogue.add_apartment(tenant=tenant, actor=owner, name="A-9", project_id=cat.project.pk, space_sqm="50")
    catalogue.add_apartment(tenant=tenant, actor=owner, name="Type C", kind="TEMPLATE", space_sqm="50")  # templates are not units
    assert cat.project.total_units == 3
    catalogue.remove_apartment(tenant=tenant, actor=owner, apartment_id=cat.listings[1].pk)
    assert cat.project.total_units == 2
    assert Resource.objects.get(pk=cat.listings[1].resource_id).status == Resource.RETIRED


def test_an_apartment_with_a_live_booking_cannot_be_removed(tenant, owner, sales, cat, pending):
    with pytest.raises(Conflict) as refused:
        catalogue.remove_apartment(tenant=tenant, actor=owner, apartment_id=cat.listing.pk)
    assert refused.value.code == "apartment_has_live_booking" and refused.value.extra["booking_id"] == pending.pk
    bookings.reject_booking(tenant=tenant, actor=sales, booking_id=pending.pk)
    assert catalogue.remove_apartment(tenant=tenant, actor=owner, apartment_id=cat.listing.pk).is_removed


def test_a_package_or_addon_a_live_booking_chose_cannot_be_removed_from_its_apartment(tenant, owner, cat, configured):
    with pytest.raises(Conflict) as refused:
        catalogue.remove_package(tenant=tenant, actor=owner, apartment_id=cat.listing.pk, package_id=cat.gold.pk)
    assert refused.value.code == "package_in_use"
    with pytest.raises(Conflict) as refused:
        catalogue.remove_addon(tenant=tenant, actor=owner, apartment_id=cat.listing.pk, addon_id=cat.ac.pk)
    assert refused.value.code == "addon_in_use"
    # what nobody chose goes; adding it back is allowed
    catalogue.remove_package(tenant=tenant, actor=owner, apartment_id=cat.listing.pk, package_id=cat.platinum.pk)
    catalogue.remove_addon(tenant=tenant, actor=owner, apartment_id=cat.listing.pk, addon_id=cat.fan.pk)
    listing = Apartment.objects.get(pk=cat.listing.pk)
    assert cat.platinum not in listing.packages.all() and cat.fan not in listing.addons.all()
    catalogue.add_package(tenant=tenant, actor=owner, apartment_id=cat.listing.pk, package_id=cat.platinum.pk)
    assert cat.platinum in listing.packages.all()


def test_an_apartment_made_from_a_template_takes_its_space_packages_and_addons(tenant, owner, cat):
    template = catalogue.add_apartment(tenant=tenant, actor=owner, name="Type A", kind="TEMPLATE", space_sqm="72.5", description="Corner unit",
                                       package_ids=[cat.gold.pk], addon_ids=[cat.ac.pk])
    assert template.status == Apartment.TEMPLATE_STATUS and template.resource_id is None
    made = catalogue.add_apartment(tenant=tenant, actor=owner, name="B-1", project_id=cat.project.pk, template_id=template.pk)
    assert made.source_id == template.pk and str(made.space_sqm) == "72.50" and made.description == "Corner unit"
    assert list(made.packages.all()) == [cat.gold] and list(made.addons.all()) == [cat.ac] and made.status == Apartment.FOR_SALE
    standalone = catalogue.add_apartment(tenant=tenant, actor=owner, name="Villa", kind="STANDALONE", space_sqm="200", package_ids=[cat.platinum.pk])
    assert standalone.project_id is None and standalone.resource_id is not None


@pytest.mark.parametrize("kwargs, field", [
    ({"name": "", "project_id": None, "space_sqm": "50"}, "name"),
    ({"name": "X", "space_sqm": "0"}, "space_sqm"),
    ({"name": "X", "space_sqm": "abc"}, "space_sqm"),
    ({"name": "X", "space_sqm": "50", "kind": "INSTANCE"}, "kind"),
    ({"name": "X", "space_sqm": "50", "package_ids": [987654]}, "package_ids"),
])
def test_an_apartment_needs_its_mandatory_fields(tenant, owner, cat, kwargs, field):
    kwargs = {"project_id": cat.project.pk, **kwargs}
    with pytest.raises(ValidationFailed) as refused:
        catalogue.add_apartment(tenant=tenant, actor=owner, **kwargs)
    assert field in refused.value.fields


def test_logos_and_photos_must_be_images(tenant, owner, cat):
    project = catalogue.set_project_logo(tenant=tenant, actor=owner, project_id=cat.project.pk, content=PNG, content_type="image/png")
    assert bytes(project.logo) == PNG
    with pytest.raises(ValidationFailed):
        catalogue.set_project_logo(tenant=tenant, actor=owner, project_id=cat.project.pk, content=b"<script>", content_type="text/html")
    photo = catalogue.add_photo(tenant=tenant, actor=owner, apartment_id=cat.listing.pk, content=PNG, content_type="image/png", caption="Kitchen")
    assert photo.position == 0 and selectors.get_photo(tenant, photo.pk).caption == "Kitchen"
    with pytest.raises(ValidationFailed):
        catalogue.add_photo(tenant=tenant, actor=owner, apartment_id=cat.listing.pk, content=b"x" * (3 * 1024 * 1024), content_type="image/png")


def test_sales_and_customers_do_not_manage_the_catalogue(tenant, sales, buyer, cat):
    for actor in (sales, buyer[0]):
        with pytest.raises(PermissionDenied):
            catalogue.add_apartment(tenant=tenant, actor=actor, name="X", project_id=cat.project.pk, space_sqm="50")
        with pytest.raises(PermissionDenied):
            catalogue.create_package(tenant=tenant, actor=actor, name="X", kind="GOLDEN", price_minor=1)


def test_available_listings_are_the_ones_for_sale(tenant, owner, cat, pending):
    assert [a.pk for a in selectors.available_listings(tenant)] == [cat.listings[1].pk]
    assert selectors.get_project(tenant, cat.project.pk).for_sale_count == 1

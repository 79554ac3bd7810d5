"""Demo data for an apartments tenant (called by `holdfast demo` for skyline-apartments): two projects
and standalone apartments (30 listings, with photos), three templates, the three package levels, addons
in two categories, and bookings in every status with invoices, partial payments and a price change
that cascaded. Idempotent: does nothing when the tenant already has projects."""
from __future__ import annotations

import struct
import zlib

from holdfast.core.customers.models import Customer

from .models import Project
from .services import bookings, catalogue, prices

PALETTE = [(31, 78, 121), (44, 106, 163), (30, 123, 79), (154, 97, 0), (120, 60, 140), (180, 35, 24)]


def png(rgb: tuple[int, int, int], width: int = 96, height: int = 60) -> bytes:
    """A small solid-colour PNG with a lighter 'window' band (no image library needed)."""
    light = tuple(min(255, c + 90) for c in rgb)
    rows = b""
    for y in range(height):
        band = height // 3 <= y < 2 * height // 3
        row = b"".join(bytes(light if band and (x // 12) % 2 == 0 else rgb) for x in range(width))
        rows += b"\x00" + row

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def seed(tenant, users) -> None:
    if Project.objects.for_tenant(tenant).exists():
        return
    admin, sales, portal_user = users["admin"], users.get("sales") or users["admin"], users.get("customer")
    kw = {"tenant": tenant, "actor": admin}
    tower = catalogue.create_project(**kw, name="Skyline Tower", location="Alexanderplatz, Berlin", amenities="Rooftop pool, gym, concierge, underground parking")
    river = catalogue.create_project(**kw, name="Riverside Gardens", location="Treptow, Berlin", amenities="Private park, playground, bike storage")
    catalogue.set_project_logo(**kw, project_id=tower.pk, content=png(PALETTE[0], 48, 48), content_type="image/png")
    catalogue.set_project_logo(**kw, project_id=river.pk, content=png(PALETTE[2], 48, 48), content_type="image/png")

    silver = catalogue.create_package(**kw, name="Silver", kind="SILVER", price_minor=18_000_00, description="Laminate floors, standard kitchen, white tiles")
    gold = catalogue.create_package(**kw, name="Gold", kind="GOLDEN", price_minor=32_000_00, description="Oak parquet, designer kitchen, rain shower")
    platinum = catalogue.create_package(**kw, name="Platinum", kind="PLATINUM", price_minor=55_000_00, description="Stone floors, chef's kitchen, spa bathroom, smart home")
    climate = catalogue.create_category(**kw, name="Climate", max_units=4)
    energy = catalogue.create_category(**kw, name="Energy", max_units=2)
    comfort = catalogue.create_category(**kw, name="Comfort", max_units=6)
    ac = catalogue.create_addon(**kw, name="Air conditioning", addon_type="Air Conditioning 1.5 HP", category_id=climate.pk, unit_price_minor=1_450_00, max_units=3)
    heat = catalogue.create_addon(**kw, name="Floor heating zone", addon_type="Floor heating", category_id=climate.pk, unit_price_minor=900_00, max_units=4)
    solar = catalogue.create_addon(**kw, name="Solar water heating", addon_type="Solar heating system", category_id=energy.pk, unit_price_minor=4_200_00, max_units=1)
    wallbox = catalogue.create_addon(**kw, name="EV wallbox", addon_type="11 kW wallbox", category_id=energy.pk, unit_price_minor=1_300_00, max_units=1)
    lights = catalogue.create_addon(**kw, name="Smart lighting", addon_type="Smart Lighting room kit", category_id=comfort.pk, unit_price_minor=350_00, max_units=6)
    blinds = catalogue.create_addon(**kw, name="Motorised blinds", addon_type="Motorised blinds (window)", category_id=comfort.pk, unit_price_minor=480_00, max_units=6)
    all_packages, all_addons = [silver.pk, gold.pk, platinum.pk], [ac.pk, heat.pk, solar.pk, wallbox.pk, lights.pk, blinds.pk]

    studio = catalogue.add_apartment(**kw, name="Studio", kind="TEMPLATE", space_sqm="38", description="Open studio with kitchenette and balcony",
                                     package_ids=[silver.pk, gold.pk], addon_ids=[ac.pk, lights.pk, blinds.pk])
    two_room = catalogue.add_apartment(**kw, name="Two-room", kind="TEMPLATE", space_sqm="64", description="Living room, bedroom, kitchen, bath, loggia",
                                       package_ids=all_packages, addon_ids=all_addons)
    penthouse = catalogue.add_apartment(**kw, name="Penthouse", kind="TEMPLATE", space_sqm="142", description="Three bedrooms, roof terrace, skyline view",
                                        package_ids=[gold.pk, platinum.pk], addon_ids=all_addons)

    listings = []
    for floor in range(1, 7):
        for unit, template in ((1, studio), (2, two_room), (3, two_room)):
            listings.append(catalogue.add_apartment(**kw, name=f"T-{floor}0{unit}", project_id=tower.pk, template_id=(penthouse if floor == 6 and unit == 1 else template).pk))
    for house in range(1, 11):
        listings.append(catalogue.add_apartment(**kw, name=f"R-{house:02d}", project_id=river.pk, template_id=(two_room if house % 3 else studio).pk))
    for name, space in (("Villa Müggelsee", "180"), ("Loft Kreuzberg", "95")):
        listings.append(catalogue.add_apartment(**kw, name=name, kind="STANDALONE", space_sqm=space, description="Stand-alone residence", package_ids=all_packages, addon_ids=all_addons))
    for i, listing in enumerate(listings):
        catalogue.add_photo(**kw, apartment_id=listing.pk, content=png(PALETTE[i % len(PALETTE)]), content_type="image/png", caption=f"{listing.name}, living room")

    customers = list(Customer.objects.for_tenant(tenant).filter(is_active=True).order_by("id"))
    portal = Customer.objects.for_tenant(tenant).filter(user=portal_user).first() if portal_user else None
    buyers = [c for c in customers if c != portal]

    def book(listing, customer, package=None, addons=None, method="BANK_TRANSFER"):
        ab = bookings.create_booking(**kw, listing_id=listing.pk, customer_id=customer.pk, payment_method=method)
        if package is not None:
            bookings.configure_booking(**kw, booking_id=ab.pk, package_id=package.pk, addons=addons or {})
        return ab

    def step(ab, *names, reason=""):
        for name in names:
            extra = {"reason": reason} if name in ("send_back", "reject") else {}
            bookings.STEPS[name](tenant=tenant, actor=sales if name != "confirm" else admin, booking_id=ab.pk, **extra)

    # Approved and paid in full; approved with a first instalment; approved, nothing paid yet.
    paid = book(listings[0], buyers[0], gold, {ac.pk: 2, lights.pk: 4}, "CARD")
    step(paid, "confirm", "start_review", "approve")
    bookings.record_payment(tenant=tenant, actor=sales, booking_id=paid.pk, amount_minor=_total(tenant, paid.pk), method="CARD", reference="POS-1001")
    part = book(listings[4], buyers[1], platinum, {ac.pk: 3, solar.pk: 1, blinds.pk: 6})
    step(part, "confirm", "start_review", "approve")
    bookings.record_payment(tenant=tenant, actor=sales, booking_id=part.pk, amount_minor=20_000_00, method="BANK_TRANSFER", reference="SEPA-2001")
    bookings.record_payment(tenant=tenant, actor=sales, booking_id=part.pk, amount_minor=7_500_50, method="INVOICE", reference="SEPA-2002")
    unpaid = book(listings[18], buyers[2], silver, {heat.pk: 2})
    step(unpaid, "confirm", "start_review", "approve")

    # Under review (assigned to sales), one with a deposit; one sent back once and now in review again.
    review = book(listings[7], buyers[3], gold, {heat.pk: 3, wallbox.pk: 1})
    step(review, "confirm", "start_review")
    bookings.record_payment(tenant=tenant, actor=sales, booking_id=review.pk, amount_minor=5_000_00, method="CASH", reference="Deposit")
    again = book(listings[19], buyers[4], platinum, {ac.pk: 1, lights.pk: 2})
    step(again, "confirm", "start_review", "send_back", reason="Customer asked for one more AC unit")
    bookings.configure_booking(**kw, booking_id=again.pk, addons={ac.pk: 2, lights.pk: 2})
    step(again, "start_review")

    # In progress: confirmed, invoice issued, waiting for review.
    progress = book(listings[10], buyers[5], silver, {lights.pk: 3, blinds.pk: 2})
    step(progress, "confirm")
    bookings.assign_booking(**kw, booking_id=progress.pk, assignee_id=sales.pk)

    # Pending: the portal customer's own configuration (not confirmed yet), and a fresh booking.
    if portal is not None:
        own = bookings.create_booking(tenant=tenant, actor=portal_user, listing_id=listings[2].pk, payment_method="CARD")
        bookings.configure_booking(tenant=tenant, actor=portal_user, booking_id=own.pk, package_id=gold.pk, addons={ac.pk: 1})
    book(listings[28], buyers[6])

    # Rejected: the listing is for sale again.
    rejected = book(listings[22], buyers[7], gold, {solar.pk: 1})
    step(rejected, "confirm", "reject", reason="Financing not confirmed")

    # A price change after all that: open bookings follow it, approved ones keep their snapshot.
    prices.update_addon(**kw, addon_id=ac.pk, unit_price_minor=1_550_00)


def _total(tenant, booking_id: int) -> int:
    from .selectors import remaining_minor

    return remaining_minor(tenant, booking_id)

"""Demo data for PalletPoint Storage (called by `holdfast demo`): two companies, three facilities in
Malaysia and Singapore with 90 days of slots and per-day policies, features with prices, base rates
with a mid-period rate change, taxes by country (Malaysian SST changing from 6 % to 8 %), a photo,
and bookings in every state with their history, invoices, partial and bulk receipts, and charges of two
confirmed bookings waiting to be invoiced again (their first invoices were voided).
Idempotent: does nothing when the tenant already has facilities."""
from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from holdfast.core.billing import selectors as billing_selectors
from holdfast.core.billing import services as billing
from holdfast.core.billing.models import Invoice
from holdfast.core.customers.models import Customer
from holdfast.core.inventory.models import Hold
from holdfast.kit import clock

from . import services
from .models import Facility
from .services.facilities import DAYS

# A 1×1 PNG: the demo's facility photo (real photos come through the upload form or the API).
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")
WEEKDAYS = {d: [["08:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}


def seed(tenant, users) -> None:
    if Facility.objects.for_tenant(tenant).exists():
        return
    admin, manager, staff, portal_user = users["admin"], users["manager"], users["staff"], users.get("customer")
    today = clock.local_today("Asia/Kuala_Lumpur")
    day = lambda n: today + dt.timedelta(days=n)  # noqa: E731

    pp = services.create_company(tenant=tenant, actor=admin, name="PalletPoint Logistics Sdn Bhd", company_id="PP-MY", organization_id="ORG-1001", address_line1="12 Jalan Kilang",
                                 city="Shah Alam", state="Selangor", country="MY", postal_code="40000", latitude=3.0733, longitude=101.5185, contact_email="ops@palletpoint.demo")
    sg = services.create_company(tenant=tenant, actor=admin, name="PalletPoint Singapore Pte Ltd", company_id="PP-SG", address_line1="8 Tuas Avenue", city="Singapore",
                                 country="SG", postal_code="639000", latitude=1.3294, longitude=103.6468, contact_email="sg@palletpoint.demo")
    common = {"currency": "MYR", "hold_ttl_minutes": 60}
    shah = services.create_facility(tenant=tenant, actor=admin, company_pk=pp.pk, name="Shah Alam Hub", facility_id="FAC-SA", address_line1="12 Jalan Kilang", city="Shah Alam",
                                    state="Selangor", country="MY", latitude=3.0733, longitude=101.5185, time_zone="Asia/Kuala_Lumpur", open_hours=WEEKDAYS, cutoff_time=dt.time(15, 0),
                                    pallet_type="Standard", max_pallet_height_cm="180", max_pallet_width_cm="120", is_featured=True,
                                    description="Racked ambient storage next to the Federal Highway; forklifts and a loading dock.", **common)
    port = services.create_facility(tenant=tenant, actor=admin, company_pk=pp.pk, name="Port Klang Cold Store", facility_id="FAC-PK", address_line1="3 Jalan Pelabuhan", city="Port Klang",
                                    state="Selangor", country="MY", latitude=3.0019, longitude=101.3925, time_zone="Asia/Kuala_Lumpur", open_hours="07:00-19:00", cutoff_time=dt.time(12, 0),
                                    pallet_type="Cold Storage", max_pallet_height_cm="160", description="Chilled and frozen pallets at the port.", **common)
    tuas = services.create_facility(tenant=tenant, actor=admin, company_pk=sg.pk, name="Tuas Warehouse", facility_id="FAC-TU", address_line1="8 Tuas Avenue", city="Singapore",
                                    country="SG", latitude=1.3294, longitude=103.6468, time_zone="Asia/Singapore", open_hours="08:00-17:00", pallet_type="Hazardous",
                                    description="Licensed for hazardous goods (class 3 and 8).", **common)

    # Slots: 90 days each, with the seed's per-slot policies.
    services.open_slots(tenant=tenant, actor=admin, facility_pk=shah.pk, start_date=day(0), end_date=day(90), capacity=120,
                        policy={"free_cancellation": True, "cancellation_minor": 50_00, "cancellation_unit": "HOURS", "cancellation_window": 48})
    services.open_slots(tenant=tenant, actor=admin, facility_pk=port.pk, start_date=day(0), end_date=day(90), capacity=40,
                        policy={"deposit_required": True, "deposit_minor": 100_00, "free_cancellation": True, "cancellation_minor": 80_00, "cancellation_unit": "DAYS", "cancellation_window": 3})
    services.open_slots(tenant=tenant, actor=admin, facility_pk=tuas.pk, start_date=day(0), end_date=day(90), capacity=25, policy={"prepayment_required": True, "cancellation_minor": 100_00})

    # Features (S004) and their prices (S005).
    features = {}
    for code, name, text in (("CCTV", "CCTV", "Recorded camera coverage of every aisle."), ("COLD_STORAGE", "Cold storage", "2–8 °C chilled positions."),
                             ("ACCESS_24H", "24/7 access", "Pick up and drop off at any hour."), ("INSURANCE", "Goods insurance", "Cover for the declared value.")):
        features[code] = services.create_feature(tenant=tenant, actor=admin, code=code, name=name, description=text)
    for facility, codes in ((shah, ["CCTV", "ACCESS_24H", "INSURANCE"]), (port, ["CCTV", "COLD_STORAGE", "INSURANCE"]), (tuas, ["CCTV", "INSURANCE"])):
        for code in codes:
            services.set_facility_feature(tenant=tenant, actor=admin, facility_pk=facility.pk, feature_pk=features[code].pk)
    services.set_facility_feature(tenant=tenant, actor=admin, facility_pk=tuas.pk, feature_pk=features["ACCESS_24H"].pk, is_active=False)
    since = day(-30)
    for code, calc, value in (("CCTV", "FLAT", 25_00), ("COLD_STORAGE", "PALLET_PER_DAY", 3_00), ("ACCESS_24H", "FLAT", 40_00), ("INSURANCE", "PERCENTAGE_ON_BASE", "5")):
        services.set_feature_price(tenant=tenant, actor=admin, feature_pk=features[code].pk, name=f"{features[code].name} standard", calculation=calc, value=value,
                                   effective_from=since, currency="MYR")
    services.set_feature_price(tenant=tenant, actor=admin, feature_pk=features["CCTV"].pk, name="CCTV launch offer", calculation="FLAT", value=0, effective_from=since,
                               effective_to=day(14), currency="MYR", is_promotional=True)

    # Base rates (S006): a general rate, the cold store's own, and a peak rate from day 20.
    services.set_base_price(tenant=tenant, actor=admin, facility_pk=None, name="Standard pallet-day", rate_minor=4_50, effective_from=since)
    services.set_base_price(tenant=tenant, actor=admin, facility_pk=port.pk, name="Cold pallet-day", rate_minor=9_00, effective_from=since)
    services.set_base_price(tenant=tenant, actor=admin, facility_pk=shah.pk, name="Peak season", rate_minor=5_50, effective_from=day(20), effective_to=day(60))
    services.set_base_price(tenant=tenant, actor=admin, facility_pk=tuas.pk, name="Hazardous pallet-day", rate_minor=12_00, effective_from=since)

    # Taxes (S011): SST 6 % rising to 8 % from day 30; Singapore GST 9 %.
    billing.create_tax_rule(tenant=tenant, actor=admin, name="SST", rate="6", effective_from=day(-365), effective_to=day(30), country="MY")
    billing.create_tax_rule(tenant=tenant, actor=admin, name="SST", rate="8", effective_from=day(30), country="MY")
    billing.create_tax_rule(tenant=tenant, actor=admin, name="GST", rate="9", effective_from=day(-365), country="SG")

    # Media (S013).
    services.add_media(tenant=tenant, actor=admin, facility_pk=shah.pk, upload=SimpleUploadedFile("shah-alam-dock.png", PNG, content_type="image/png"), caption="Loading dock")

    customers = list(Customer.objects.for_tenant(tenant).order_by("id"))
    portal = Customer.objects.for_tenant(tenant).filter(user=portal_user).first() if portal_user else None
    others = [c for c in customers if c != portal]

    def hold(facility, customer, start, days, pallets, features_=(), actor=staff):
        hours = Facility.objects.select_related("site").get(pk=facility.pk).site.opening_hours or {}
        while hours and not hours.get(DAYS[day(start).weekday()]):
            start += 1  # pallets are taken in on an open day
        return services.hold_booking(tenant=tenant, actor=actor, facility_pk=facility.pk, start_date=day(start), end_date=day(start + days), pallets=pallets,
                                     features=list(features_), customer_id=customer.pk if actor is not portal_user else None)

    # CONFIRMED and fully paid (a stay across the peak rate: two pricing rows).
    a = hold(shah, others[0], 15, 10, 20, ["CCTV", "INSURANCE"])
    services.confirm_booking(tenant=tenant, actor=manager, booking_id=a.pk)
    inv_a = Invoice.objects.get(booking_id=a.pk)
    services.pay_booking(tenant=tenant, actor=staff, booking_id=a.pk, amount_minor=inv_a.total_minor, method="BANK_TRANSFER", reference="TT-88120")
    # CONFIRMED, partly paid (a receipt for part of the invoice).
    b = hold(shah, others[1], 3, 14, 12, ["ACCESS_24H"])
    services.confirm_booking(tenant=tenant, actor=manager, booking_id=b.pk)
    services.pay_booking(tenant=tenant, actor=staff, booking_id=b.pk, amount_minor=300_00, method="CASH", reference="R-0042")
    # Cold store: deposit before confirmation, then confirmed; two more confirmed for one customer paid in bulk.
    c = hold(port, others[2], 5, 7, 6, ["COLD_STORAGE"])
    services.pay_booking(tenant=tenant, actor=staff, booking_id=c.pk, amount_minor=deposit(tenant, c), method="CARD", reference="DEP-5521")
    services.confirm_booking(tenant=tenant, actor=manager, booking_id=c.pk)
    bulk = []
    for start, days, pallets in ((8, 5, 4), (20, 6, 3)):
        x = hold(port, others[3], start, days, pallets)
        services.pay_booking(tenant=tenant, actor=staff, booking_id=x.pk, amount_minor=deposit(tenant, x), method="CARD", reference=f"DEP-{start}")
        services.confirm_booking(tenant=tenant, actor=manager, booking_id=x.pk)
        bulk.append(Invoice.objects.get(booking_id=x.pk))
    services.record_receipt(tenant=tenant, actor=staff, customer_id=others[3].pk, amount_minor=sum(billing_selectors.invoice_remaining_minor(i) for i in bulk) - 50_00,
                            invoice_ids=[i.pk for i in bulk], method="BANK_TRANSFER", reference="BULK-2031")
    # Tuas: prepaid in full, then confirmed.
    t = hold(tuas, others[4], 10, 4, 5, ["CCTV"])
    services.pay_booking(tenant=tenant, actor=staff, booking_id=t.pk, amount_minor=services_total(tenant, t), method="BANK_TRANSFER", reference="SG-PRE-1")
    services.confirm_booking(tenant=tenant, actor=manager, booking_id=t.pk)
    # HELD: the portal customer's own hold, and one waiting for its deposit.
    if portal_user is not None and portal is not None:
        hold(shah, portal, 7, 5, 8, ["CCTV"], actor=portal_user)
    hold(port, others[5], 12, 3, 10)
    # CANCELLED: a held booking let go, and a confirmed one cancelled inside the window (fee invoiced).
    d = hold(shah, others[6], 25, 5, 10)
    services.cancel_booking(tenant=tenant, actor=staff, booking_id=d.pk, reason="Shipment delayed")
    e = hold(port, others[7], 1, 4, 2)
    services.pay_booking(tenant=tenant, actor=staff, booking_id=e.pk, amount_minor=deposit(tenant, e), method="CARD", reference="DEP-E")
    services.confirm_booking(tenant=tenant, actor=manager, booking_id=e.pk)
    services.cancel_booking(tenant=tenant, actor=manager, booking_id=e.pk, reason="Customer cancelled the day before")
    # Items to invoice: two confirmed bookings whose invoices were voided to correct them; their charges wait to be invoiced again.
    for n, (start, days, pallets) in enumerate(((9, 6, 4), (18, 8, 3))):
        g = hold(shah, others[9 + n], start, days, pallets)
        services.confirm_booking(tenant=tenant, actor=manager, booking_id=g.pk)
        billing.void_invoice(tenant=tenant, actor=manager, invoice_id=Invoice.objects.get(booking_id=g.pk).pk, reason="The customer asked for its purchase-order number on the invoice")
    # EXPIRED: a hold that ran out and was swept.
    f = hold(tuas, others[8], 30, 3, 4)
    Hold.objects.filter(pk=f.booking.hold_id).update(expires_at=timezone.now() - dt.timedelta(minutes=5))  # as time would
    services.expire_booking(tenant=tenant, booking_id=f.pk)


def deposit(tenant, storage) -> int:
    from .selectors import booking_money

    return booking_money(tenant, storage)["required_before_confirmation_minor"]


def services_total(tenant, storage) -> int:
    from .selectors import total_minor

    return total_minor(tenant, storage)

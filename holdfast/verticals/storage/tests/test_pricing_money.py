"""Prices (S005/S006/S007), tax (S011) and invoices / receipts (S012) of storage bookings."""
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from holdfast.core.billing import selectors as billing_selectors
from holdfast.core.billing import services as billing
from holdfast.core.billing.models import Invoice
from holdfast.kit.errors import Conflict, ValidationFailed
from holdfast.verticals.storage import selectors, services
from holdfast.verticals.storage.models import StorageBooking
from holdfast.verticals.storage.services.bookings import quote_params

from .factories import FacilityFactory, FeatureFactory, today

pytestmark = pytest.mark.django_db


def base_lines(tenant, storage):
    quote = selectors.quote_of(tenant, storage)
    return [(line.date_from, line.date_to, line.rate_minor, line.quantity, line.days, line.amount_minor) for line in quote.lines.all() if line.kind == "BASE"]


def book(tenant, facility, start, days, pallets, customer, **kw):
    return services.hold_booking(tenant=tenant, actor=None, facility_pk=facility.pk, start_date=start, end_date=start + dt.timedelta(days=days), pallets=pallets,
                                 customer_id=customer.pk, **kw)


def test_a_rate_change_in_the_middle_of_a_stay_gives_two_pricing_rows(tenant, shipper, facility, tomorrow):
    booked = book(tenant, facility, tomorrow, 6, 2, shipper[1])
    change = tomorrow + dt.timedelta(days=2)
    services.set_base_price(tenant=tenant, actor=None, facility_pk=facility.pk, name="Peak", rate_minor=200, effective_from=change)
    assert base_lines(tenant, booked) == [(tomorrow, change, 150, 2, 2, 600), (change, tomorrow + dt.timedelta(days=6), 200, 2, 4, 1600)]
    assert selectors.quote_of(tenant, booked).subtotal_minor == 2200


def test_a_confirmed_booking_keeps_its_snapshot_after_a_later_price_change(tenant, manager, shipper, shipper2, facility, tomorrow):
    confirmed = book(tenant, facility, tomorrow, 3, 1, shipper[1])
    services.confirm_booking(tenant=tenant, actor=manager, booking_id=confirmed.pk)
    waiting = book(tenant, facility, tomorrow, 3, 1, shipper2[1])
    preview = selectors.repricing_preview(tenant, effective_from=tomorrow)
    assert [b.pk for b in preview["repriced"]] == [waiting.pk] and [b.pk for b in preview["locked"]] == [confirmed.pk]
    services.set_base_price(tenant=tenant, actor=None, facility_pk=facility.pk, name="Dearer", rate_minor=999, effective_from=tomorrow)
    assert selectors.quote_of(tenant, confirmed).subtotal_minor == 450
    assert selectors.quote_of(tenant, waiting).subtotal_minor == 2997
    assert Invoice.objects.get(booking_id=confirmed.pk).total_minor == 450


def test_feature_lines_flat_per_pallet_per_day_and_percentage(tenant, shipper, tomorrow):
    facility = FacilityFactory(tenant=tenant, rate_minor=1000)
    start = today() - dt.timedelta(days=30)
    for code, calc, value in (("CCTV", "FLAT", 500), ("COLD_STORAGE", "PALLET_PER_DAY", 200), ("INSURANCE", "PERCENTAGE_ON_BASE", "10")):
        feature = FeatureFactory(tenant=tenant, code=code, name=code.title())
        services.set_facility_feature(tenant=tenant, actor=None, facility_pk=facility.pk, feature_pk=feature.pk)
        services.set_feature_price(tenant=tenant, actor=None, feature_pk=feature.pk, name=code, calculation=calc, value=value, effective_from=start, facility_pk=facility.pk)
    booked = book(tenant, facility, tomorrow, 2, 3, shipper[1], features=["cctv", "COLD_STORAGE", "INSURANCE"])
    lines = {line.product_code: line.amount_minor for line in selectors.quote_of(tenant, booked).lines.all()}
    assert lines == {"base": 6000, "CCTV": 500, "COLD_STORAGE": 1200, "INSURANCE": 600}
    with pytest.raises(ValidationFailed):
        services.set_feature_price(tenant=tenant, actor=None, feature_pk=feature.pk, name="x", calculation="WEEKLY", value=1, effective_from=start)


def test_a_deactivated_feature_cannot_be_booked(tenant, shipper, facility, tomorrow):
    feature = FeatureFactory(tenant=tenant, code="ACCESS_24H", name="24h access")
    services.set_facility_feature(tenant=tenant, actor=None, facility_pk=facility.pk, feature_pk=feature.pk, is_active=False)
    with pytest.raises(ValidationFailed) as caught:
        book(tenant, facility, tomorrow, 1, 1, shipper[1], features=["ACCESS_24H"])
    assert "features" in caught.value.fields


def test_tax_is_resolved_from_the_facility_location_and_split_at_a_rate_change(tenant, shipper, tomorrow):
    facility = FacilityFactory(tenant=tenant, rate_minor=1000, country="MY", state="Selangor", time_zone="Asia/Kuala_Lumpur", currency="USD")
    change = tomorrow + dt.timedelta(days=2)
    billing.create_tax_rule(tenant=tenant, actor=None, name="SST", rate="6", effective_from=today() - dt.timedelta(days=10), effective_to=change, country="MY")
    billing.create_tax_rule(tenant=tenant, actor=None, name="SST", rate="8", effective_from=change, country="MY")
    billing.create_tax_rule(tenant=tenant, actor=None, name="Elsewhere", rate="20", effective_from=today() - dt.timedelta(days=10), country="DE")
    booked = book(tenant, facility, tomorrow, 4, 1, shipper[1])
    quote = selectors.quote_of(tenant, booked)
    assert sorted((str(line.tax_rate), line.tax_minor) for line in quote.lines.all()) == [("6.00", 120), ("8.00", 160)]
    assert quote.total_minor == 4000 + 280


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(pallets=st.integers(1, 500), days=st.integers(1, 60), rate=st.integers(0, 100_000), change=st.integers(0, 60), second=st.integers(0, 100_000))
def test_quote_invariants(tenant, facility, pallets, days, rate, change, second):
    """Whatever the rates: lines cover every day once, each line is rate × pallets × days, totals add up."""
    from holdfast.core.billing.models import PriceRule

    PriceRule.objects.filter(tenant=tenant).delete()
    start = today() + dt.timedelta(days=1)
    services.set_base_price(tenant=tenant, actor=None, facility_pk=facility.pk, name="a", rate_minor=rate, effective_from=start - dt.timedelta(days=1))
    services.set_base_price(tenant=tenant, actor=None, facility_pk=facility.pk, name="b", rate_minor=second, effective_from=start + dt.timedelta(days=change))
    result = billing.quote(tenant, **quote_params(facility, start_date=start, end_date=start + dt.timedelta(days=days), pallets=pallets, features=[]))
    lines = [line for line in result.lines if line["kind"] == "BASE"] if isinstance(result.lines[0], dict) else [line for line in result.lines if line.kind == "BASE"]
    get = (lambda line, k: line[k]) if isinstance(result.lines[0], dict) else getattr
    assert sum(get(line, "days") for line in lines) == days
    assert all(get(line, "amount_minor") == get(line, "rate_minor") * pallets * get(line, "days") for line in lines)
    assert result.subtotal_minor == sum(get(line, "amount_minor") for line in result.lines)
    assert result.total_minor == result.subtotal_minor + result.tax_minor
    assert len(lines) == (2 if 0 < change < days and rate != second else len(lines))


# ---------------------------------------------------------------- invoices and receipts

def test_one_receipt_pays_several_invoices_and_several_receipts_one(tenant, manager, shipper, facility, tomorrow):
    a = book(tenant, facility, tomorrow, 2, 1, shipper[1])  # 300
    b = book(tenant, facility, tomorrow, 4, 1, shipper[1])  # 600
    for x in (a, b):
        services.confirm_booking(tenant=tenant, actor=manager, booking_id=x.pk)
    inv_a, inv_b = Invoice.objects.get(booking_id=a.pk), Invoice.objects.get(booking_id=b.pk)
    services.record_receipt(tenant=tenant, actor=manager, customer_id=shipper[1].pk, amount_minor=500, invoice_ids=[inv_a.pk, inv_b.pk], reference="BULK-1")
    inv_a.refresh_from_db()
    assert inv_a.status == Invoice.PAID
    assert billing_selectors.invoice_remaining_minor(Invoice.objects.get(pk=inv_b.pk)) == 400
    services.pay_booking(tenant=tenant, actor=manager, booking_id=b.pk, amount_minor=150, reference="P-2")
    services.pay_booking(tenant=tenant, actor=shipper[0], booking_id=b.pk, amount_minor=250, method="CARD")
    assert Invoice.objects.get(pk=inv_b.pk).status == Invoice.PAID
    sb = StorageBooking.objects.get(pk=b.pk)
    assert selectors.booking_money(tenant, sb)["outstanding_minor"] == 0 and selectors.paid_minor(tenant, sb) == 600
    assert len(selectors.booking_receipts(tenant, sb)) == 3
    with pytest.raises(Conflict) as caught:
        services.pay_booking(tenant=tenant, actor=manager, booking_id=b.pk, amount_minor=1)
    assert caught.value.code == "nothing_due"


def test_receipts_refuse_bad_input_and_foreign_customers_invoices(tenant, manager, shipper, shipper2, facility, tomorrow):
    a = book(tenant, facility, tomorrow, 2, 1, shipper[1])
    services.confirm_booking(tenant=tenant, actor=manager, booking_id=a.pk)
    inv = Invoice.objects.get(booking_id=a.pk)
    with pytest.raises(ValidationFailed):
        services.record_receipt(tenant=tenant, actor=manager, customer_id=shipper[1].pk, amount_minor=0, invoice_ids=[inv.pk])
    with pytest.raises(Conflict) as caught:
        services.record_receipt(tenant=tenant, actor=manager, customer_id=shipper2[1].pk, amount_minor=10, invoice_ids=[inv.pk])
    assert caught.value.code == "invoice_not_payable"
    from holdfast.kit.errors import NotFound

    with pytest.raises(NotFound):
        services.pay_booking(tenant=tenant, actor=shipper2[0], booking_id=a.pk, amount_minor=10)

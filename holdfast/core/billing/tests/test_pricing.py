from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from holdfast.core.billing import selectors, services
from holdfast.core.billing.models import PriceLine, PriceRule
from holdfast.kit.errors import Conflict, ValidationFailed

from holdfast.core.inventory.tests.factories import ResourceTypeFactory, SiteFactory

from .factories import D, base_rule, booking

pytestmark = pytest.mark.django_db


def test_quote_splits_into_period_lines_where_the_rate_changes(tenant):
    base_rule(tenant, 1000, D(2026, 1, 1), D(2026, 2, 1))
    base_rule(tenant, 1200, D(2026, 2, 1))
    q = services.quote(tenant, start_date=D(2026, 1, 30), end_date=D(2026, 2, 3), units=3, country="")
    assert [(l["date_from"], l["date_to"], l["days"], l["rate_minor"], l["amount_minor"]) for l in q.lines] == [
        (D(2026, 1, 30), D(2026, 2, 1), 2, 1000, 6000),
        (D(2026, 2, 1), D(2026, 2, 3), 2, 1200, 7200),
    ]
    assert q.subtotal_minor == 13200 and q.tax_minor == 0


def test_overlap_rule_promotional_then_specific_then_latest(tenant):
    site, rtype = SiteFactory(tenant=tenant), ResourceTypeFactory(tenant=tenant)
    rtype.site = site
    rtype.save()
    base_rule(tenant, 1000, D(2026, 1, 1), name="standard")
    base_rule(tenant, 900, D(2026, 1, 1), site_id=site.pk, name="site 7")
    base_rule(tenant, 800, D(2026, 1, 1), site_id=site.pk, resource_type_id=rtype.pk, name="site 7 type 3")
    base_rule(tenant, 850, D(2026, 1, 5), site_id=site.pk, resource_type_id=rtype.pk, name="site 7 type 3 newer")
    base_rule(tenant, 950, D(2026, 1, 3), D(2026, 1, 4), is_promotional=True, name="promo")
    q = services.quote(tenant, start_date=D(2026, 1, 1), end_date=D(2026, 1, 7), site_id=site.pk, resource_type_id=rtype.pk, country="")
    assert [(l["description"], l["days"]) for l in q.lines] == [("site 7 type 3", 2), ("promo", 1), ("site 7 type 3", 1), ("site 7 type 3 newer", 2)]
    other_site = services.quote(tenant, start_date=D(2026, 1, 1), end_date=D(2026, 1, 2), site_id=SiteFactory(tenant=tenant).pk, country="")
    assert other_site.lines[0]["description"] == "standard"


def test_flat_and_percentage_extras_and_tax_per_line(tenant):
    base_rule(tenant, 1000, D(2026, 1, 1))
    services.create_price_rule(tenant=tenant, actor="t", name="Insurance", product_code="insurance", calculation=PriceRule.PERCENTAGE_ON_BASE, percent=Decimal("10"), effective_from=D(2026, 1, 1))
    services.create_price_rule(tenant=tenant, actor="t", name="Handling", product_code="handling", calculation=PriceRule.FLAT, amount_minor=2500, effective_from=D(2026, 1, 1))
    services.create_tax_rule(tenant=tenant, actor="t", name="SST", rate=Decimal("6.00"), country="MY", effective_from=D(2025, 1, 1))
    q = services.quote(tenant, start_date=D(2026, 3, 1), end_date=D(2026, 3, 4), units=5, extras=[{"code": "insurance", "quantity": 1}, {"code": "handling", "quantity": 2}], country="MY")
    amounts = {l["product_code"]: l["amount_minor"] for l in q.lines}
    assert amounts == {"base": 15000, "insurance": 1500, "handling": 5000}
    assert [l["tax_minor"] for l in q.lines] == [900, 90, 300]
    assert (q.subtotal_minor, q.tax_minor, q.total_minor) == (21500, 1290, 22790)
    assert services.quote(tenant, start_date=D(2026, 3, 1), end_date=D(2026, 3, 2), country="SG").tax_minor == 0


def test_tax_rules_by_region_and_effective_date(tenant):
    services.create_tax_rule(tenant=tenant, actor="t", name="Global", rate=Decimal("5"), effective_from=D(2020, 1, 1))
    services.create_tax_rule(tenant=tenant, actor="t", name="DE", rate=Decimal("19"), country="DE", effective_from=D(2020, 1, 1), effective_to=D(2026, 7, 1))
    services.create_tax_rule(tenant=tenant, actor="t", name="DE new", rate=Decimal("20"), country="DE", effective_from=D(2026, 7, 1))
    services.create_tax_rule(tenant=tenant, actor="t", name="Bavaria", rate=Decimal("21"), country="DE", region="BY", effective_from=D(2020, 1, 1))
    from holdfast.core.billing.services.pricing import resolve_tax

    assert resolve_tax(tenant, day=D(2026, 6, 30), country="DE").name == "DE"
    assert resolve_tax(tenant, day=D(2026, 7, 1), country="DE").name == "DE new"
    assert resolve_tax(tenant, day=D(2026, 7, 1), country="DE", region="BY").name == "Bavaria"
    assert resolve_tax(tenant, day=D(2026, 7, 1), country="FR").name == "Global"


def test_gap_in_rules_is_a_clear_refusal(tenant):
    base_rule(tenant, 1000, D(2026, 1, 1), D(2026, 1, 3))
    with pytest.raises(ValidationFailed) as exc:
        services.quote(tenant, start_date=D(2026, 1, 1), end_date=D(2026, 1, 5))
    assert exc.value.code == "no_price_rule" and "2026-01-03" in exc.value.detail


def test_base_price_change_reprices_unlocked_quotes_and_never_locked_ones(tenant):
    rule = base_rule(tenant, 1000, D(2026, 1, 1))
    open_q = services.price_booking(tenant=tenant, actor="t", booking_id=1, source="storage.booking", start_date=D(2026, 5, 1), end_date=D(2026, 5, 3), units=2, country="")
    locked_q = services.price_booking(tenant=tenant, actor="t", booking_id=2, source="storage.booking", start_date=D(2026, 5, 1), end_date=D(2026, 5, 3), units=2, country="")
    services.lock_quote(tenant=tenant, actor="t", quote_id=locked_q.pk)
    updated = services.update_price_rule(tenant=tenant, actor="t", rule_id=rule.pk, version=rule.version, amount_minor=1500)
    assert updated.reprice_outcome["repriced"] == [open_q.pk]
    open_q.refresh_from_db()
    locked_q.refresh_from_db()
    assert open_q.total_minor == 6000 and locked_q.total_minor == 4000
    assert list(locked_q.lines.values_list("rate_minor", flat=True)) == [1000]
    with pytest.raises(Conflict):
        services.price_booking(tenant=tenant, actor="t", booking_id=2, source="storage.booking", start_date=D(2026, 5, 1), end_date=D(2026, 5, 4), country="")


def test_locked_price_lines_refuse_changes(tenant):
    base_rule(tenant, 1000, D(2026, 1, 1))
    q = services.price_booking(tenant=tenant, actor="t", booking_id=3, source="s", start_date=D(2026, 5, 1), end_date=D(2026, 5, 2), country="")
    services.lock_quote(tenant=tenant, actor="t", quote_id=q.pk)
    line = q.lines.get()
    line.amount_minor = 1
    with pytest.raises(Conflict):
        line.save()


@pytest.mark.pg_only
def test_database_refuses_editing_a_locked_line_behind_the_service(tenant):
    base_rule(tenant, 1000, D(2026, 1, 1))
    q = services.price_booking(tenant=tenant, actor="t", booking_id=4, source="s", start_date=D(2026, 5, 1), end_date=D(2026, 5, 2), country="")
    services.lock_quote(tenant=tenant, actor="t", quote_id=q.pk)
    with pytest.raises(IntegrityError), transaction.atomic():
        PriceLine.objects.filter(quote=q).update(amount_minor=1)


def test_rule_validation_answers_with_fields(tenant):
    with pytest.raises(ValidationFailed) as exc:
        services.create_price_rule(tenant=tenant, actor="t", name="", amount_minor=-1, effective_from=D(2026, 1, 2), effective_to=D(2026, 1, 1))
    assert {"name", "amount_minor", "effective_to"} <= set(exc.value.fields)
    with pytest.raises(ValidationFailed):
        services.create_price_rule(tenant=tenant, actor="t", name="x", calculation=PriceRule.PERCENTAGE_ON_BASE, percent=5, effective_from=D(2026, 1, 1))


def test_quotes_are_tenant_scoped(tenant, other_tenant):
    base_rule(tenant, 1000, D(2026, 1, 1))
    q = services.price_booking(tenant=tenant, actor="t", booking_id=5, source="s", start_date=D(2026, 5, 1), end_date=D(2026, 5, 2), country="")
    from holdfast.kit.errors import NotFound

    with pytest.raises(NotFound):
        selectors.get_quote(other_tenant, q.pk)
    with pytest.raises(ValidationFailed):
        services.quote(other_tenant, start_date=D(2026, 5, 1), end_date=D(2026, 5, 2))


def test_locked_quote_is_billed_line_by_line_with_its_snapshotted_tax(tenant, customer):
    base_rule(tenant, 1000, D(2026, 1, 1), D(2026, 5, 2))
    base_rule(tenant, 1100, D(2026, 5, 2))
    services.create_tax_rule(tenant=tenant, actor="t", name="VAT", rate=Decimal("19"), country="DE", effective_from=D(2020, 1, 1))
    stay = booking(tenant, customer)
    q = services.price_booking(tenant=tenant, actor="t", booking_id=stay.pk, source="hotel.reservation", customer_id=customer.pk, start_date=D(2026, 5, 1), end_date=D(2026, 5, 4), country="DE")
    with pytest.raises(Conflict):
        services.items_from_quote(tenant=tenant, actor="t", quote_id=q.pk)
    q = services.lock_quote(tenant=tenant, actor="t", quote_id=q.pk)
    items = services.items_from_quote(tenant=tenant, actor="t", quote_id=q.pk)
    assert [i.amount_minor for i in items] == [1000, 2200]
    assert services.items_from_quote(tenant=tenant, actor="t", quote_id=q.pk) == items  # idempotent
    inv = services.create_invoice(tenant=tenant, actor="t", customer_id=customer.pk, item_ids=[i.pk for i in items])
    assert (inv.subtotal_minor, inv.tax_minor, inv.total_minor) == (q.subtotal_minor, q.tax_minor, q.total_minor) == (3200, 608, 3808)
    assert inv.booking_id == stay.pk


def test_rule_change_reprices_only_quotes_it_can_touch(tenant):
    base_rule(tenant, 1000, D(2026, 1, 1))
    services.create_price_rule(tenant=tenant, actor="t", name="Insurance", product_code="insurance", calculation=PriceRule.FLAT, amount_minor=100, effective_from=D(2026, 1, 1))
    march = services.price_booking(tenant=tenant, actor="t", booking_id=1, source="s", start_date=D(2026, 3, 1), end_date=D(2026, 3, 3), country="")
    june = services.price_booking(tenant=tenant, actor="t", booking_id=2, source="s", start_date=D(2026, 6, 1), end_date=D(2026, 6, 3), extras=[{"code": "insurance", "quantity": 1}], country="")
    promo = base_rule(tenant, 500, D(2026, 6, 1), D(2026, 7, 1), is_promotional=True)
    assert promo.reprice_outcome["repriced"] == [june.pk]
    extra = services.create_price_rule(tenant=tenant, actor="t", name="Insurance 2", product_code="insurance", calculation=PriceRule.FLAT, amount_minor=300, effective_from=D(2026, 2, 1))
    assert extra.reprice_outcome["repriced"] == [june.pk]
    june.refresh_from_db()
    assert june.total_minor == 2 * 500 + 300


@pytest.mark.django_db
def test_a_stay_across_a_tax_change_is_taxed_per_period(tenant):
    """A per-day line is split where the tax rule in force changes; each part carries its own rate."""
    import datetime as dt

    from holdfast.core.billing import services as billing_services

    start = dt.date(2031, 3, 1)
    billing_services.create_price_rule(tenant=tenant, actor=None, name="Night", amount_minor=1000, effective_from=start)
    billing_services.create_tax_rule(tenant=tenant, actor=None, name="VAT", rate="10", effective_from=start, effective_to=start + dt.timedelta(days=2))
    billing_services.create_tax_rule(tenant=tenant, actor=None, name="VAT", rate="20", effective_from=start + dt.timedelta(days=2))
    result = billing_services.quote(tenant, start_date=start, end_date=start + dt.timedelta(days=5), country="", region="")
    assert [(line["days"], line["amount_minor"], str(line["tax_rate"]), line["tax_minor"]) for line in result.lines] == [(2, 2000, "10.00", 200), (3, 3000, "20.00", 600)]
    assert (result.subtotal_minor, result.tax_minor) == (5000, 800)

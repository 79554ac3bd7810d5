"""Each night of a stay is priced at its own rate (issue 14): billing's quote() over the rate plan's nightly
prices, each night taxed at the tax rule in force that night; the folio posts each night's own rate."""
import datetime as dt
from decimal import Decimal

import pytest

from holdfast.core.billing import services as billing
from holdfast.core.billing.models import LedgerEntry
from holdfast.verticals.hotel import services
from holdfast.verticals.hotel.services.folio import folio_account

from .factories import book, today

pytestmark = pytest.mark.django_db


def _third_night_at(tenant, h, cents):
    third = today() + dt.timedelta(days=3)
    services.set_rate_price(tenant=tenant, actor=None, rate_plan_id=h.plan.pk, room_type_id=h.dbl.pk, start_date=third, end_date=third + dt.timedelta(days=1), nightly_base_cents=cents)


def test_rates_that_differ_by_night_are_not_averaged(tenant, h):
    _third_night_at(tenant, h, 15000)
    res = book(tenant, h, nights=(1, 4), room=h.rooms["101"])
    assert (res.subtotal_cents, res.total_cents) == (35000, 35000)  # 100 + 100 + 150, not 116.67 × 3 = 350.01
    assert [n["rate_cents"] for n in res.night_rates] == [10000, 10000, 15000]
    assert res.rates_vary


def test_the_folio_posts_each_nights_own_rate_and_tax(tenant, h, travel):
    billing.create_tax_rule(tenant=tenant, actor=None, name="VAT", rate=Decimal("7"), country=tenant.country or "", effective_from=today() - dt.timedelta(days=60))
    _third_night_at(tenant, h, 15000)
    res = book(tenant, h, nights=(1, 4), room=h.rooms["101"])
    assert res.tax_cents == 700 + 700 + 1050
    travel(1)
    services.check_in(tenant=tenant, actor=None, reservation_id=res.pk)
    travel(4)
    services.record_folio_payment(tenant=tenant, actor=None, reservation_id=res.pk, amount_cents=res.total_cents, method="CARD")
    services.check_out(tenant=tenant, actor=None, reservation_id=res.pk)
    entries = LedgerEntry.objects.filter(account=folio_account(tenant, res))
    assert sorted(e.amount_minor for e in entries if e.code == "ROOM_CHARGE") == [10000, 10000, 15000]
    assert sorted(e.amount_minor for e in entries if e.code == "TAX") == [700, 700, 1050]
    assert folio_account(tenant, res).balance_minor == 0


def test_each_night_is_taxed_at_the_rule_in_force_that_night(tenant, h):
    change = today() + dt.timedelta(days=2)
    billing.create_tax_rule(tenant=tenant, actor=None, name="VAT", rate=Decimal("10"), country=tenant.country or "", effective_from=today() - dt.timedelta(days=60), effective_to=change)
    billing.create_tax_rule(tenant=tenant, actor=None, name="VAT", rate=Decimal("20"), country=tenant.country or "", effective_from=change)
    res = book(tenant, h, nights=(1, 4))
    assert res.tax_cents == 1000 + 2000 + 2000
    assert [n["tax_cents"] for n in res.night_rates] == [1000, 2000, 2000]


def test_billing_quote_taxes_each_day_at_its_own_rate(tenant):
    start = dt.date(2027, 3, 30)
    billing.create_price_rule(tenant=tenant, actor=None, name="Day", amount_minor=1000, effective_from=dt.date(2027, 1, 1))
    billing.create_tax_rule(tenant=tenant, actor=None, name="Old", rate=Decimal("5"), effective_from=dt.date(2027, 1, 1), effective_to=dt.date(2027, 4, 1))
    billing.create_tax_rule(tenant=tenant, actor=None, name="New", rate=Decimal("25"), effective_from=dt.date(2027, 4, 1))
    result = billing.quote(tenant, start_date=start, end_date=start + dt.timedelta(days=4), country="", region="")
    assert result.subtotal_minor == 4000
    assert result.tax_minor == 2 * 50 + 2 * 250  # two days at 5 %, two at 25 %, not four at the first day's 5 %
    assert [(line["days"], line["tax_name"]) for line in result.lines] == [(2, "Old"), (2, "New")]


def test_extending_a_stay_keeps_the_fixed_nights_and_prices_the_new_one(tenant, h):
    res = book(tenant, h, nights=(1, 3), room=h.rooms["101"])
    _third_night_at(tenant, h, 15000)
    res = services.resize_reservation(tenant=tenant, actor=None, reservation_id=res.pk, check_out_date=today() + dt.timedelta(days=4))
    assert [n["rate_cents"] for n in res.night_rates] == [10000, 10000, 15000] and res.subtotal_cents == 35000

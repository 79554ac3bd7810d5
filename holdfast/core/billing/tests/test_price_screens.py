"""Price rule, tax rule and quote preview screens: access, validation next to fields, create/edit/end."""
import datetime as dt
from decimal import Decimal

import pytest

from holdfast.core.audit.models import AuditEntry
from holdfast.core.billing import services
from holdfast.core.billing.models import PriceRule, TaxRule
from holdfast.core.inventory.models import ResourceType, Site
from tests.factories import member

from .factories import base_rule

pytestmark = pytest.mark.django_db
D = dt.date


def rule_form(**overrides):
    data = {"name": "Summer", "product_code": "base", "calculation": "PER_UNIT_PER_DAY", "amount": "12.50", "currency": "USD", "effective_from": "2026-06-01", "effective_to": ""}
    return {**data, **overrides}


def test_owner_creates_a_site_scoped_promotional_rule_in_minor_units(web_as, owner, tenant):
    site = Site.objects.create(tenant=tenant, name="Harbour North")
    c = web_as(owner)
    page = c.get("/billing/prices/new/")
    assert page.status_code == 200 and b"Harbour North" in page.content and b"A promotional rule beats a standard one" in page.content
    response = c.post("/billing/prices/new/", rule_form(site_id=site.pk, is_promotional="on"))
    assert response.status_code == 302
    rule = PriceRule.objects.get()
    assert (rule.amount_minor, rule.site_id, rule.is_promotional, rule.effective_from) == (1250, site.pk, True, D(2026, 6, 1))
    listing = c.get("/billing/prices/")
    assert b"Harbour North" in listing.content and b"USD 12.50" in listing.content and b"Promotional" in listing.content


def test_service_refusals_show_next_to_their_fields_and_nothing_is_saved(web_as, owner):
    c = web_as(owner)
    response = c.post("/billing/prices/new/", rule_form(name="", amount="", effective_to="2026-05-01"))
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert set(errors) >= {"name", "amount", "effective_to"} and errors["amount"] == ["Give an amount of zero or more, e.g. 12.50."]
    assert b"Must be after effective_from" in response.content and b'class="field-error"' in response.content
    percent = c.post("/billing/prices/new/", rule_form(calculation="PERCENTAGE_ON_BASE", amount="", percent="10"))
    assert percent.status_code == 422 and "calculation" in percent.context["form"].errors
    assert not PriceRule.objects.exists()


def test_edit_saves_with_the_version_and_a_stale_version_is_refused(web_as, owner, tenant):
    rule = base_rule(tenant, 1000, D(2026, 1, 1), name="Standard")
    c = web_as(owner)
    page = c.get(f"/billing/prices/{rule.pk}/")
    assert page.status_code == 200 and page.context["form"].initial["amount"] == Decimal("10.00")
    saved = c.post(f"/billing/prices/{rule.pk}/", rule_form(name="Standard", amount="11.00", effective_from="2026-01-01", version=rule.version, is_active="on"))
    assert saved.status_code == 302
    rule.refresh_from_db()
    assert (rule.amount_minor, rule.version, rule.is_active) == (1100, 2, True)
    stale = c.post(f"/billing/prices/{rule.pk}/", rule_form(name="Standard", amount="99.00", effective_from="2026-01-01", version=1, is_active="on"))
    assert stale.status_code == 409 and b"Someone else changed this price rule" in stale.content
    rule.refresh_from_db()
    assert rule.amount_minor == 1100
    assert AuditEntry.objects.filter(action="billing.price_rule.updated").count() == 1


def test_ending_a_rule_sets_its_exclusive_end_and_without_a_date_deactivates_it(web_as, owner, tenant):
    rule = base_rule(tenant, 1000, D(2026, 1, 1))
    c = web_as(owner)
    assert c.post(f"/billing/prices/{rule.pk}/end/", {"end_on": "2026-03-01", "version": rule.version}).status_code == 302
    rule.refresh_from_db()
    assert (rule.effective_to, rule.is_active) == (D(2026, 3, 1), True)
    too_early = c.post(f"/billing/prices/{rule.pk}/end/", {"end_on": "2025-12-01", "version": rule.version}, follow=True)
    assert b"Must be after effective_from" in too_early.content
    assert c.post(f"/billing/prices/{rule.pk}/end/", {"end_on": "", "version": rule.version}).status_code == 302
    rule.refresh_from_db()
    assert (rule.effective_to, rule.is_active) == (D(2026, 3, 1), False)


def test_list_filters_by_day_in_force_scope_promotion_and_state(web_as, owner, tenant):
    site = Site.objects.create(tenant=tenant, name="Quay")
    base_rule(tenant, 1000, D(2026, 1, 1), D(2026, 2, 1), name="January")
    base_rule(tenant, 2000, D(2026, 2, 1), name="From February", site_id=site.pk)
    base_rule(tenant, 500, D(2026, 1, 10), D(2026, 1, 20), name="Sale", is_promotional=True)
    old = base_rule(tenant, 3000, D(2025, 1, 1), name="Retired")
    services.update_price_rule(tenant=tenant, actor="t", rule_id=old.pk, version=old.version, is_active=False)
    c = web_as(owner)

    def names(query):
        return {r.name for r in c.get(f"/billing/prices/?{query}").context["page"]}

    assert names("") == {"January", "From February", "Sale"}
    assert names("on=2026-01-15") == {"January", "Sale"}
    assert names("scope=site") == {"From February"}
    assert names("scope=tenant&promotional=no") == {"January"}
    assert names("promotional=yes") == {"Sale"}
    assert names("status=inactive") == {"Retired"}


def test_tax_rules_are_created_edited_and_ended_with_field_errors(web_as, owner, tenant):
    c = web_as(owner)
    bad = c.post("/billing/prices/taxes/new/", {"name": "VAT", "rate": "150", "country": "", "region": "Madeira", "effective_from": "2026-01-01"})
    assert bad.status_code == 422 and set(bad.context["form"].errors) >= {"rate", "region"}
    assert c.post("/billing/prices/taxes/new/", {"name": "VAT", "rate": "23", "country": "pt", "effective_from": "2026-01-01"}).status_code == 302
    tax = TaxRule.objects.get()
    assert (tax.rate, tax.country) == (Decimal("23.00"), "PT")
    edited = c.post(f"/billing/prices/taxes/{tax.pk}/", {"version": tax.version, "name": "VAT Madeira", "rate": "22", "country": "PT", "region": "Madeira", "effective_from": "2026-01-01", "is_active": "on"})
    assert edited.status_code == 302
    tax.refresh_from_db()
    assert (tax.rate, tax.region, tax.version) == (Decimal("22.00"), "Madeira", 2)
    assert c.post(f"/billing/prices/taxes/{tax.pk}/end/", {"end_on": "2026-07-01", "version": tax.version}).status_code == 302
    tax.refresh_from_db()
    assert tax.effective_to == D(2026, 7, 1)
    listing = c.get("/billing/prices/taxes/?on=2026-08-01")
    assert listing.status_code == 200 and list(listing.context["page"]) == []
    in_force = c.get("/billing/prices/taxes/?on=2026-03-01")
    assert b"VAT Madeira" in in_force.content and [i["label"] for i in in_force.context["nav_items"] if i["active"]] == ["Prices"]


def test_quote_preview_shows_period_lines_and_tax(web_as, owner, tenant):
    rtype = ResourceType.objects.create(tenant=tenant, name="Bay")
    base_rule(tenant, 1000, D(2026, 1, 1), name="Winter")
    base_rule(tenant, 1500, D(2026, 1, 5), name="Bay peak", resource_type_id=rtype.pk)
    services.create_tax_rule(tenant=tenant, actor="t", name="VAT", rate=Decimal("10"), effective_from=D(2020, 1, 1))
    c = web_as(owner)
    response = c.get("/billing/prices/quote/", {"resource_type_id": rtype.pk, "start_date": "2026-01-03", "end_date": "2026-01-07", "units": 2, "product_quantity": 1})
    assert response.status_code == 200
    result = response.context["result"]
    assert [(line["description"], line["days"]) for line in result.lines] == [("Winter", 2), ("Bay peak", 2)]
    assert (result.subtotal_minor, result.tax_minor) == (2 * 2 * 1000 + 2 * 2 * 1500, 1000)
    assert b"USD 110.00" in response.content and b"VAT (10" in response.content


def test_quote_preview_without_a_covering_rule_explains_instead_of_failing(web_as, owner, tenant):
    c = web_as(owner)
    response = c.get("/billing/prices/quote/", {"start_date": "2026-01-03", "end_date": "2026-01-02", "units": 1})
    assert response.status_code == 422 and "end_date" in response.context["form"].errors
    missing = c.get("/billing/prices/quote/", {"start_date": "2026-01-03", "end_date": "2026-01-05", "units": 1})
    assert missing.status_code == 422 and b"No price rule covers the base price" in missing.content


def test_readers_see_rules_but_only_price_managers_change_them(web_as, tenant, staff_member):
    rule = base_rule(tenant, 1000, D(2026, 1, 1))
    reader = web_as(member(tenant, "sales", email="sales@harbour.test"))
    listing = reader.get("/billing/prices/")
    assert listing.status_code == 200 and b"New price rule" not in listing.content
    assert reader.get("/billing/prices/taxes/").status_code == 200
    assert reader.get("/billing/prices/quote/").status_code == 200
    assert reader.get("/billing/prices/new/").status_code == 403
    assert reader.post(f"/billing/prices/{rule.pk}/end/", {"end_on": ""}).status_code == 403
    assert reader.post("/billing/prices/taxes/new/", {"name": "X", "rate": "1", "effective_from": "2026-01-01"}).status_code == 403
    staff = web_as(staff_member)
    assert staff.get("/billing/prices/").status_code == 403 and staff.get("/billing/prices/quote/").status_code == 403
    rule.refresh_from_db()
    assert rule.is_active and not TaxRule.objects.exists()


def test_outsiders_cannot_see_or_touch_another_businesss_rules(web_as, outsider, tenant):
    rule = base_rule(tenant, 1000, D(2026, 1, 1), name="Harbour base")
    tax = services.create_tax_rule(tenant=tenant, actor="t", name="Harbour VAT", rate=Decimal("5"), effective_from=D(2026, 1, 1))
    c = web_as(outsider)
    assert b"Harbour base" not in c.get("/billing/prices/?status=all").content
    assert c.get(f"/billing/prices/{rule.pk}/").status_code == 404
    assert c.post(f"/billing/prices/{rule.pk}/end/", {"end_on": ""}).status_code == 404
    assert c.post(f"/billing/prices/taxes/{tax.pk}/", {"name": "x", "rate": "1", "effective_from": "2026-01-01"}).status_code == 404
    rule.refresh_from_db()
    assert rule.is_active and rule.version == 1


def test_billing_screens_are_in_the_sidebar_before_administration(web_as, owner, staff_member):
    items = web_as(owner).get("/billing/prices/").context["nav_items"]
    labels = [i["label"] for i in items]
    assert labels[labels.index("Invoices"):labels.index("Invoices") + 5] == ["Invoices", "Payments", "Ledgers", "Finance", "Prices"]
    assert labels.index("Prices") < labels.index("Team")
    assert [i["label"] for i in items if i["active"]] == ["Prices"]
    staff_labels = {i["label"] for i in web_as(staff_member).get("/").context["nav_items"]}
    assert not staff_labels & {"Payments", "Ledgers", "Finance", "Prices"}


def test_tax_rules_are_changed_through_the_api_by_price_managers_only(owner_api, staff_api, outsider_api, tenant):
    tax = services.create_tax_rule(tenant=tenant, actor="t", name="VAT", rate=Decimal("5"), effective_from=D(2026, 1, 1))
    assert staff_api.patch(f"/api/v1/billing/tax-rules/{tax.pk}", {"version": 1, "rate": "7"}).status_code == 403
    assert outsider_api.patch(f"/api/v1/billing/tax-rules/{tax.pk}", {"version": 1, "rate": "7"}).status_code == 404
    bad = owner_api.patch(f"/api/v1/billing/tax-rules/{tax.pk}", {"version": 1, "effective_to": "2025-06-01"})
    assert bad.status_code == 422 and "effective_to" in bad.json()["errors"]
    ok = owner_api.patch(f"/api/v1/billing/tax-rules/{tax.pk}", {"version": 1, "rate": "7", "effective_to": "2026-07-01"})
    assert ok.status_code == 200 and ok.json()["effective_to"] == "2026-07-01" and ok.json()["version"] == 2
    tax.refresh_from_db()
    assert (tax.rate, tax.effective_to) == (Decimal("7.00"), D(2026, 7, 1))


def test_a_stale_tax_rule_edit_is_refused_through_the_api_with_the_current_version(owner_api, tenant):
    tax = services.create_tax_rule(tenant=tenant, actor="t", name="VAT", rate=Decimal("5"), effective_from=D(2026, 1, 1))
    url = f"/api/v1/billing/tax-rules/{tax.pk}"
    assert owner_api.patch(url, {"rate": "6"}).status_code == 422  # the version is required
    assert owner_api.patch(url, {"version": 1, "rate": "6"}).status_code == 200
    stale = owner_api.patch(url, {"version": 1, "rate": "9"})
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version" and stale.json()["current_version"] == 2
    tax.refresh_from_db()
    assert (tax.rate, tax.version) == (Decimal("6.00"), 2)


def test_the_tax_rule_screen_sends_its_version_and_a_stale_save_is_refused(web_as, owner, tenant):
    tax = services.create_tax_rule(tenant=tenant, actor="t", name="VAT", rate=Decimal("5"), effective_from=D(2026, 1, 1))
    c = web_as(owner)
    page = c.get(f"/billing/prices/taxes/{tax.pk}/")
    assert page.status_code == 200 and b'name="version" value="1"' in page.content
    services.update_tax_rule(tenant=tenant, actor="t", rule_id=tax.pk, version=1, rate=Decimal("6"))
    stale = c.post(f"/billing/prices/taxes/{tax.pk}/", {"version": 1, "name": "VAT", "rate": "9", "effective_from": "2026-01-01", "is_active": "on"})
    assert stale.status_code == 409 and b"Someone else changed this tax rule" in stale.content
    assert c.post(f"/billing/prices/taxes/{tax.pk}/end/", {"end_on": "", "version": 1}).status_code == 302
    tax.refresh_from_db()
    assert (tax.rate, tax.version, tax.is_active) == (Decimal("6.00"), 2, True)

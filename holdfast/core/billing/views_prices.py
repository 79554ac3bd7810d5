"""Price and tax rule screens: list with filters, create, edit (optimistic version for price rules),
end or deactivate, and a quote preview. Thin: the pricing services validate and decide."""
from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from holdfast.core.accounts.views import can, page_of, querystring_without_page, require, show_refusal
from holdfast.kit.errors import DomainError, ValidationFailed
from holdfast.kit import dates

from . import selectors, services
from .forms import EndRuleForm, PriceRuleForm, QuotePreviewForm, TaxRuleForm
from .services.pricing import OVERLAP_RULE, TAX_RULE

STALE_MESSAGE = ("Someone else changed this price rule while you were editing, so nothing was saved. "
                 "Reload the page to see their version, then make your change again.")
TAX_STALE_MESSAGE = STALE_MESSAGE.replace("price rule", "tax rule")
YES_NO = {"yes": True, "no": False}
ACTIVE = {"active": True, "inactive": False}


def _apply_refusal(form, exc: DomainError) -> None:
    """Field errors next to their fields (service names mapped to form names), the rest on top."""
    placed = False
    for name, errors in (getattr(exc, "fields", None) or {}).items():
        name = form.SERVICE_NAMES.get(name, name)
        if name in form.fields:
            form.add_error(name, getattr(form, "SERVICE_MESSAGES", {}).get(name) or list(errors))
            placed = True
    if not placed:
        form.add_error(None, exc.detail)


def _date(value: str):
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _filters(request) -> dict:
    g = request.GET
    return {"status": g.get("status", "active"), "on": _date(g.get("on", "")), "scope": g.get("scope", ""), "promotional": g.get("promotional", ""), "product": g.get("product", "").strip()}


def _label_scopes(tenant, rules) -> None:
    """Name each rule's scope (billing keeps plain ids; inventory knows the names)."""
    from holdfast.core.inventory import selectors as inventory

    rules = list(rules)
    sites = dict(inventory.sites(tenant).filter(pk__in={r.site_id for r in rules if r.site_id}).values_list("pk", "name"))
    types = dict(inventory.resource_types(tenant).filter(pk__in={r.resource_type_id for r in rules if r.resource_type_id}).values_list("pk", "name"))
    for rule in rules:
        parts = ([sites.get(rule.site_id, f"site #{rule.site_id}")] if rule.site_id else []) + ([types.get(rule.resource_type_id, f"type #{rule.resource_type_id}")] if rule.resource_type_id else [])
        rule.scope_label = " · ".join(parts) or "Business-wide"


# ---------------------------------------------------------------- price rules


@login_required
def price_rule_list(request):
    tenant = require(request, "billing.view")
    f = _filters(request)
    qs = selectors.price_rules(tenant, product_code=f["product"] or None, active=ACTIVE.get(f["status"]), on=f["on"], scope=f["scope"] or None, promotional=YES_NO.get(f["promotional"]))
    page = page_of(request, qs)
    _label_scopes(tenant, page.object_list)
    return render(request, "billing/price_rules.html", {"page": page, "f": f, "qs": querystring_without_page(request), "overlap_rule": OVERLAP_RULE,
                                                         "today": selectors.tenant_today(tenant), "can_manage": can(request, "billing.manage_prices"), "end_form": EndRuleForm()})


@login_required
def price_rule_create(request):
    tenant = require(request, "billing.manage_prices")
    return _save_rule_form(request, tenant, PriceRuleForm(request.POST or None, tenant=tenant), None, services.create_price_rule,
                           lambda rule: f"Price rule “{rule.name}” created; {len(rule.reprice_outcome['repriced'])} unlocked quote(s) re-priced.",
                           "billing:price_rules", "billing/price_rule_form.html", {"overlap_rule": OVERLAP_RULE}, STALE_MESSAGE)


@login_required
def price_rule_edit(request, rule_id: int):
    tenant = require(request, "billing.manage_prices")
    rule = selectors.get_price_rule(tenant, rule_id)
    return _save_rule_form(request, tenant, PriceRuleForm(request.POST or None, tenant=tenant, initial=PriceRuleForm.initial_for(rule)), rule, services.update_price_rule,
                           lambda rule: f"Price rule “{rule.name}” saved; {len(rule.reprice_outcome['repriced'])} unlocked quote(s) re-priced.",
                           "billing:price_rules", "billing/price_rule_form.html", {"overlap_rule": OVERLAP_RULE}, STALE_MESSAGE)


def _save_rule_form(request, tenant, form, rule, save, success, list_url: str, template: str, context: dict, stale_message: str):
    """Create (`rule` None) or edit a price or tax rule from its form. Saved: a message and back to the
    list. Refused: the form again with the refusal on it (a stale edit 409, anything else 422)."""
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.service_data()
        try:
            if rule is None:
                data.pop("is_active")  # a new rule is active
                saved = save(tenant=tenant, actor=request.user, **data)
            else:
                saved = save(tenant=tenant, actor=request.user, rule_id=rule.pk, version=form.cleaned_data["version"] or 0, **data)
        except DomainError as exc:
            status = _refuse_edit(form, exc, stale_message)
        else:
            messages.success(request, success(saved))
            return redirect(list_url)
    if form.errors and status == 200:
        status = 422
    end_form = EndRuleForm(initial={"version": rule.version}) if rule else None
    return render(request, template, {"form": form, "rule": rule, "end_form": end_form, **context}, status=status)


def _refuse_edit(form, exc: DomainError, stale_message: str) -> int:
    """Put a service refusal on an edit form; the HTTP status to answer with (stale → 409)."""
    if exc.code == "stale_version":
        form.add_error(None, stale_message)
        return 409
    _apply_refusal(form, exc)
    return 422


def _end_rule(request, tenant, rule, update, kind: str, detail_url: str, list_url: str):
    """End a price or tax rule on a date (exclusive), or deactivate it when no date is given."""
    form = EndRuleForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationFailed("Give a valid end date.", fields=form.errors)
        end_on, version = form.cleaned_data["end_on"], form.cleaned_data["version"]
        changes = {"effective_to": end_on} if end_on else {"is_active": False}
        rule = update(tenant=tenant, actor=request.user, rule_id=rule.pk, version=rule.version if version is None else version, **changes)
    except DomainError as exc:
        show_refusal(request, _readable(exc))
        return redirect(detail_url, rule_id=rule.pk)
    messages.success(request, f"{kind} “{rule.name}” " + (f"ends on {dates.day(rule.effective_to)}." if end_on else "deactivated."))
    return redirect(list_url)


@login_required
@require_POST
def price_rule_end(request, rule_id: int):
    tenant = require(request, "billing.manage_prices")
    rule = selectors.get_price_rule(tenant, rule_id)
    return _end_rule(request, tenant, rule, services.update_price_rule, "Price rule", "billing:price_rule", "billing:price_rules")


def _readable(exc: DomainError) -> DomainError:
    """A refusal shown as a message: put the field explanation in the text."""
    fields = getattr(exc, "fields", None) or {}
    if fields:
        exc.detail = f"{exc.detail} " + " ".join(f"{k.replace('_', ' ')}: {' '.join(map(str, v))}" for k, v in fields.items())
    return exc


# ---------------------------------------------------------------- tax rules


@login_required
def tax_rule_list(request):
    tenant = require(request, "billing.view")
    f = _filters(request)
    qs = selectors.tax_rules(tenant, active=ACTIVE.get(f["status"]), on=f["on"], country=request.GET.get("country", "").strip() or None).select_related("site")
    return render(request, "billing/tax_rules.html", {"page": page_of(request, qs), "f": f, "country": request.GET.get("country", ""), "qs": querystring_without_page(request),
                                                       "tax_rule": TAX_RULE, "today": selectors.tenant_today(tenant), "can_manage": can(request, "billing.manage_prices"), "end_form": EndRuleForm()})


@login_required
def tax_rule_create(request):
    tenant = require(request, "billing.manage_prices")
    return _save_rule_form(request, tenant, TaxRuleForm(request.POST or None, tenant=tenant), None, services.create_tax_rule, lambda rule: f"Tax rule “{rule.name}” created.",
                           "billing:tax_rules", "billing/tax_rule_form.html", {"tax_rule": TAX_RULE}, TAX_STALE_MESSAGE)


@login_required
def tax_rule_edit(request, rule_id: int):
    tenant = require(request, "billing.manage_prices")
    rule = selectors.get_tax_rule(tenant, rule_id)
    return _save_rule_form(request, tenant, TaxRuleForm(request.POST or None, initial=TaxRuleForm.initial_for(rule), tenant=tenant), rule, services.update_tax_rule,
                           lambda rule: f"Tax rule “{rule.name}” saved.", "billing:tax_rules", "billing/tax_rule_form.html", {"tax_rule": TAX_RULE}, TAX_STALE_MESSAGE)


@login_required
@require_POST
def tax_rule_end(request, rule_id: int):
    tenant = require(request, "billing.manage_prices")
    rule = selectors.get_tax_rule(tenant, rule_id)
    return _end_rule(request, tenant, rule, services.update_tax_rule, "Tax rule", "billing:tax_rule", "billing:tax_rules")


# ---------------------------------------------------------------- quote preview


@login_required
def quote_preview(request):
    """Price a booking from the current rules without saving anything (GET, so it can be linked)."""
    tenant = require(request, "billing.view")
    form = QuotePreviewForm(request.GET or None, tenant=tenant)
    result, status = None, 200
    if request.GET and form.is_valid():
        try:
            result = services.quote(tenant, **form.quote_args())
        except DomainError as exc:
            _apply_refusal(form, exc)
    if form.errors:
        status = 422
    return render(request, "billing/quote_preview.html", {"form": form, "result": result, "overlap_rule": OVERLAP_RULE, "tax_rule": TAX_RULE}, status=status)

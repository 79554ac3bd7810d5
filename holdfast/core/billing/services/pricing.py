"""Prices and taxes: time-bound rules, quotes split into period lines, snapshots.

Overlap rule. For one product on one day, the candidates are the tenant's active rules for that
product and currency whose period contains the day and whose scope matches (a NULL site or
resource type matches any). The winner is, in order:
  1. a promotional rule over a standard one;
  2. the most specific scope (site and resource type > one of them > tenant-wide);
  3. the latest effective_from;
  4. the newest rule (highest id).

Calculation. The rule that wins on the first day decides the product's calculation:
  - PER_UNIT_PER_DAY: each day is priced by its own winning per-day rule; consecutive days with the
    same rule form one period line: rate × quantity × days (quantity = units for the base price).
  - FLAT: rate × quantity once, regardless of duration (the base price's quantity is 1, and so is
    an extra's marked `flat_once`: a fixed charge regardless of quantity and duration).
  - PERCENTAGE_ON_BASE (extras only): percent of the base subtotal.
Tax: each day is taxed at the tax rule in force on that day for the quote's site and country/region
(a rule of that site beats every tenant-wide rule; see resolve_tax): a per-day line is split where
the day's tax rule changes, so every line has one rate; a FLAT or percentage line is one charge,
taxed at the rule of its first day. Tax is rounded per line; the document's tax is the sum of its
lines' tax.
Given rates: a caller that keeps its own per-day prices (the hotel's rate plans) passes them as
`day_rates` ({day: minor units}); the base product is then priced per day from them instead of
from price rules (lines split where the rate or the tax changes), and taxed like any line.
Rounding: one rule (holdfast.kit.money): each line is rounded once, half up.

Prices are recomputed while a quote is unlocked and frozen when the vertical locks it; changing a
rule re-prices every unlocked quote of the tenant and leaves every locked one alone.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Q

from holdfast.core.audit.services import log_action
from holdfast.core.customers.models import Customer
from holdfast.core.events.services import emit
from holdfast.core.inventory.models import ResourceType, Site
from holdfast.core.tenancy.selectors import get_owned, require_owned
from holdfast.kit.clock import now
from holdfast.kit.errors import Conflict, ValidationFailed
from holdfast.kit.money import Money

from ..models import BASE_CODE, PriceLine, PriceQuote, PriceRule, TaxRule
from ._common import currency_of, lock_rows

MAX_QUOTE_DAYS = 3 * 366

# The overlap rule of the module docstring, as the price screens show it (keep the two in step).
OVERLAP_RULE = (
    "For one product on one day, the candidates are the active rules for that product and currency whose period contains the day and whose scope matches (an empty site or resource type matches any).",
    "A promotional rule beats a standard one.",
    "Then the most specific scope wins: site and resource type > one of them > tenant-wide.",
    "Then the latest effective-from date.",
    "Then the newest rule.",
)
TAX_RULE = ("A rule of the booking's site beats every business-wide rule; then the most specific active rule for the place (region > country > everywhere) in force on each day, "
            "then the latest effective-from date; each day is taxed at its own rule (a one-off charge at its first day's), rounded per line.")


# ---------------------------------------------------------------- rule resolution (pure)


def _rule_covers(rule, day: dt.date) -> bool:
    return rule.effective_from <= day and (rule.effective_to is None or day < rule.effective_to)


def _rank(rule) -> tuple:
    specificity = (rule.site_id is not None) + (rule.resource_type_id is not None)
    return (rule.is_promotional, specificity, rule.effective_from, rule.pk or 0)


def winning_rule(rules, day: dt.date, *, site_id=None, resource_type_id=None, calculation: str | None = None):
    """The rule that applies on `day` by the overlap rule above, or None."""
    best = None
    for rule in rules:
        if calculation and rule.calculation != calculation:
            continue
        if rule.site_id is not None and rule.site_id != site_id:
            continue
        if rule.resource_type_id is not None and rule.resource_type_id != resource_type_id:
            continue
        if not _rule_covers(rule, day):
            continue
        if best is None or _rank(rule) > _rank(best):
            best = rule
    return best


def _tax_candidates(tenant, *, start: dt.date, end: dt.date, site_id: int | None = None) -> list:
    """The tenant's active tax rules in force on some day of [start, end) that a booking on `site_id` may use."""
    candidates = TaxRule.objects.for_tenant(tenant).filter(is_active=True, effective_from__lt=end).filter(Q(effective_to__isnull=True) | Q(effective_to__gt=start))
    return list(candidates.filter(Q(site__isnull=True) | Q(site_id=site_id)) if site_id else candidates.filter(site__isnull=True))


def _best_tax(candidates, day: dt.date, country: str, region: str):
    best, best_rank = None, None
    for rule in candidates:
        if not (rule.effective_from <= day and (rule.effective_to is None or day < rule.effective_to)):
            continue
        if rule.country and rule.country.upper() != country:
            continue
        if rule.region and (not rule.country or rule.region.lower() != region.lower()):
            continue
        rank = (rule.site_id is not None, bool(rule.country) + bool(rule.region), rule.effective_from, rule.pk)
        if best_rank is None or rank > best_rank:
            best, best_rank = rule, rank
    return best


def tax_by_day(tenant, *, start: dt.date, end: dt.date, country: str = "", region: str = "", site_id: int | None = None):
    """A function day -> the tax rule of that day (resolve_tax's precedence), from one query."""
    country, region = (country or "").upper(), (region or "").strip()
    candidates = _tax_candidates(tenant, start=start, end=end, site_id=site_id)
    cache: dict = {}

    def of(day: dt.date):
        if day not in cache:
            cache[day] = _best_tax(candidates, day, country, region)
        return cache[day]
    return of


def resolve_tax(tenant, *, day: dt.date, country: str = "", region: str = "", site_id: int | None = None):
    """The tax rule for a site, place and day, or None.

    Candidates: the tenant's active rules in force on `day` whose place matches (blank country =
    everywhere; a region needs its country) and whose site is empty or `site_id`. Precedence:
      1. a rule of that site (a hotel property's own rate) over every tenant-wide rule;
      2. region > country > everywhere;
      3. the latest effective_from;
      4. the newest rule.
    A site's rule never applies to another site or to a booking without a site."""
    return tax_by_day(tenant, start=day, end=day + dt.timedelta(days=1), country=country, region=region, site_id=site_id)(day)


# ---------------------------------------------------------------- quoting (pure reads)


@dataclass
class QuoteResult:
    currency: str
    lines: list[dict] = field(default_factory=list)
    subtotal_minor: int = 0
    tax_minor: int = 0

    @property
    def total_minor(self) -> int:
        return self.subtotal_minor + self.tax_minor


def _no_price(code: str, day: dt.date):
    what = "the base price" if code == BASE_CODE else f"'{code}'"
    return ValidationFailed(f"No price rule covers {what} on {day.isoformat()}.", code="no_price_rule", fields={"price": [f"Add a price rule for {what} covering {day.isoformat()}."]})


def _given_rates(day_rates: dict, *, code: str, start: dt.date, end: dt.date, quantity: int, currency: str, tax_of) -> list[dict]:
    """Per-day lines from the caller's own day rates, split where the rate or the day's tax rule changes."""
    lines: list[dict] = []
    day = start
    while day < end:
        rate = day_rates.get(day)
        if isinstance(rate, bool) or not isinstance(rate, int) or rate < 0:
            raise _no_price(code, day)
        last = lines[-1] if lines else None
        if last and last["rate_minor"] == rate and last["date_to"] == day and tax_of(last["date_from"]) == tax_of(day):
            last["date_to"] = day + dt.timedelta(days=1)
            last["days"] += 1
        else:
            lines.append({"kind": PriceLine.BASE, "product_code": code, "calculation": PriceRule.PER_UNIT_PER_DAY, "rule": None, "description": "Rate",
                          "date_from": day, "date_to": day + dt.timedelta(days=1), "days": 1, "quantity": quantity, "rate_minor": rate, "percent": None})
        day += dt.timedelta(days=1)
    for line in lines:
        line["amount_minor"] = Money(line["rate_minor"], currency).times(line["quantity"] * line["days"]).minor
    return lines


def _price_product(rules, *, code: str, kind: str, start: dt.date, end: dt.date, quantity: int, currency: str, site_id, resource_type_id, base_subtotal: int, flat_once: bool = False, tax_of=None) -> list[dict]:
    first = winning_rule(rules, start, site_id=site_id, resource_type_id=resource_type_id)
    if first is None:
        raise _no_price(code, start)
    common = {"kind": kind, "product_code": code, "calculation": first.calculation}
    if first.calculation == PriceRule.FLAT:
        qty = 1 if kind == PriceLine.BASE or flat_once else quantity
        amount = Money(first.amount_minor, currency).times(qty).minor
        return [{**common, "rule": first, "description": first.name, "date_from": start, "date_to": end, "days": (end - start).days, "quantity": qty, "rate_minor": first.amount_minor, "percent": None, "amount_minor": amount}]
    if first.calculation == PriceRule.PERCENTAGE_ON_BASE:
        if kind == PriceLine.BASE:
            raise ValidationFailed("The base price cannot be a percentage of itself.", code="invalid_price_rule")
        amount = Money(base_subtotal, currency).percent(first.percent).minor
        return [{**common, "rule": first, "description": f"{first.name} ({first.percent.normalize()}% of base)", "date_from": start, "date_to": end, "days": (end - start).days, "quantity": 1, "rate_minor": None, "percent": first.percent, "amount_minor": amount}]
    # PER_UNIT_PER_DAY: split where the winning per-day rule or the day's tax rule changes.
    lines: list[dict] = []
    day = start
    while day < end:
        rule = winning_rule(rules, day, site_id=site_id, resource_type_id=resource_type_id, calculation=PriceRule.PER_UNIT_PER_DAY)
        if rule is None:
            raise _no_price(code, day)
        if lines and lines[-1]["rule"].pk == rule.pk and lines[-1]["date_to"] == day and (tax_of is None or tax_of(lines[-1]["date_from"]) == tax_of(day)):
            lines[-1]["date_to"] = day + dt.timedelta(days=1)
            lines[-1]["days"] += 1
        else:
            lines.append({**common, "rule": rule, "description": rule.name, "date_from": day, "date_to": day + dt.timedelta(days=1), "days": 1, "quantity": quantity, "rate_minor": rule.amount_minor, "percent": None})
        day += dt.timedelta(days=1)
    for line in lines:
        line["amount_minor"] = Money(line["rate_minor"], currency).times(line["quantity"] * line["days"]).minor
    return lines


def _clean_extras(extras) -> list[dict]:
    cleaned, errors = [], []
    for i, extra in enumerate(extras or []):
        code = str((extra or {}).get("code", "")).strip()
        qty = (extra or {}).get("quantity", 1)
        if not code or code == BASE_CODE or isinstance(qty, bool) or not isinstance(qty, int) or qty < 1:
            errors.append(f"Extra {i + 1} needs a product code (not '{BASE_CODE}') and a quantity of at least 1.")
            continue
        entry = {"code": code, "quantity": qty}
        if (extra or {}).get("flat_once"):
            entry["flat_once"] = True  # a FLAT rule charges once, not per quantity (a storage feature's flat fee)
        cleaned.append(entry)
    if errors:
        raise ValidationFailed("Some extras are invalid.", fields={"extras": errors})
    return cleaned


def quote(tenant, *, start_date: dt.date, end_date: dt.date, units: int = 1, extras=None, site_id=None, resource_type_id=None, currency: str | None = None, country: str | None = None, region: str | None = None,
          day_rates: dict | None = None) -> QuoteResult:
    """Price a booking from the current rules without saving anything (the base from `day_rates` when given)."""
    currency = currency_of(tenant, currency)
    if not isinstance(start_date, dt.date) or not isinstance(end_date, dt.date) or end_date <= start_date:
        raise ValidationFailed("The end date must be after the start date.", fields={"end_date": ["Must be after the start date."]})
    if (end_date - start_date).days > MAX_QUOTE_DAYS:
        raise ValidationFailed("That period is too long to price.", fields={"end_date": [f"At most {MAX_QUOTE_DAYS} days."]})
    if isinstance(units, bool) or not isinstance(units, int) or units < 1:
        raise ValidationFailed("Units must be at least 1.", fields={"units": ["At least 1."]})
    require_owned(tenant, (Site, site_id), (ResourceType, resource_type_id))  # never priced from another tenant's site
    extras = _clean_extras(extras)
    codes = [BASE_CODE] + [e["code"] for e in extras]
    rules = list(
        PriceRule.objects.for_tenant(tenant)
        .filter(is_active=True, currency=currency, product_code__in=codes, effective_from__lt=end_date)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gt=start_date))
    )
    by_code: dict[str, list] = {}
    for rule in rules:
        by_code.setdefault(rule.product_code, []).append(rule)
    tax_of = tax_by_day(tenant, start=start_date, end=end_date, country=tenant.country if country is None else country, region=tenant.region if region is None else region, site_id=site_id)
    scope = {"site_id": site_id, "resource_type_id": resource_type_id, "currency": currency, "start": start_date, "end": end_date, "tax_of": tax_of}
    if day_rates is not None:
        lines = _given_rates(day_rates, code=BASE_CODE, start=start_date, end=end_date, quantity=units, currency=currency, tax_of=tax_of)
    else:
        lines = _price_product(by_code.get(BASE_CODE, []), code=BASE_CODE, kind=PriceLine.BASE, quantity=units, base_subtotal=0, **scope)
    base_subtotal = sum(line["amount_minor"] for line in lines)
    for extra in extras:
        lines += _price_product(by_code.get(extra["code"], []), code=extra["code"], kind=PriceLine.EXTRA, quantity=extra["quantity"], base_subtotal=base_subtotal, flat_once=extra.get("flat_once", False), **scope)
    result = QuoteResult(currency=currency)
    for position, line in enumerate(lines):
        tax = tax_of(line["date_from"])  # per-day lines never span a tax change; a one-off charge takes its first day's
        line["position"] = position
        line["tax_name"] = tax.name if tax else ""
        line["tax_rate"] = tax.rate if tax else Decimal("0")
        line["tax_minor"] = Money(line["amount_minor"], currency).percent(tax.rate).minor if tax else 0
        result.subtotal_minor += line["amount_minor"]
        result.tax_minor += line["tax_minor"]
    result.lines = lines
    return result


# ---------------------------------------------------------------- quotes attached to bookings


def _write_lines(tenant, quote_row: PriceQuote, result: QuoteResult) -> None:
    PriceLine.objects.filter(quote=quote_row, locked=False).delete()
    PriceLine.objects.bulk_create([PriceLine(tenant=tenant, quote=quote_row, **line) for line in result.lines])
    quote_row.subtotal_minor, quote_row.tax_minor, quote_row.total_minor = result.subtotal_minor, result.tax_minor, result.total_minor


def _params(q: PriceQuote) -> dict:
    return {"start_date": q.start_date, "end_date": q.end_date, "units": q.units, "extras": q.extras, "site_id": q.site_id, "resource_type_id": q.resource_type_id, "currency": q.currency, "country": q.country, "region": q.region}


def price_booking(*, tenant, actor, booking_id: int | None, source: str, start_date, end_date, units: int = 1, extras=None, site_id=None, resource_type_id=None, customer_id=None, currency=None, country=None, region=None) -> PriceQuote:
    """Create or re-price the (unlocked) quote of a booking from the current rules."""
    extras = _clean_extras(extras)
    with transaction.atomic():
        customer = get_owned(Customer, tenant, customer_id, what="customer") if customer_id else None
        params = {"start_date": start_date, "end_date": end_date, "units": units, "extras": extras, "site_id": site_id, "resource_type_id": resource_type_id, "currency": currency_of(tenant, currency), "country": (tenant.country if country is None else country).upper(), "region": tenant.region if region is None else region}
        result = quote(tenant, **params)
        existing = None
        if booking_id is not None:
            existing = PriceQuote.objects.for_tenant(tenant).select_for_update().filter(source=source, booking_id=booking_id).first()
        if existing and existing.locked:
            raise Conflict("The booking's price is locked (snapshotted) and cannot be re-priced.", code="price_locked")
        quote_row = existing or PriceQuote(tenant=tenant, booking_id=booking_id, source=source)
        for key, value in params.items():
            setattr(quote_row, key, value)
        quote_row.customer = customer or quote_row.customer
        if existing:
            quote_row.version += 1
        quote_row.save()
        _write_lines(tenant, quote_row, result)
        quote_row.save()
        log_action(tenant=tenant, actor=actor, entity=quote_row, action="billing.quote.priced", diff={"total_minor": [None, quote_row.total_minor], "booking_id": [None, booking_id]})
        emit(tenant, "price:updated", {"quote_id": quote_row.pk, "booking_id": booking_id, "source": source, "total_minor": quote_row.total_minor})
    return quote_row


def lock_quote(*, tenant, actor, quote_id: int) -> PriceQuote:
    """Snapshot the quote: re-price one last time from the current rules, then freeze its lines."""
    with transaction.atomic():
        quote_row = get_owned(PriceQuote.objects.select_for_update(), tenant, quote_id, what="price quote")
        if quote_row.locked:
            return quote_row
        _write_lines(tenant, quote_row, quote(tenant, **_params(quote_row)))
        quote_row.locked, quote_row.locked_at = True, now()
        quote_row.version += 1
        quote_row.save()
        PriceLine.objects.filter(quote=quote_row).update(locked=True)
        log_action(tenant=tenant, actor=actor, entity=quote_row, action="billing.quote.locked", diff={"locked": [False, True], "total_minor": [None, quote_row.total_minor]})
        emit(tenant, "price:locked", {"quote_id": quote_row.pk, "booking_id": quote_row.booking_id, "source": quote_row.source, "total_minor": quote_row.total_minor})
    return quote_row


def reprice_unlocked_quotes(*, tenant, actor, affected: list[dict] | None = None) -> dict:
    """Propagate rule changes: recompute every unlocked quote the change can touch; locked ones never.

    `affected` narrows the work to quotes overlapping a changed rule: dicts with product_code
    (None = any), currency (None = any), effective_from and effective_to (None = open-ended).
    A quote the new rules cannot price (a gap) keeps its previous lines and is reported.
    """
    repriced, unpriceable = [], []
    qs = PriceQuote.objects.for_tenant(tenant).filter(locked=False)
    if affected:
        window = Q(pk__in=[])
        for change in affected:
            cond = Q(end_date__gt=change["effective_from"])
            if change.get("effective_to"):
                cond &= Q(start_date__lt=change["effective_to"])
            if change.get("currency"):
                cond &= Q(currency=change["currency"])
            window |= cond
        codes = {c.get("product_code") for c in affected}
        candidates = [q.pk for q in qs.filter(window) if None in codes or BASE_CODE in codes or codes & {e.get("code") for e in q.extras or []}]
        qs = qs.filter(pk__in=candidates)
    with transaction.atomic():
        for quote_row in lock_rows(qs):
            _reprice_one(tenant, quote_row, repriced, unpriceable)
    return {"repriced": repriced, "unpriceable": unpriceable}


def _scope_of(rule) -> dict:
    return {"product_code": rule.product_code, "currency": rule.currency, "effective_from": rule.effective_from, "effective_to": rule.effective_to}


def _reprice_one(tenant, quote_row, repriced: list, unpriceable: list) -> None:
    try:
        with transaction.atomic():
            result = quote(tenant, **_params(quote_row))
            before = quote_row.total_minor
            _write_lines(tenant, quote_row, result)
            quote_row.version += 1
            quote_row.save()
            if before != quote_row.total_minor:
                emit(tenant, "price:updated", {"quote_id": quote_row.pk, "booking_id": quote_row.booking_id, "source": quote_row.source, "total_minor": quote_row.total_minor})
            repriced.append(quote_row.pk)
    except ValidationFailed:
        unpriceable.append(quote_row.pk)


# ---------------------------------------------------------------- rule maintenance

RULE_FIELDS = ("name", "product_code", "site_id", "resource_type_id", "calculation", "amount_minor", "percent", "currency", "effective_from", "effective_to", "is_promotional", "is_active")


def _clean_rule(tenant, data: dict) -> dict:
    errors: dict[str, list[str]] = {}
    if not str(data.get("name") or "").strip():
        errors["name"] = ["A name is required."]
    data["product_code"] = str(data.get("product_code") or BASE_CODE).strip()
    calc = data.get("calculation")
    if calc not in dict(PriceRule.CALCULATIONS):
        errors["calculation"] = ["Use FLAT, PER_UNIT_PER_DAY or PERCENTAGE_ON_BASE."]
    if calc == PriceRule.PERCENTAGE_ON_BASE:
        if data["product_code"] == BASE_CODE:
            errors["calculation"] = ["The base price cannot be a percentage of itself."]
        try:
            data["percent"] = Decimal(str(data.get("percent")))
            if not data["percent"].is_finite() or data["percent"] < 0 or data["percent"] > 1000:
                raise InvalidOperation
        except (InvalidOperation, TypeError, ValueError):
            errors["percent"] = ["Give a percentage between 0 and 1000."]
        data["amount_minor"] = None
    elif calc:
        amount = data.get("amount_minor")
        if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
            errors["amount_minor"] = ["Give a non-negative amount in minor units."]
        data["percent"] = None
    start, end = data.get("effective_from"), data.get("effective_to")
    if not isinstance(start, dt.date):
        errors["effective_from"] = ["A start date is required."]
    elif end is not None and end <= start:
        errors["effective_to"] = ["Must be after effective_from (it is exclusive)."]
    # The scope ids are plain columns (no FK across apps): check they are this tenant's, or another
    # tenant's site would silently scope (and leak into) this tenant's prices.
    for key, model, what in (("site_id", Site, "site"), ("resource_type_id", ResourceType, "resource type")):
        value = data.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or not model.objects.for_tenant(tenant).filter(pk=value).exists()):
            errors[key] = [f"No {what} with that id in this business."]
    if errors:
        raise ValidationFailed("The price rule was not saved.", fields=errors)
    data["currency"] = currency_of(tenant, data.get("currency"))
    return data


def create_price_rule(*, tenant, actor, name: str, amount_minor: int | None = None, percent=None, calculation: str = PriceRule.PER_UNIT_PER_DAY, product_code: str = BASE_CODE, effective_from: dt.date, effective_to: dt.date | None = None, site_id=None, resource_type_id=None, currency=None, is_promotional: bool = False) -> PriceRule:
    data = _clean_rule(tenant, {"name": name, "amount_minor": amount_minor, "percent": percent, "calculation": calculation, "product_code": product_code, "effective_from": effective_from, "effective_to": effective_to, "currency": currency, "site_id": site_id, "resource_type_id": resource_type_id})
    with transaction.atomic():
        rule = PriceRule.objects.create(tenant=tenant, is_promotional=is_promotional, **data)
        log_action(tenant=tenant, actor=actor, entity=rule, action="billing.price_rule.created", diff={k: [None, getattr(rule, k)] for k in RULE_FIELDS})
        emit(tenant, "price_rule:created", {"price_rule_id": rule.pk})
        outcome = reprice_unlocked_quotes(tenant=tenant, actor=actor, affected=[_scope_of(rule)])
    rule.reprice_outcome = outcome
    return rule


def update_price_rule(*, tenant, actor, rule_id: int, version: int, **changes) -> PriceRule:
    unknown = set(changes) - set(RULE_FIELDS)
    if unknown:
        raise ValidationFailed("Unknown fields.", fields={k: ["Not a price rule field."] for k in unknown})
    with transaction.atomic():
        rule = get_owned(PriceRule.objects.select_for_update(), tenant, rule_id, what="price rule")
        if rule.version != version:
            raise Conflict(f"The price rule was changed by someone else (now version {rule.version}).", code="stale_version", extra={"current_version": rule.version})
        before = {k: getattr(rule, k) for k in RULE_FIELDS}
        old_scope = _scope_of(rule)
        data = _clean_rule(tenant, {**before, **changes})
        for key, value in data.items():
            setattr(rule, key, value)
        rule.version += 1
        rule.save()
        after = {k: getattr(rule, k) for k in RULE_FIELDS}
        log_action(tenant=tenant, actor=actor, entity=rule, action="billing.price_rule.updated", diff={k: [before[k], after[k]] for k in RULE_FIELDS if before[k] != after[k]})
        emit(tenant, "price_rule:updated", {"price_rule_id": rule.pk})
        outcome = reprice_unlocked_quotes(tenant=tenant, actor=actor, affected=[old_scope, _scope_of(rule)])
    rule.reprice_outcome = outcome
    return rule


TAX_FIELDS = ("name", "rate", "country", "region", "site_id", "effective_from", "effective_to", "is_active")


def _clean_tax(data: dict, tenant=None) -> dict:
    errors: dict[str, list[str]] = {}
    site_id = data.get("site_id")
    if site_id is not None and (isinstance(site_id, bool) or not isinstance(site_id, int) or not Site.objects.for_tenant(tenant).filter(pk=site_id).exists()):
        errors["site_id"] = ["No site with that id in this business."]
    try:
        data["rate"] = Decimal(str(data.get("rate")))
        if not data["rate"].is_finite() or data["rate"] < 0 or data["rate"] > 100:
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors["rate"] = ["Give a percentage between 0 and 100 (6.00 = 6 %)."]
    data["name"] = str(data.get("name") or "").strip()
    if not data["name"]:
        errors["name"] = ["A name is required."]
    start, end = data.get("effective_from"), data.get("effective_to")
    if not isinstance(start, dt.date):
        errors["effective_from"] = ["A start date is required."]
    elif end is not None and end <= start:
        errors["effective_to"] = ["Must be after effective_from."]
    data["country"], data["region"] = str(data.get("country") or "").strip().upper(), str(data.get("region") or "").strip()
    if data["country"] and (len(data["country"]) != 2 or not data["country"].isalpha()):
        errors["country"] = ["Use a two-letter country code such as PT, or leave it empty for everywhere."]
    if data["region"] and not data["country"]:
        errors["region"] = ["A region needs its country."]
    if errors:
        raise ValidationFailed("The tax rule was not saved.", fields=errors)
    return data


def _reprice_for_tax(tenant, actor, rules) -> dict:
    # Each day is taxed at its own rule: quotes overlapping the rule's period change (the window below is wider, never narrower).
    affected = [{"product_code": None, "currency": None, "effective_from": r["effective_from"] - dt.timedelta(days=MAX_QUOTE_DAYS), "effective_to": r["effective_to"]} for r in rules]
    return reprice_unlocked_quotes(tenant=tenant, actor=actor, affected=affected)


def create_tax_rule(*, tenant, actor, name: str, rate, effective_from: dt.date, effective_to: dt.date | None = None, country: str = "", region: str = "", site_id: int | None = None) -> TaxRule:
    """A tax rule, tenant-wide or (with `site_id`) the site's own, which beats tenant-wide rules there."""
    data = _clean_tax({"name": name, "rate": rate, "effective_from": effective_from, "effective_to": effective_to, "country": country, "region": region, "site_id": site_id}, tenant)
    with transaction.atomic():
        rule = TaxRule.objects.create(tenant=tenant, **data)
        log_action(tenant=tenant, actor=actor, entity=rule, action="billing.tax_rule.created",
                   diff={"rate": [None, rule.rate], "country": [None, rule.country], "region": [None, rule.region], "site_id": [None, rule.site_id]})
        emit(tenant, "tax_rule:created", {"tax_rule_id": rule.pk})
        _reprice_for_tax(tenant, actor, [data])
    return rule


def update_tax_rule(*, tenant, actor, rule_id: int, version: int, **changes) -> TaxRule:
    """Change a tax rule; `version` is the one the editor saw (a stale edit is refused with 409)."""
    unknown = set(changes) - set(TAX_FIELDS)
    if unknown:
        raise ValidationFailed("Unknown fields.", fields={k: ["Not a tax rule field."] for k in unknown})
    with transaction.atomic():
        rule = get_owned(TaxRule.objects.select_for_update(), tenant, rule_id, what="tax rule")
        if rule.version != version:
            raise Conflict(f"The tax rule was changed by someone else (now version {rule.version}).", code="stale_version", extra={"current_version": rule.version})
        before = {k: getattr(rule, k) for k in TAX_FIELDS}
        data = _clean_tax({**before, **changes}, tenant)
        for key, value in data.items():
            setattr(rule, key, value)
        rule.version += 1
        rule.save()
        after = {k: getattr(rule, k) for k in TAX_FIELDS}
        log_action(tenant=tenant, actor=actor, entity=rule, action="billing.tax_rule.updated", diff={k: [before[k], after[k]] for k in TAX_FIELDS if before[k] != after[k]})
        emit(tenant, "tax_rule:updated", {"tax_rule_id": rule.pk})
        _reprice_for_tax(tenant, actor, [before, after])
    return rule

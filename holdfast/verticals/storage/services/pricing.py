"""Base pricing (S006) and feature pricing (S005) as billing price rules of the facility's site.

Base rate: product code `base`, PER_UNIT_PER_DAY (per pallet per day). A feature's rate: product
code = the feature code, FLAT (once per booking), PALLET_PER_DAY (= billing's PER_UNIT_PER_DAY:
rate × pallets × days) or PERCENTAGE_ON_BASE. Effective dates are [from, to) (to exclusive, open
when empty); overlapping rules follow billing's overlap rule (promotional first, then the most
specific scope, the latest start, the newest), shown on the price screens. Every change re-prices
the HELD bookings it touches; CONFIRMED ones keep their snapshot (billing.reprice_unlocked_quotes).
"""
from __future__ import annotations

import datetime as dt

from django.db import transaction

from holdfast.core.billing import services as billing
from holdfast.core.billing.models import BASE_CODE, PriceRule
from holdfast.core.tenancy.selectors import get_owned
from holdfast.kit.errors import ValidationFailed

from ..models import Facility, Feature
from .facilities import check

CALCULATIONS = {"FLAT": PriceRule.FLAT, "PALLET_PER_DAY": PriceRule.PER_UNIT_PER_DAY, "PERCENTAGE_ON_BASE": PriceRule.PERCENTAGE_ON_BASE}
SEED_NAMES = {v: k for k, v in CALCULATIONS.items()}


def set_base_price(*, tenant, actor, facility_pk: int | None, name: str, rate_minor: int, effective_from: dt.date, effective_to: dt.date | None = None,
                   is_promotional: bool = False) -> PriceRule:
    """A per-pallet-per-day base rate for one facility (or, without facility, every facility)."""
    check(actor, tenant, "storage.price.manage")
    with transaction.atomic():
        facility = get_owned(Facility.objects.filter(is_deleted=False), tenant, facility_pk, what="facility") if facility_pk else None
        return billing.create_price_rule(tenant=tenant, actor=actor, name=name, amount_minor=rate_minor, calculation=PriceRule.PER_UNIT_PER_DAY, product_code=BASE_CODE,
                                         effective_from=effective_from, effective_to=effective_to, site_id=facility.site_id if facility else None,
                                         currency=facility.currency if facility else None, is_promotional=is_promotional)


def set_feature_price(*, tenant, actor, feature_pk: int, name: str, calculation: str, value, effective_from: dt.date, effective_to: dt.date | None = None,
                      facility_pk: int | None = None, is_promotional: bool = False, currency: str | None = None) -> PriceRule:
    """A feature's rate: FLAT / PALLET_PER_DAY amounts in minor units, PERCENTAGE_ON_BASE a percent."""
    check(actor, tenant, "storage.price.manage")
    calc = CALCULATIONS.get((calculation or "").upper())
    if calc is None:
        raise ValidationFailed("The price was not saved.", fields={"calculation": ["FLAT, PALLET_PER_DAY or PERCENTAGE_ON_BASE."]})
    with transaction.atomic():
        feature = get_owned(Feature.objects.filter(is_deleted=False), tenant, feature_pk, what="feature")
        facility = get_owned(Facility.objects.filter(is_deleted=False), tenant, facility_pk, what="facility") if facility_pk else None
        amount = None if calc == PriceRule.PERCENTAGE_ON_BASE else value
        percent = value if calc == PriceRule.PERCENTAGE_ON_BASE else None
        return billing.create_price_rule(tenant=tenant, actor=actor, name=name, amount_minor=amount, percent=percent, calculation=calc, product_code=feature.code,
                                         effective_from=effective_from, effective_to=effective_to, site_id=facility.site_id if facility else None,
                                         currency=currency or (facility.currency if facility else None), is_promotional=is_promotional)

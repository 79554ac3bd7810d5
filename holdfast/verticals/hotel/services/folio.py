"""Folios (seed §8) on the billing ledger: one per reservation (ledger of its core booking, source
"hotel.reservation"), OPEN/CLOSED, signed entries with per-type totals kept by billing.

Seed entry types map onto the ledger's: ROOM_CHARGE -> CHARGE (TAX, FEE, ADJUSTMENT, PAYMENT, REFUND
are the same). Room charges and their tax carry source_ref "night:<reservation>:<date>" so the
nightly audit posts each night once however often it runs.
"""
from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from holdfast.core.accounts.selectors import require_perm
from holdfast.core.audit.services import log_action
from holdfast.core.billing.models import LedgerAccount, LedgerEntry
from holdfast.core.billing.services import ledger
from holdfast.core.events.services import emit, emit_stats_changed
from holdfast.core.tenancy.selectors import get_owned
from holdfast.kit.errors import Conflict, ValidationFailed
from holdfast.kit.locking import is_postgres

from ..models import NightAudit, Property, Reservation
from ._common import business_date, days, lock_property

SOURCE = "hotel.reservation"
SEED_TO_LEDGER = {"ROOM_CHARGE": LedgerEntry.CHARGE, "TAX": LedgerEntry.TAX, "FEE": LedgerEntry.FEE, "ADJUSTMENT": LedgerEntry.ADJUSTMENT,
                  "PAYMENT": LedgerEntry.PAYMENT, "REFUND": LedgerEntry.REFUND}
LEDGER_TO_SEED = {v: k for k, v in SEED_TO_LEDGER.items()}
PAYMENT_METHODS = ("CASH", "CARD", "BANK_TRANSFER", "OTHER")


def open_folio(tenant, res: Reservation) -> LedgerAccount:
    return ledger.ledger_for(tenant, booking_id=res.booking_id, source=SOURCE, currency=res.currency)


def folio_account(tenant, res: Reservation) -> LedgerAccount:
    """The reservation's folio, locked for the caller's transaction."""
    return ledger.ledger_for(tenant, booking_id=res.booking_id, source=SOURCE, currency=res.currency)


def close_folio(tenant, actor, account: LedgerAccount, *, force: bool) -> None:
    if account.status != LedgerAccount.CLOSED:
        ledger.close_ledger(tenant=tenant, actor=actor, ledger_id=account.pk, force=force)


def _posted(tenant, actor, res, account, entries: list[LedgerEntry]) -> None:
    for entry in entries:
        log_action(tenant=tenant, actor=actor, entity=res, action="hotel.folio.posted",
                   diff={"entry_type": [None, LEDGER_TO_SEED[entry.entry_type]], "amount_cents": [None, entry.amount_minor], "folio_id": [None, account.pk]})
    emit(tenant, "folio:posted", {"reservation_id": res.pk, "folio_id": account.pk, "entry_ids": [e.pk for e in entries], "balance_cents": account.balance_minor})
    emit_stats_changed(tenant, "hotel")


def post_stay_nights(tenant, actor, res: Reservation, *, until: dt.date, since: dt.date | None = None) -> list[LedgerEntry]:
    """Post room charge and tax for each night of the stay before `until` not posted yet (caller holds the locks)."""
    account = folio_account(tenant, res)
    nights = days(max(res.check_in_date, since or res.check_in_date), min(until, res.check_out_date))
    if not nights:
        return []
    refs = {f"night:{res.pk}:{d.isoformat()}" for d in nights}
    done = set(LedgerEntry.objects.filter(account=account, source_ref__in=refs, entry_type=LedgerEntry.CHARGE).values_list("source_ref", flat=True))
    if account.status == LedgerAccount.CLOSED and refs - done:
        raise Conflict("The folio is closed.", code="folio_closed")
    data = res.booking.data or {}
    night_tax = int(data.get("night_tax_cents", 0))
    posted = []
    for d in nights:
        ref = f"night:{res.pk}:{d.isoformat()}"
        if ref in done:
            continue
        posted.append(ledger.post(account, entry_type=LedgerEntry.CHARGE, amount_minor=res.nightly_rate_cents, description=f"Room {res.room.room_number if res.room_id else ''} night of {d}".replace("  ", " "), actor=actor, source_ref=ref))
        if night_tax:
            posted.append(ledger.post(account, entry_type=LedgerEntry.TAX, amount_minor=night_tax, description=f"{data.get('tax_name') or 'Tax'} {data.get('tax_rate', '')}% night of {d}", actor=actor, source_ref=ref))
    if posted:
        _posted(tenant, actor, res, account, posted)
    return posted


def _lock(tenant, reservation_id):
    res = get_owned(Reservation, tenant, reservation_id, what="reservation")
    lock_property(tenant, res.property_id)
    return Reservation.objects.select_for_update(of=("self",)).select_related("booking", "room").get(pk=res.pk)


def post_folio_entry(*, tenant, actor, reservation_id: int, entry_type: str, amount_cents: int, description: str, source_ref: str = "") -> LedgerEntry:
    """A charge, fee or adjustment posted by staff (room charges and tax normally come from the nightly audit)."""
    if actor is not None:
        require_perm(actor, tenant, "hotel.folio.manage")
    if entry_type not in ("ROOM_CHARGE", "TAX", "FEE", "ADJUSTMENT"):
        raise ValidationFailed("Post charges, taxes, fees or adjustments here; payments and refunds have their own step.", fields={"entry_type": ["ROOM_CHARGE, TAX, FEE or ADJUSTMENT."]})
    if isinstance(amount_cents, bool) or not isinstance(amount_cents, int) or amount_cents == 0 or (entry_type != "ADJUSTMENT" and amount_cents < 0):
        raise ValidationFailed("Give a non-zero amount in cents (only adjustments may be negative).", fields={"amount_cents": ["Invalid amount."]})
    if not (description or "").strip():
        raise ValidationFailed("Describe the entry.", fields={"description": ["Required."]})
    with transaction.atomic():
        res = _lock(tenant, reservation_id)
        account = folio_account(tenant, res)
        if account.status == LedgerAccount.CLOSED:
            raise Conflict("The folio is closed.", code="folio_closed")
        entry = ledger.post(account, entry_type=SEED_TO_LEDGER[entry_type], amount_minor=amount_cents, description=description.strip(), actor=actor, source_ref=source_ref)
        _posted(tenant, actor, res, account, [entry])
    return entry


def record_folio_payment(*, tenant, actor, reservation_id: int, amount_cents: int, method: str = "CARD", reference: str = "", refund: bool = False) -> LedgerEntry:
    """Money received (PAYMENT, negative) or given back (REFUND, positive) at the desk, straight onto the folio."""
    if actor is not None:
        require_perm(actor, tenant, "hotel.folio.manage")
    if isinstance(amount_cents, bool) or not isinstance(amount_cents, int) or amount_cents <= 0:
        raise ValidationFailed("Give a positive amount in cents.", fields={"amount_cents": ["Positive."]})
    if method not in PAYMENT_METHODS:
        raise ValidationFailed("Unknown payment method.", fields={"method": [f"One of {', '.join(PAYMENT_METHODS)}."]})
    with transaction.atomic():
        res = _lock(tenant, reservation_id)
        account = folio_account(tenant, res)
        if account.status == LedgerAccount.CLOSED:
            raise Conflict("The folio is closed.", code="folio_closed")
        if refund and amount_cents > account.payments_minor - account.refunds_minor:
            raise Conflict("A refund cannot exceed what was paid.", code="refund_exceeds_payments")
        kind, amount = (LedgerEntry.REFUND, amount_cents) if refund else (LedgerEntry.PAYMENT, -amount_cents)
        entry = ledger.post(account, entry_type=kind, amount_minor=amount, description=f"{'Refund' if refund else 'Payment'} {method} {reference}".strip(), actor=actor, source_ref=reference)
        _posted(tenant, actor, res, account, [entry])
    return entry


def run_night_audit(*, tenant, actor, property_id: int, business_date_: dt.date | None = None) -> int:
    """Post the night of `business_date_` (default: the property's yesterday) for every in-house reservation.
    Idempotent per date: a night already posted is skipped. Returns how many nights were posted."""
    if actor is not None:
        require_perm(actor, tenant, "hotel.audit.run")
    with transaction.atomic():
        prop = lock_property(tenant, property_id)
        day = business_date_ or business_date(prop) - dt.timedelta(days=1)
        if day > business_date(prop):
            raise ValidationFailed("The audit cannot run for a future date.", fields={"business_date": ["Today or earlier."]})
        count = 0
        in_house = Reservation.objects.filter(property=prop, status__in=[Reservation.CHECKED_IN, Reservation.CHECKED_OUT], check_in_date__lte=day, check_out_date__gt=day)
        in_house = in_house.select_related("booking", "room").order_by("pk")
        for res in in_house.select_for_update(of=("self",)) if is_postgres() else in_house:
            if res.status == Reservation.CHECKED_OUT and LedgerAccount.objects.filter(tenant=tenant, source=SOURCE, booking_id=res.booking_id, status=LedgerAccount.CLOSED).exists():
                continue
            if post_stay_nights(tenant, actor, res, until=day + dt.timedelta(days=1), since=day):
                count += 1
        audit, created = NightAudit.objects.get_or_create(tenant=tenant, property=prop, business_date=day, defaults={"nights_posted": count})
        if not created:
            audit.nights_posted += count
            audit.ran_at = timezone.now()
            audit.save(update_fields=["nights_posted", "ran_at"])
        log_action(tenant=tenant, actor=actor, entity=prop, action="hotel.night_audit.ran", diff={"business_date": [None, day], "nights_posted": [None, count]})
    return count


def night_audit_all(at: dt.datetime | None = None) -> int:
    """The worker's sweep: every active property's yesterday (safe to repeat: nights post once)."""
    done = 0
    for prop in Property.objects.filter(is_active=True).select_related("tenant", "site"):
        done += run_night_audit(tenant=prop.tenant, actor=None, property_id=prop.pk, business_date_=business_date(prop, at) - dt.timedelta(days=1))
    return done

"""Folios (seed §8) on the billing ledger: one per reservation (ledger of its core booking, source
"hotel.reservation", on the property's site), OPEN/CLOSED, signed entries with per-type totals kept by
billing. Everything goes through billing's public services:

- charges, taxes, fees and adjustments: `post_ledger_entry` with the seed's word as the entry's code
  (ROOM_CHARGE is a CHARGE coded ROOM_CHARGE), so the folio shows the seed's types exactly;
- desk payments: billing Payments (`record_payment`) bound to the reservation's core booking and its
  guest's customer, which billing posts to the folio; desk refunds: `refund_payment` on those
  payments, newest first, which billing posts to the folio as REFUND;
- a folio becomes an invoice with `invoice_ledger` (see `invoice_folio`).
Room charges and their tax carry source_ref "night:<reservation>:<date>" so the nightly audit posts
each night once however often it runs.

What is not posted yet is computed in one place, `unposted_stay_charges`: posting reads it, and so does
`checkout_preview`, the folio as check-out will bill it (the screen, the PDF and the API show it; desk
payments above what the stay still owes need `confirm_overpayment`).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from holdfast.core.accounts.selectors import require_perm
from holdfast.core.audit.services import log_action
from holdfast.core.billing import selectors as billing_selectors
from holdfast.core.billing import services as billing
from holdfast.core.billing.models import LedgerAccount, LedgerEntry
from holdfast.core.events.services import emit, emit_stats_changed
from holdfast.core.tenancy.selectors import get_owned
from holdfast.kit.errors import Conflict, ValidationFailed
from holdfast.kit.locking import is_postgres
from holdfast.kit.money import format_minor

from ..models import NightAudit, Property, Reservation
from ._common import business_date, days, lock_property
from .setup import reservation_customer

SOURCE = "hotel.reservation"
SEED_TO_LEDGER = {"ROOM_CHARGE": LedgerEntry.CHARGE, "TAX": LedgerEntry.TAX, "FEE": LedgerEntry.FEE, "ADJUSTMENT": LedgerEntry.ADJUSTMENT}  # the seed word is kept as the code
PAYMENT_METHODS = ("CASH", "CARD", "BANK_TRANSFER", "OTHER")


def seed_type(entry: LedgerEntry) -> str:
    """The seed's word for an entry: its code (entries posted before codes existed: CHARGE = ROOM_CHARGE)."""
    return "ROOM_CHARGE" if entry.code in ("", LedgerEntry.CHARGE) and entry.entry_type == LedgerEntry.CHARGE else (entry.code or entry.entry_type)


def open_folio(tenant, res: Reservation) -> LedgerAccount:
    """The reservation's folio, opened on first use on the property's site, locked for the caller's transaction."""
    site_id = Property.objects.filter(pk=res.property_id).values_list("site_id", flat=True).get()
    customer = res.guest.customer_id if res.guest_id else None
    return billing.open_ledger(tenant=tenant, actor=None, booking_id=res.booking_id, source=SOURCE, currency=res.currency, customer_id=customer, site_id=site_id)


folio_account = open_folio


def close_folio(tenant, actor, account: LedgerAccount, *, force: bool) -> None:
    if account.status != LedgerAccount.CLOSED:
        billing.close_ledger(tenant=tenant, actor=actor, ledger_id=account.pk, force=force)


def _posted(tenant, actor, res, entries: list[LedgerEntry]) -> None:
    account = LedgerAccount.objects.get(pk=entries[0].account_id)
    for entry in entries:
        log_action(tenant=tenant, actor=actor, entity=res, action="hotel.folio.posted",
                   diff={"entry_type": [None, seed_type(entry)], "amount_cents": [None, entry.amount_minor], "folio_id": [None, account.pk]})
    emit(tenant, "folio:posted", {"reservation_id": res.pk, "folio_id": account.pk, "entry_ids": [e.pk for e in entries], "balance_cents": account.balance_minor})
    emit_stats_changed(tenant, "hotel")


def _post(tenant, actor, res, account, seed: str, amount: int, description: str, source_ref: str = "") -> LedgerEntry:
    return billing.post_ledger_entry(tenant=tenant, actor=actor, booking_id=res.booking_id, source=SOURCE, entry_type=SEED_TO_LEDGER[seed], code=seed, amount_minor=amount,
                                     description=description, currency=account.currency, source_ref=source_ref, site_id=account.site_id)


@dataclass(frozen=True)
class StayCharge:
    """A room charge or its tax for one night, not on the folio yet."""
    date: dt.date
    entry_type: str  # the seed's word: ROOM_CHARGE or TAX
    amount_cents: int
    description: str
    source_ref: str


def departure_date(res: Reservation, today: dt.date) -> dt.date:
    """The check-out date a check-out on `today` sets: an early departure shortens the stay (to one night at
    least), a late one keeps the booked date."""
    return max(res.check_in_date + dt.timedelta(days=1), min(today, res.check_out_date))


def unposted_stay_charges(res: Reservation, account: LedgerAccount, *, until: dt.date, since: dt.date | None = None) -> list[StayCharge]:
    """Room charge and tax of each night of the stay before `until` (from `since`) not posted on the folio yet:
    what the nightly audit or check-out posts. The one computation of them: posting (`post_stay_nights`) and
    the folio's preview of check-out (`checkout_preview`) both read it. Writes nothing."""
    nights = days(max(res.check_in_date, since or res.check_in_date), min(until, res.check_out_date))
    if not nights:
        return []
    refs = {f"night:{res.pk}:{d.isoformat()}" for d in nights}
    done = set(LedgerEntry.objects.filter(account=account, source_ref__in=refs, entry_type=LedgerEntry.CHARGE).values_list("source_ref", flat=True)) if account.pk else set()
    data = res.booking_data if getattr(res, "booking_data", None) is not None else (res.booking.data or {})
    prices = night_prices(res)
    room = f"Room {res.room.room_number} " if res.room_id else "Room "
    out = []
    for d in nights:
        ref = f"night:{res.pk}:{d.isoformat()}"
        if ref in done:
            continue
        night = prices.get(d.isoformat()) or {"rate": res.nightly_rate_cents, "tax": int(data.get("night_tax_cents", 0))}
        out.append(StayCharge(d, "ROOM_CHARGE", night["rate"], f"{room}night of {d}", ref))
        if night["tax"]:
            name, rate = night.get("tax_name", data.get("tax_name")) or "Tax", night.get("tax_rate", data.get("tax_rate", ""))
            out.append(StayCharge(d, "TAX", night["tax"], f"{name} {rate}% night of {d}", ref))
    return out


def checkout_preview(res: Reservation, account: LedgerAccount, *, today: dt.date) -> dict:
    """What the folio will read at check-out: the posted balance, the charges a check-out on `today` would post
    (none unless the guest is in house), the balance due then, and what the whole booked stay still adds (the
    most a payment may be before it is an overpayment). Positive = the guest owes, negative = credit."""
    active = account.status != LedgerAccount.CLOSED
    in_house = res.status == Reservation.CHECKED_IN and active
    leave = departure_date(res, today)
    pending = unposted_stay_charges(res, account, until=leave) if in_house else []
    to_come = unposted_stay_charges(res, account, until=res.check_out_date) if active and res.status in (Reservation.HOLD, Reservation.CONFIRMED, Reservation.CHECKED_IN) else []
    balance = account.balance_minor
    pending_cents = sum(c.amount_cents for c in pending)
    return {"balance_cents": balance, "in_house": in_house, "departure_date": leave if in_house else None, "charges_at_checkout": pending,
            "charges_at_checkout_cents": pending_cents, "due_at_checkout_cents": balance + pending_cents,
            "due_for_stay_cents": balance + sum(c.amount_cents for c in to_come)}


def post_stay_nights(tenant, actor, res: Reservation, *, until: dt.date, since: dt.date | None = None) -> list[LedgerEntry]:
    """Post room charge and tax for each night of the stay before `until` not posted yet (caller holds the locks)."""
    account = folio_account(tenant, res)
    charges = unposted_stay_charges(res, account, until=until, since=since)
    if not charges:
        return []
    if account.status == LedgerAccount.CLOSED:
        raise Conflict("The folio is closed.", code="folio_closed")
    posted = [_post(tenant, actor, res, account, c.entry_type, c.amount_cents, c.description, c.source_ref) for c in charges]
    _posted(tenant, actor, res, posted)
    return posted


def night_prices(res: Reservation) -> dict[str, dict]:
    """Each night's fixed price (the caller's re-priced copy of the booking's data when it holds one)."""
    return res.night_prices(getattr(res, "booking_data", None))


def _lock(tenant, reservation_id):
    res = get_owned(Reservation, tenant, reservation_id, what="reservation")
    lock_property(tenant, res.property_id)
    return Reservation.objects.select_for_update(of=("self",)).select_related("booking", "room", "guest", "property__site").get(pk=res.pk)


def post_folio_entry(*, tenant, actor, reservation_id: int, entry_type: str, amount_cents: int, description: str, source_ref: str = "") -> LedgerEntry:
    """A charge, fee or adjustment posted by staff (room charges and tax normally come from the nightly audit)."""
    if actor is not None:
        require_perm(actor, tenant, "hotel.folio.manage")
    if entry_type not in SEED_TO_LEDGER:
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
        entry = _post(tenant, actor, res, account, entry_type, amount_cents, description.strip(), source_ref)
        _posted(tenant, actor, res, [entry])
    return entry


def _refund_at_desk(tenant, actor, res, amount_cents: int, method: str, reference: str) -> LedgerEntry:
    """Give money back from the reservation's desk payments, newest first (each refund posts REFUND on the folio)."""
    payments = billing_selectors.payments(tenant, status="RECEIVED", booking_id=res.booking_id).filter(source=SOURCE).order_by("-paid_at", "-id")
    refundable = [(p.pk, p.amount_minor - p.refunded_minor) for p in payments if p.amount_minor > p.refunded_minor]
    if amount_cents > sum(left for _, left in refundable):
        raise Conflict("A refund cannot exceed what was paid.", code="refund_exceeds_payments")
    left, refund = amount_cents, None
    for payment_id, available in refundable:
        if left <= 0:
            break
        take = min(left, available)
        refund = billing.refund_payment(tenant=tenant, actor=actor, payment_id=payment_id, amount_minor=take, reason=f"Refund at the desk {reference}".strip(), method=method, reference=reference)
        left -= take
    return LedgerEntry.objects.get(source_ref=f"refund:{refund.pk}", entry_type=LedgerEntry.REFUND)


def refuse_unconfirmed_overpayment(res: Reservation, account: LedgerAccount, amount_cents: int, *, confirmed: bool) -> None:
    """A payment above what the guest owes for the stay (the posted balance plus the nights still to post) is a
    mistake more often than a deposit: it needs the desk's explicit confirmation, and is kept as credit."""
    due = max(0, checkout_preview(res, account, today=business_date(res.property))["due_for_stay_cents"])
    if amount_cents > due and not confirmed:
        over = amount_cents - due
        raise Conflict(f"{format_minor(amount_cents, account.currency)} is more than the {format_minor(due, account.currency)} due for the stay; "
                       f"confirm the overpayment to keep {format_minor(over, account.currency)} as credit on the folio.",
                       code="overpayment_needs_confirmation", extra={"due_cents": due, "overpayment_cents": over})


def record_folio_payment(*, tenant, actor, reservation_id: int, amount_cents: int, method: str = "CARD", reference: str = "", refund: bool = False,
                         confirm_overpayment: bool = False) -> LedgerEntry:
    """Money received (a billing payment of the guest's customer, posted as PAYMENT, and allocated to the
    folio's open invoices, oldest first, when the folio was invoiced already) or given back
    (refunds of those payments, newest first, each posted as REFUND) at the desk. A payment above what is due
    for the stay is refused (409 overpayment_needs_confirmation) unless `confirm_overpayment`. Returns the folio
    entry (for a refund spread over several payments, the last of its entries)."""
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
        if refund:
            entry = _refund_at_desk(tenant, actor, res, amount_cents, method, reference)
        else:
            refuse_unconfirmed_overpayment(res, account, amount_cents, confirmed=confirm_overpayment)
            customer = reservation_customer(tenant, actor, res)
            payment = billing.record_payment(tenant=tenant, actor=actor, customer_id=customer.pk, amount_minor=amount_cents, method=method, currency=res.currency,
                                             reference=reference, booking_id=res.booking_id, source=SOURCE)
            entry = LedgerEntry.objects.get(payment=payment, entry_type=LedgerEntry.PAYMENT)
            billing.apply_ledger_money(tenant=tenant, actor=actor, ledger_id=account.pk)  # an invoiced folio's open invoice is paid by it
        _posted(tenant, actor, res, [entry])
    return entry


def invoice_folio(*, tenant, actor, reservation_id: int):
    """Turn the folio's charges not invoiced yet into a billing invoice for the guest's customer,
    paid from the desk payments already on the folio (billing's `invoice_ledger`). For a guest in house the
    charges a check-out now would post (the nights to date, at least the first) are posted first, so the
    invoice covers the stay so far as check-out would bill it. The folio stays the record; a later charge
    can be invoiced again the same way."""
    if actor is not None:
        require_perm(actor, tenant, "hotel.folio.manage")
    with transaction.atomic():
        res = _lock(tenant, reservation_id)
        account = folio_account(tenant, res)
        if res.status == Reservation.CHECKED_IN and account.status != LedgerAccount.CLOSED:
            post_stay_nights(tenant, actor, res, until=departure_date(res, business_date(res.property)))
            account.refresh_from_db()
        customer = reservation_customer(tenant, actor, res)
        invoice = billing.invoice_ledger(tenant=tenant, actor=actor, ledger_id=account.pk, customer_id=customer.pk,
                                         notes=f"Folio of reservation R{res.pk}, {res.check_in_date} – {res.check_out_date}")
        log_action(tenant=tenant, actor=actor, entity=res, action="hotel.folio.invoiced", diff={"invoice_id": [None, invoice.pk], "total_cents": [None, invoice.total_minor]})
        emit(tenant, "folio:invoiced", {"reservation_id": res.pk, "folio_id": account.pk, "invoice_id": invoice.pk})
    return invoice


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

"""Per-booking ledgers (folios): signed entries and per-type totals kept in the same transaction.

Invoices and payments post here themselves (issue -> CHARGE/TAX, credit note and void -> ADJUSTMENT,
allocation -> PAYMENT, de-allocation by refund -> REFUND); a received payment bound to a booking
and not allocated at receipt posts PAYMENT on that booking's ledger itself (and its refunds REFUND);
verticals post folio charges and fees directly with `post_ledger_entry`. Each entry carries a `code`,
the vertical's own word for it (ROOM_CHARGE for a CHARGE), defaulting to its entry type; a ledger
may name the site (property) it belongs to.
"""
from __future__ import annotations

from django.db import transaction

from holdfast.core.audit.services import log_action
from holdfast.core.customers.models import Customer
from holdfast.core.events.services import emit
from holdfast.core.tenancy.selectors import get_owned
from holdfast.kit.clock import now
from holdfast.kit.errors import Conflict, ValidationFailed

from holdfast.core.inventory.models import Site

from ..models import LedgerAccount, LedgerEntry
from ._common import actor_label, currency_of, lock_rows, tenant_booking_id

TOTAL_FIELD = {
    LedgerEntry.CHARGE: "charges_minor",
    LedgerEntry.TAX: "tax_minor",
    LedgerEntry.FEE: "fees_minor",
    LedgerEntry.ADJUSTMENT: "adjustments_minor",
    LedgerEntry.REFUND: "refunds_minor",
}


def ledger_for(tenant, *, booking_id: int, source: str, currency: str, customer=None, site_id: int | None = None) -> LedgerAccount:
    """The booking's ledger, opened on first use, locked for this transaction. `site_id` names the
    site it belongs to (set when opened, or filled in later; never moved to another site)."""
    booking_id = tenant_booking_id(tenant, booking_id)
    if booking_id is None:
        raise ValidationFailed("A ledger belongs to a booking.", fields={"booking_id": ["Required."]})
    if site_id is not None:
        site_id = get_owned(Site, tenant, site_id, what="site").pk
    account, _ = LedgerAccount.objects.get_or_create(tenant=tenant, source=source or "", booking_id=booking_id, defaults={"currency": currency, "customer": customer, "site_id": site_id})
    account = lock_rows(LedgerAccount.objects.filter(pk=account.pk))[0]
    if account.currency != currency:
        raise Conflict(f"The booking's ledger is kept in {account.currency}, not {currency}.", code="currency_mismatch")
    if site_id is not None and account.site_id != site_id:
        if account.site_id is not None:
            raise Conflict("The booking's ledger belongs to another site.", code="ledger_site_mismatch")
        account.site_id = site_id
        account.save(update_fields=["site"])
    return account


def post(account: LedgerAccount, *, entry_type: str, amount_minor: int, description: str, actor=None, invoice=None, payment=None, source_ref: str = "", code: str = "") -> LedgerEntry:
    """Append one entry and move the matching total (caller holds the account's lock)."""
    entry = LedgerEntry.objects.create(
        tenant_id=account.tenant_id, account=account, entry_type=entry_type, code=(code or entry_type)[:40], amount_minor=amount_minor, description=description[:300],
        posted_by=actor_label(actor), invoice=invoice, payment=payment, source_ref=source_ref[:200],
    )
    if entry_type == LedgerEntry.PAYMENT:
        account.payments_minor += -amount_minor
    else:
        setattr(account, TOTAL_FIELD[entry_type], getattr(account, TOTAL_FIELD[entry_type]) + amount_minor)
    account.save(update_fields=["charges_minor", "tax_minor", "fees_minor", "adjustments_minor", "payments_minor", "refunds_minor"])
    return entry


def open_ledger(*, tenant, actor, booking_id: int, source: str, currency: str | None = None, customer_id: int | None = None, site_id: int | None = None) -> LedgerAccount:
    """The booking's ledger (folio), opened if it does not exist yet, locked for the caller's
    transaction. `site_id` records the site (property) it belongs to."""
    with transaction.atomic():
        customer = get_owned(Customer, tenant, customer_id, what="customer") if customer_id else None
        account = ledger_for(tenant, booking_id=booking_id, source=source, currency=currency_of(tenant, currency), customer=customer, site_id=site_id)
        if customer is not None and account.customer_id is None:
            account.customer = customer
            account.save(update_fields=["customer"])
    return account


MANUAL_TYPES = (LedgerEntry.CHARGE, LedgerEntry.TAX, LedgerEntry.FEE, LedgerEntry.ADJUSTMENT)


def post_ledger_entry(*, tenant, actor, booking_id: int, source: str, entry_type: str, amount_minor: int, description: str, customer_id: int | None = None, currency: str | None = None,
                      source_ref: str = "", code: str = "", site_id: int | None = None) -> LedgerEntry:
    """A folio posting by a vertical or staff: charges, taxes, fees, adjustments (never money moves).

    `code` is the vertical's word for the entry (ROOM_CHARGE for a CHARGE; default: the entry type);
    `site_id` names the site (property) the ledger belongs to."""
    if entry_type not in MANUAL_TYPES:
        raise ValidationFailed("Payments and refunds are recorded through payments, not posted by hand.", fields={"entry_type": [f"Use one of {', '.join(MANUAL_TYPES)}."]})
    if isinstance(amount_minor, bool) or not isinstance(amount_minor, int) or (entry_type != LedgerEntry.ADJUSTMENT and amount_minor < 0) or amount_minor == 0:
        raise ValidationFailed("Give a non-zero amount in minor units (only adjustments may be negative).", fields={"amount_minor": ["Invalid amount."]})
    if not (description or "").strip():
        raise ValidationFailed("Describe the entry.", fields={"description": ["Required."]})
    with transaction.atomic():
        customer = get_owned(Customer, tenant, customer_id, what="customer") if customer_id else None
        account = ledger_for(tenant, booking_id=booking_id, source=source, currency=currency_of(tenant, currency), customer=customer, site_id=site_id)
        if account.status == LedgerAccount.CLOSED:
            raise Conflict("The ledger is closed; reopen it to post.", code="ledger_closed")
        entry = post(account, entry_type=entry_type, amount_minor=amount_minor, description=description.strip(), actor=actor, source_ref=source_ref, code=(code or "").strip().upper())
        log_action(tenant=tenant, actor=actor, entity=entry, action="billing.ledger.posted", diff={"entry_type": [None, entry_type], "code": [None, entry.code], "amount_minor": [None, amount_minor]})
        emit(tenant, "ledger:posted", {"ledger_id": account.pk, "booking_id": booking_id, "entry_id": entry.pk})
    return entry


def close_ledger(*, tenant, actor, ledger_id: int, force: bool = False) -> LedgerAccount:
    """Close a settled folio (balance zero); `force` closes with a balance, recorded in the audit."""
    with transaction.atomic():
        account = get_owned(LedgerAccount.objects.select_for_update(), tenant, ledger_id, what="ledger")
        if account.status == LedgerAccount.CLOSED:
            return account
        if account.balance_minor != 0 and not force:
            raise Conflict(f"The ledger still has a balance of {account.balance_minor} minor units.", code="ledger_unsettled", extra={"balance_minor": account.balance_minor})
        account.status, account.closed_at = LedgerAccount.CLOSED, now()
        account.save(update_fields=["status", "closed_at"])
        log_action(tenant=tenant, actor=actor, entity=account, action="billing.ledger.closed", diff={"status": ["OPEN", "CLOSED"], "balance_minor": [None, account.balance_minor], "force": [None, force]})
        emit(tenant, "ledger:closed", {"ledger_id": account.pk, "booking_id": account.booking_id})
    return account


def reopen_ledger(*, tenant, actor, ledger_id: int) -> LedgerAccount:
    with transaction.atomic():
        account = get_owned(LedgerAccount.objects.select_for_update(), tenant, ledger_id, what="ledger")
        if account.status == LedgerAccount.OPEN:
            return account
        account.status, account.closed_at = LedgerAccount.OPEN, None
        account.save(update_fields=["status", "closed_at"])
        log_action(tenant=tenant, actor=actor, entity=account, action="billing.ledger.reopened", diff={"status": ["CLOSED", "OPEN"]})
        emit(tenant, "ledger:reopened", {"ledger_id": account.pk, "booking_id": account.booking_id})
    return account

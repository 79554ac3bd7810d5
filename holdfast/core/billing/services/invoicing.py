"""Invoice items and invoices: create items, batch them into invoices, issue with a gapless number,
void (releasing the items), mark uncollectible, record sending.

Status rules (seed 003 §5.3): DRAFT is being edited (no number, not revenue, never overdue);
PENDING is issued with a number and a due date; PAID is covered by payments/credit notes; VOID was
issued in error (its items are PENDING again; never revenue or overdue); UNCOLLECTIBLE is bad debt.
Invoice numbers are taken from a per-tenant counter row locked in the issuing transaction, so they
are gapless: a number is only consumed by a committed PENDING invoice, and voided invoices keep it.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction

from holdfast.core.audit.services import log_action
from holdfast.core.customers.models import Customer
from holdfast.core.events.services import emit, emit_stats_changed, notify_members_with
from holdfast.core.tenancy.selectors import get_owned
from holdfast.kit.clock import now
from holdfast.kit.errors import Conflict, NotFound, ValidationFailed
from holdfast.kit.locking import translate_db_errors
from holdfast.kit.money import Money, format_minor
from holdfast.kit import dates

from .. import hooks, selectors
from ..models import Invoice, InvoiceCounter, InvoiceItem, InvoiceLine, LedgerEntry, PaymentReminder, PriceQuote
from . import ledger
from ._common import actor_label, currency_of, notify_customer_users, known_booking_id, lock_rows, require_positive, tenant_booking_id, tenant_today
from .pricing import resolve_tax


def _tax_for(tenant, day: dt.date, tax_rate, tax_name: str):
    if tax_rate is not None:
        rate = Decimal(str(tax_rate))
        if not rate.is_finite() or rate < 0 or rate > 100:
            raise ValidationFailed("Tax rate must be between 0 and 100.", fields={"tax_rate": ["0–100 percent."]})
        return rate, tax_name or ("Tax" if rate else "")
    rule = resolve_tax(tenant, day=day, country=tenant.country, region=tenant.region)
    return (rule.rate, rule.name) if rule else (Decimal("0"), "")


def create_invoice_item(*, tenant, actor, customer_id: int, description: str, unit_price_minor: int, quantity: int = 1, currency: str | None = None, booking_id: int | None = None, source: str = "", source_ref: str = "", category: str = "", staff_id: int | None = None, service_date: dt.date | None = None, tax_rate=None, tax_name: str = "",
                        tax_minor: int | None = None) -> InvoiceItem:
    """A billable unit (seed 003 §5.1). Idempotent on (source, source_ref): the same completed job
    never yields two live items. Tax comes from the tenant's tax rules unless given; `tax_minor`
    (with `tax_rate`) takes a tax already computed and posted elsewhere (a folio's TAX entry) as is."""
    require_positive("unit_price_minor", unit_price_minor, allow_zero=True)
    if tax_minor is not None:
        require_positive("tax_minor", tax_minor, allow_zero=True)
    require_positive("quantity", quantity)
    if not (description or "").strip():
        raise ValidationFailed("Describe what is billed.", fields={"description": ["Required."]})
    currency = currency_of(tenant, currency)
    with transaction.atomic():
        customer = get_owned(Customer, tenant, customer_id, what="customer")
        booking_id = tenant_booking_id(tenant, booking_id)
        if staff_id is not None and staff_id not in hooks.staff_names(tenant, {staff_id}):
            # staff_id is a vertical's own staff id (a walker); the vertical's namer knows this business's
            raise NotFound(f"No staff member with id {staff_id} in this business.", code="not_found")
        if source_ref:
            existing = InvoiceItem.objects.for_tenant(tenant).filter(source=source, source_ref=source_ref).exclude(status=InvoiceItem.VOID).first()
            if existing:
                return existing
        day = service_date or tenant_today(tenant)
        rate, name = _tax_for(tenant, day, tax_rate, tax_name)
        amount = Money(unit_price_minor, currency).times(quantity)
        require_positive("amount_minor", amount.minor, allow_zero=True)  # price x quantity within bounds
        with translate_db_errors({"invoiceitem_source_ref_unique": "That source already has a billable item."}):
            item = InvoiceItem.objects.create(
                tenant=tenant, customer=customer, booking_id=booking_id, source=source, source_ref=source_ref, description=description.strip()[:300],
                category=category, staff_id=staff_id, service_date=service_date, quantity=quantity, unit_price_minor=unit_price_minor,
                amount_minor=amount.minor, currency=currency, tax_name=name, tax_rate=rate, tax_minor=amount.percent(rate).minor if tax_minor is None else tax_minor,
            )
        log_action(tenant=tenant, actor=actor, entity=item, action="billing.item.created", diff={"amount_minor": [None, item.amount_minor], "tax_minor": [None, item.tax_minor], "customer_id": [None, customer.pk]})
        emit(tenant, "invoice_item:created", {"item_id": item.pk, "customer_id": customer.pk, "booking_id": booking_id})
        emit_stats_changed(tenant, "billing")
    return item


def items_from_quote(*, tenant, actor, quote_id: int, customer_id: int | None = None) -> list[InvoiceItem]:
    """Billable items from a locked quote: one per price line, carrying the line's snapshotted tax."""
    with transaction.atomic():
        quote_row = get_owned(PriceQuote, tenant, quote_id, what="price quote")
        if not quote_row.locked:
            raise Conflict("Lock (snapshot) the price before billing it.", code="price_not_locked")
        customer_id = customer_id or quote_row.customer_id
        if not customer_id:
            raise ValidationFailed("Say which customer is billed.", fields={"customer_id": ["Required."]})
        items = []
        for line in quote_row.lines.all():
            label = f"{line.description} {line.date_from.isoformat()}–{line.date_to.isoformat()}"
            items.append(create_invoice_item(
                tenant=tenant, actor=actor, customer_id=customer_id, description=label, unit_price_minor=line.amount_minor, quantity=1,
                currency=quote_row.currency, booking_id=known_booking_id(tenant, quote_row.booking_id), source=quote_row.source, source_ref=f"quote:{quote_row.pk}:line:{line.pk}",
                category=line.product_code, service_date=line.date_from, tax_rate=line.tax_rate, tax_name=line.tax_name,
            ))
    return items


def void_invoice_item(*, tenant, actor, item_id: int, reason: str) -> InvoiceItem:
    """Exclude a PENDING item from billing (e.g. its job was cancelled). A BILLED item needs its invoice voided first."""
    if not (reason or "").strip():
        raise ValidationFailed("Say why the item is voided.", fields={"reason": ["Required."]})
    with transaction.atomic():
        item = get_owned(InvoiceItem.objects.select_for_update(), tenant, item_id, what="invoice item")
        if item.status == InvoiceItem.VOID:
            return item
        if item.status == InvoiceItem.BILLED:
            raise Conflict("The item is on an invoice; void that invoice first.", code="item_billed", extra={"invoice_id": item.invoice_id})
        item.status, item.voided_at, item.void_reason = InvoiceItem.VOID, now(), reason.strip()[:300]
        item.save(update_fields=["status", "voided_at", "void_reason"])
        log_action(tenant=tenant, actor=actor, entity=item, action="billing.item.voided", diff={"status": ["PENDING", "VOID"], "reason": [None, item.void_reason]})
        emit(tenant, "invoice_item:voided", {"item_id": item.pk, "booking_id": item.booking_id})
        emit_stats_changed(tenant, "billing")
    return item


def reprice_invoice_item(*, tenant, actor, item_id: int, unit_price_minor: int, reason: str) -> InvoiceItem:
    """Change a PENDING item's unit price (the job behind it was repriced, seed 003 §10.1 "adjust
    billing"): amount and tax are recomputed at the item's own tax rate. A BILLED item is on an
    invoice — void that invoice first (409 item_billed); a VOID one is not billed at all."""
    require_positive("unit_price_minor", unit_price_minor, allow_zero=True)
    if not (reason or "").strip():
        raise ValidationFailed("Say why the price changes.", fields={"reason": ["Required."]})
    with transaction.atomic():
        item = get_owned(InvoiceItem.objects.select_for_update(), tenant, item_id, what="invoice item")
        if item.status != InvoiceItem.PENDING:
            code = "item_billed" if item.status == InvoiceItem.BILLED else "item_void"
            raise Conflict(f"The item is {item.status}; only a PENDING item can be repriced. Void its invoice first." if code == "item_billed" else "The item is void.",
                           code=code, extra={"invoice_id": item.invoice_id})
        before = (item.unit_price_minor, item.amount_minor, item.tax_minor)
        amount = Money(unit_price_minor, item.currency).times(item.quantity)
        require_positive("amount_minor", amount.minor, allow_zero=True)
        item.unit_price_minor, item.amount_minor, item.tax_minor = unit_price_minor, amount.minor, amount.percent(item.tax_rate).minor
        item.save(update_fields=["unit_price_minor", "amount_minor", "tax_minor"])
        log_action(tenant=tenant, actor=actor, entity=item, action="billing.item.repriced",
                   diff={"unit_price_minor": [before[0], item.unit_price_minor], "amount_minor": [before[1], item.amount_minor], "tax_minor": [before[2], item.tax_minor], "reason": [None, reason.strip()[:300]]})
        emit(tenant, "invoice_item:updated", {"item_id": item.pk, "booking_id": item.booking_id, "amount_minor": item.amount_minor})
        emit_stats_changed(tenant, "billing")
    return item


def void_items_for_booking(*, tenant, actor, booking_id: int, source: str, reason: str) -> int:
    """A cancelled booking's PENDING items leave billing (seed 003 §4.5); billed ones stay for review."""
    ids = list(InvoiceItem.objects.for_tenant(tenant).filter(booking_id=booking_id, source=source, status=InvoiceItem.PENDING).values_list("pk", flat=True))
    for item_id in ids:
        void_invoice_item(tenant=tenant, actor=actor, item_id=item_id, reason=reason)
    return len(ids)


def _next_number(tenant) -> int:
    counter, _ = InvoiceCounter.objects.get_or_create(tenant=tenant)
    counter = lock_rows(InvoiceCounter.objects.filter(pk=counter.pk))[0]
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return counter.last_number


def create_invoice(*, tenant, actor, customer_id: int, item_ids: list[int], issue: bool = True, notes: str = "") -> Invoice:
    """Batch PENDING items of one customer into one invoice (seed 003 §5.2); items become BILLED."""
    ids = sorted({int(i) for i in item_ids or []})
    if not ids:
        raise ValidationFailed("Choose at least one item.", fields={"item_ids": ["At least one item."]})
    with transaction.atomic():
        customer = get_owned(Customer, tenant, customer_id, what="customer")
        items = lock_rows(InvoiceItem.objects.for_tenant(tenant).filter(pk__in=ids))
        if len(items) != len(ids):
            missing = sorted(set(ids) - {i.pk for i in items})
            raise ValidationFailed("Some items do not exist.", fields={"item_ids": [f"No item with id {m}." for m in missing]})
        errors = [f"Item {i.pk} is {i.status}, not PENDING." for i in items if i.status != InvoiceItem.PENDING]
        errors += [f"Item {i.pk} belongs to another customer." for i in items if i.customer_id != customer.pk]
        if len({i.currency for i in items}) > 1:
            errors.append("Items in different currencies cannot share an invoice.")
        if errors:
            raise Conflict("These items cannot be invoiced together. " + " ".join(errors), code="items_not_billable", extra={"problems": errors})
        bookings = {(i.source, i.booking_id) for i in items}
        single = next(iter(bookings)) if len(bookings) == 1 and items[0].booking_id is not None else ("", None)
        invoice = Invoice.objects.create(
            tenant=tenant, customer=customer, currency=items[0].currency, booking_id=single[1], source=single[0], notes=notes or "",
            subtotal_minor=sum(i.amount_minor for i in items), tax_minor=sum(i.tax_minor for i in items), total_minor=sum(i.amount_minor + i.tax_minor for i in items),
        )
        InvoiceLine.objects.bulk_create([
            InvoiceLine(tenant=tenant, invoice=invoice, item=i, booking_id=i.booking_id, description=i.description, category=i.category, staff_id=i.staff_id,
                        quantity=i.quantity, unit_price_minor=i.unit_price_minor, amount_minor=i.amount_minor, tax_name=i.tax_name, tax_rate=i.tax_rate, tax_minor=i.tax_minor, position=n)
            for n, i in enumerate(items)
        ])
        InvoiceItem.objects.filter(pk__in=ids).update(status=InvoiceItem.BILLED, invoice=invoice)
        log_action(tenant=tenant, actor=actor, entity=invoice, action="billing.invoice.created", diff={"item_ids": [None, ids], "total_minor": [None, invoice.total_minor]})
        emit(tenant, "invoice:created", {"invoice_id": invoice.pk, "customer_id": customer.pk, "total_minor": invoice.total_minor})
        if issue:
            invoice = _issue(tenant, actor, invoice)
        emit_stats_changed(tenant, "billing")
    return invoice


def create_invoices_for_items(*, tenant, actor, item_ids: list[int], issue: bool = True) -> list[Invoice]:
    """Batch the chosen PENDING items into invoices, one per customer and currency (the "Items to invoice"
    screen: tick items of several customers, create their invoices at once). All or nothing: a refusal of
    one batch (an item billed meanwhile) creates none of them."""
    ids = sorted({int(i) for i in item_ids or []})
    if not ids:
        raise ValidationFailed("Choose at least one item.", fields={"item_ids": ["At least one item."]})
    with transaction.atomic():
        groups: dict[tuple, list[int]] = {}
        for pk, customer_id, currency in InvoiceItem.objects.for_tenant(tenant).filter(pk__in=ids).order_by("customer_id", "currency", "pk").values_list("pk", "customer_id", "currency"):
            groups.setdefault((customer_id, currency), []).append(pk)
        missing = sorted(set(ids) - {pk for group in groups.values() for pk in group})
        if missing:
            raise ValidationFailed("Some items do not exist.", fields={"item_ids": [f"No item with id {m}." for m in missing]})
        return [create_invoice(tenant=tenant, actor=actor, customer_id=customer_id, item_ids=group, issue=issue) for (customer_id, _), group in groups.items()]


def _issue(tenant, actor, invoice: Invoice) -> Invoice:
    invoice.number = _next_number(tenant)
    invoice.issue_date = tenant_today(tenant)
    invoice.due_date = invoice.issue_date + dt.timedelta(days=int(tenant.setting("payment_terms_days") or 0))
    invoice.status = Invoice.PENDING
    invoice.version += 1
    invoice.save()
    _post_invoice_to_ledgers(tenant, actor, invoice)
    log_action(tenant=tenant, actor=actor, entity=invoice, action="billing.invoice.issued", diff={"status": ["DRAFT", "PENDING"], "number": [None, invoice.number], "due_date": [None, invoice.due_date]})
    emit(tenant, "invoice:issued", {"invoice_id": invoice.pk, "number": invoice.number, "due_date": invoice.due_date})
    return invoice


def _post_invoice_to_ledgers(tenant, actor, invoice: Invoice) -> None:
    """Charge a single-booking invoice to that booking's ledger (line by line, tax separately).
    Invoices spanning several bookings (batched petcare jobs) are not folio documents."""
    account = ledger_of_invoice(tenant, invoice)
    if account is None:
        return
    for line in invoice.lines.all():
        ledger.post(account, entry_type=LedgerEntry.CHARGE, amount_minor=line.amount_minor, description=f"{invoice.display_number}: {line.description}", actor=actor, invoice=invoice)
        if line.tax_minor:
            ledger.post(account, entry_type=LedgerEntry.TAX, amount_minor=line.tax_minor, description=f"{invoice.display_number}: {line.tax_name} {line.tax_rate}%", actor=actor, invoice=invoice)


def ledger_of_invoice(tenant, invoice: Invoice):
    """The ledger an invoice's charges and payments post to: its booking's, when it has exactly one."""
    if invoice.booking_id is None or invoice.number is None:
        return None
    return ledger.ledger_for(tenant, booking_id=invoice.booking_id, source=invoice.source, currency=invoice.currency, customer=invoice.customer)


def issue_invoice(*, tenant, actor, invoice_id: int) -> Invoice:
    with transaction.atomic():
        invoice = get_owned(Invoice.objects.select_for_update(), tenant, invoice_id, what="invoice")
        if invoice.status != Invoice.DRAFT:
            raise Conflict(f"Only a DRAFT invoice can be issued; this one is {invoice.status}.", code="invalid_invoice_status")
        invoice = _issue(tenant, actor, invoice)
        emit_stats_changed(tenant, "billing")
    return invoice


def void_invoice(*, tenant, actor, invoice_id: int, reason: str) -> Invoice:
    """Cancel an invoice made in error: its items go back to PENDING, scheduled reminders are cancelled.
    An invoice with money allocated to it must have that money refunded or moved first."""
    if not (reason or "").strip():
        raise ValidationFailed("Say why the invoice is voided.", fields={"reason": ["Required."]})
    with transaction.atomic():
        invoice = get_owned(Invoice.objects.select_for_update(), tenant, invoice_id, what="invoice")
        if invoice.status not in (Invoice.DRAFT, Invoice.PENDING):
            raise Conflict(f"A {invoice.status} invoice cannot be voided.", code="invalid_invoice_status")
        if selectors.invoice_allocated_minor(invoice) > 0:
            raise Conflict("Money is allocated to this invoice; refund or reallocate it first.", code="invoice_has_payments")
        before = invoice.status
        if before == Invoice.PENDING:
            _reverse_on_ledgers(tenant, actor, invoice)
        InvoiceItem.objects.filter(invoice=invoice, status=InvoiceItem.BILLED).update(status=InvoiceItem.PENDING, invoice=None)
        PaymentReminder.objects.filter(invoice=invoice, status=PaymentReminder.SCHEDULED).update(status=PaymentReminder.CANCELLED)
        invoice.status, invoice.voided_at, invoice.status_reason = Invoice.VOID, now(), reason.strip()[:300]
        invoice.version += 1
        invoice.save()
        log_action(tenant=tenant, actor=actor, entity=invoice, action="billing.invoice.voided", diff={"status": [before, "VOID"], "reason": [None, invoice.status_reason]})
        emit(tenant, "invoice:voided", {"invoice_id": invoice.pk})
        emit_stats_changed(tenant, "billing")
    return invoice


def reject_invoice(*, tenant, actor, invoice_id: int, reason: str) -> Invoice:
    """A PENDING (or DRAFT) invoice whose order was turned down (seed 001's Rejected): REJECTED keeps its
    number and lines, its items become VOID (never billed again), scheduled reminders are cancelled.
    Money allocated to it must be refunded or moved first."""
    if not (reason or "").strip():
        raise ValidationFailed("Say why the invoice is rejected.", fields={"reason": ["Required."]})
    with transaction.atomic():
        invoice = get_owned(Invoice.objects.select_for_update(), tenant, invoice_id, what="invoice")
        if invoice.status not in (Invoice.DRAFT, Invoice.PENDING):
            raise Conflict(f"A {invoice.status} invoice cannot be rejected.", code="invalid_invoice_status")
        if selectors.invoice_allocated_minor(invoice) > 0:
            raise Conflict("Money is allocated to this invoice; refund or reallocate it first.", code="invoice_has_payments")
        before, moment = invoice.status, now()
        if before == Invoice.PENDING:
            _reverse_on_ledgers(tenant, actor, invoice)
        InvoiceItem.objects.filter(invoice=invoice, status=InvoiceItem.BILLED).update(status=InvoiceItem.VOID, invoice=None, voided_at=moment, void_reason=reason.strip()[:300])
        PaymentReminder.objects.filter(invoice=invoice, status=PaymentReminder.SCHEDULED).update(status=PaymentReminder.CANCELLED)
        invoice.status, invoice.voided_at, invoice.status_reason = Invoice.REJECTED, moment, reason.strip()[:300]
        invoice.version += 1
        invoice.save()
        log_action(tenant=tenant, actor=actor, entity=invoice, action="billing.invoice.rejected", diff={"status": [before, "REJECTED"], "reason": [None, invoice.status_reason]})
        emit(tenant, "invoice:rejected", {"invoice_id": invoice.pk})
        emit_stats_changed(tenant, "billing")
    return invoice


def _reverse_on_ledgers(tenant, actor, invoice: Invoice) -> None:
    """Undo what the invoice still charges on its ledger with one negative adjustment."""
    account = ledger_of_invoice(tenant, invoice)
    if account is None:
        return
    net = sum(LedgerEntry.objects.filter(invoice=invoice, entry_type__in=[LedgerEntry.CHARGE, LedgerEntry.TAX, LedgerEntry.ADJUSTMENT]).values_list("amount_minor", flat=True))
    if net:
        ledger.post(account, entry_type=LedgerEntry.ADJUSTMENT, amount_minor=-net, description=f"{invoice.display_number} voided", actor=actor, invoice=invoice)


def mark_uncollectible(*, tenant, actor, invoice_id: int, reason: str) -> Invoice:
    if not (reason or "").strip():
        raise ValidationFailed("Say why the invoice is uncollectible.", fields={"reason": ["Required."]})
    with transaction.atomic():
        invoice = get_owned(Invoice.objects.select_for_update(), tenant, invoice_id, what="invoice")
        if invoice.status != Invoice.PENDING:
            raise Conflict(f"Only a PENDING invoice can be written off; this one is {invoice.status}.", code="invalid_invoice_status")
        invoice.status, invoice.status_reason = Invoice.UNCOLLECTIBLE, reason.strip()[:300]
        invoice.version += 1
        invoice.save()
        PaymentReminder.objects.filter(invoice=invoice, status=PaymentReminder.SCHEDULED).update(status=PaymentReminder.CANCELLED)
        log_action(tenant=tenant, actor=actor, entity=invoice, action="billing.invoice.uncollectible", diff={"status": ["PENDING", "UNCOLLECTIBLE"], "reason": [None, invoice.status_reason]})
        emit(tenant, "invoice:uncollectible", {"invoice_id": invoice.pk})
        emit_stats_changed(tenant, "billing")
    return invoice


def mark_invoice_sent(*, tenant, actor, invoice_id: int) -> Invoice:
    with transaction.atomic():
        invoice = get_owned(Invoice.objects.select_for_update(), tenant, invoice_id, what="invoice")
        if invoice.status == Invoice.DRAFT:
            raise Conflict("Issue the invoice before sending it.", code="invalid_invoice_status")
        invoice.sent_to_customer_at = now()
        invoice.save(update_fields=["sent_to_customer_at", "updated_at"])
        log_action(tenant=tenant, actor=actor, entity=invoice, action="billing.invoice.sent", diff={"sent_to_customer_at": [None, invoice.sent_to_customer_at]})
        emit(tenant, "invoice:sent", {"invoice_id": invoice.pk, "by": actor_label(actor)})
        notify_customer_users(tenant, invoice.customer, event_type="invoice:sent", title=f"Invoice {invoice.display_number}",
                              body=f"{format_minor(invoice.total_minor, invoice.currency)}" + (f", due {dates.day(invoice.due_date, tenant)}." if invoice.due_date else "."),
                              data={"invoice_id": invoice.pk})
    return invoice


def flag_overdue_invoices(*, at: dt.datetime | None = None) -> int:
    """The worker's overdue sweep: announce each newly overdue invoice once (invoice:overdue).

    Overdue itself is derived (PENDING, due before today in the tenant's zone); this only records
    when it was first noticed so notifications go out once. The conditional UPDATE makes it safe
    with several workers.
    """
    from holdfast.core.tenancy.selectors import active_tenants

    moment, flagged = at or now(), 0
    for tenant in active_tenants():
        today = tenant_today(tenant, moment)
        ids = list(Invoice.objects.for_tenant(tenant).filter(status=Invoice.PENDING, due_date__lt=today, overdue_notified_at__isnull=True).values_list("pk", flat=True)[:500])
        for invoice_id in ids:
            with transaction.atomic():
                if Invoice.objects.filter(pk=invoice_id, status=Invoice.PENDING, overdue_notified_at__isnull=True).update(overdue_notified_at=moment) != 1:
                    continue
                invoice = Invoice.objects.get(pk=invoice_id)
                emit(tenant, "invoice:overdue", {"invoice_id": invoice.pk, "number": invoice.number, "due_date": invoice.due_date, "customer_id": invoice.customer_id})
                notify_members_with(tenant, "billing.manage", event_type="invoice:overdue", title=f"Invoice {invoice.display_number} is overdue",
                                    body=f"{invoice.customer.name}, due {dates.day(invoice.due_date, tenant)}.", data={"invoice_id": invoice.pk}, email=True)
                emit_stats_changed(tenant, "billing")
                flagged += 1
    return flagged

"""Billing invariants checked by `holdfast doctor` (and by the hypothesis tests after every step)."""
from __future__ import annotations

from django.db import transaction
from django.db.models import Count, Q, Sum

from holdfast.kit.doctor import Finding, check, repair

from .models import CreditNote, Invoice, InvoiceItem, InvoiceLine, LedgerAccount, LedgerEntry, Payment, PaymentAllocation, PaymentReminder, Refund


def _sums(model, key: str, **filters) -> dict:
    return {row[key]: row["s"] for row in model.objects.filter(**filters).values(key).annotate(s=Sum("amount_minor")).order_by()}


@check("billing.invoice_totals", "Invoice totals equal their lines plus tax")
def invoice_totals() -> list[Finding]:
    findings = []
    lines = {r["invoice_id"]: r for r in InvoiceLine.objects.values("invoice_id").annotate(a=Sum("amount_minor"), t=Sum("tax_minor")).order_by()}
    for inv in Invoice.objects.only("id", "tenant_id", "subtotal_minor", "tax_minor", "total_minor"):
        row = lines.get(inv.pk, {"a": 0, "t": 0})
        if (inv.subtotal_minor, inv.tax_minor) != (row["a"] or 0, row["t"] or 0) or inv.total_minor != inv.subtotal_minor + inv.tax_minor:
            findings.append(Finding(f"invoice {inv.pk}: stored {inv.subtotal_minor}+{inv.tax_minor}={inv.total_minor}, lines say {row['a']}+{row['t']}", tenant_id=inv.tenant_id, data={"invoice_id": inv.pk}))
    return findings


@check("billing.allocations_within_limits", "Allocations never exceed a payment (after refunds) nor an invoice (after credit notes)")
def allocations_within_limits() -> list[Finding]:
    findings = []
    by_payment, refunded = _sums(PaymentAllocation, "payment_id"), _sums(Refund, "payment_id")
    for p in Payment.objects.only("id", "tenant_id", "amount_minor"):
        used = (by_payment.get(p.pk) or 0) + (refunded.get(p.pk) or 0)
        if used > p.amount_minor:
            findings.append(Finding(f"payment {p.pk}: allocated+refunded {used} > amount {p.amount_minor}", tenant_id=p.tenant_id, data={"payment_id": p.pk}))
    by_invoice, credited = _sums(PaymentAllocation, "invoice_id"), _sums(CreditNote, "invoice_id")
    for inv in Invoice.objects.only("id", "tenant_id", "total_minor", "status"):
        covered = (by_invoice.get(inv.pk) or 0) + (credited.get(inv.pk) or 0)
        if covered > inv.total_minor:
            findings.append(Finding(f"invoice {inv.pk}: allocated+credited {covered} > total {inv.total_minor}", tenant_id=inv.tenant_id, data={"invoice_id": inv.pk}))
        if inv.status in (Invoice.VOID, Invoice.DRAFT, Invoice.REJECTED) and by_invoice.get(inv.pk):
            findings.append(Finding(f"invoice {inv.pk} is {inv.status} but has money allocated", tenant_id=inv.tenant_id, data={"invoice_id": inv.pk}))
    return findings


@check("billing.paid_invoices_covered", "PAID invoices are fully covered; PENDING ones are not")
def paid_invoices_covered() -> list[Finding]:
    findings = []
    by_invoice, credited = _sums(PaymentAllocation, "invoice_id"), _sums(CreditNote, "invoice_id")
    for inv in Invoice.objects.filter(status__in=[Invoice.PAID, Invoice.PENDING]).only("id", "tenant_id", "total_minor", "status"):
        covered = (by_invoice.get(inv.pk) or 0) + (credited.get(inv.pk) or 0)
        if inv.status == Invoice.PAID and covered != inv.total_minor:
            findings.append(Finding(f"invoice {inv.pk} is PAID but covered {covered} of {inv.total_minor}", tenant_id=inv.tenant_id, data={"invoice_id": inv.pk}))
        if inv.status == Invoice.PENDING and covered >= inv.total_minor:
            findings.append(Finding(f"invoice {inv.pk} is fully covered but still PENDING", tenant_id=inv.tenant_id, data={"invoice_id": inv.pk}))
    return findings


@check("billing.items_billed_on_invoice", "Every BILLED item is on a live invoice; no PENDING/VOID item points at one")
def items_billed_on_invoice() -> list[Finding]:
    bad = InvoiceItem.objects.filter(
        Q(status=InvoiceItem.BILLED, invoice__isnull=True)
        | Q(status=InvoiceItem.BILLED, invoice__status=Invoice.VOID)
        | (~Q(status=InvoiceItem.BILLED) & Q(invoice__isnull=False))
    )
    return [Finding(f"invoice item {i.pk} is {i.status} with invoice {i.invoice_id}", tenant_id=i.tenant_id, data={"item_id": i.pk}) for i in bad]


@check("billing.ledger_balances", "Ledger totals equal their entries; balance equals charges minus payments; invoice postings match")
def ledger_balances() -> list[Finding]:
    findings = []
    per_type = {}
    for row in LedgerEntry.objects.values("account_id", "entry_type").annotate(s=Sum("amount_minor")).order_by():
        per_type.setdefault(row["account_id"], {})[row["entry_type"]] = row["s"] or 0
    for acc in LedgerAccount.objects.all():
        t = per_type.get(acc.pk, {})
        expected = {
            "charges_minor": t.get(LedgerEntry.CHARGE, 0), "tax_minor": t.get(LedgerEntry.TAX, 0), "fees_minor": t.get(LedgerEntry.FEE, 0),
            "adjustments_minor": t.get(LedgerEntry.ADJUSTMENT, 0), "refunds_minor": t.get(LedgerEntry.REFUND, 0), "payments_minor": -t.get(LedgerEntry.PAYMENT, 0),
        }
        drift = {k: (getattr(acc, k), v) for k, v in expected.items() if getattr(acc, k) != v}
        if drift or acc.balance_minor != sum(t.values()):
            findings.append(Finding(f"ledger {acc.pk}: stored totals drifted {drift}", tenant_id=acc.tenant_id, data={"ledger_id": acc.pk}))
    # Money posted for each invoice matches its allocations (payments minus released refunds). A
    # payment that posted itself to its booking's ledger at receipt carries its money there instead.
    direct = LedgerEntry.objects.filter(entry_type=LedgerEntry.PAYMENT, invoice__isnull=True, payment__isnull=False).values("payment_id")
    allocated = {
        r["invoice_id"]: r["s"] for r in PaymentAllocation.objects.exclude(payment_id__in=direct).values("invoice_id").annotate(s=Sum("amount_minor")).order_by()}
    posted = {r["invoice_id"]: r["s"] for r in LedgerEntry.objects.filter(entry_type__in=[LedgerEntry.PAYMENT, LedgerEntry.REFUND], invoice__isnull=False).values("invoice_id").annotate(s=Sum("amount_minor")).order_by()}
    for inv in Invoice.objects.filter(booking_id__isnull=False, number__isnull=False).only("id", "tenant_id"):
        if -(posted.get(inv.pk) or 0) != (allocated.get(inv.pk) or 0):
            findings.append(Finding(f"invoice {inv.pk}: ledger shows {-(posted.get(inv.pk) or 0)} paid, allocations {allocated.get(inv.pk) or 0}", tenant_id=inv.tenant_id, data={"invoice_id": inv.pk}))
    return findings


def _count_findings(model, key: str) -> list[Finding]:
    sent = {r[key]: r["n"] for r in PaymentReminder.objects.filter(status=PaymentReminder.SENT, **{f"{key}__isnull": False}).values(key).annotate(n=Count("id")).order_by()}
    findings = []
    what = model.__name__.lower()
    for row in model.objects.filter(Q(reminder_count__gt=0) | Q(pk__in=list(sent))).only("id", "tenant_id", "reminder_count"):
        if row.reminder_count != (sent.get(row.pk) or 0):
            findings.append(Finding(f"{what} {row.pk}: reminder_count {row.reminder_count} but {sent.get(row.pk) or 0} sent", tenant_id=row.tenant_id, data={f"{what}_id": row.pk}))
    return findings


@check("billing.reminder_counts", "Each invoice's and payment's reminder_count equals its SENT reminders")
def reminder_counts() -> list[Finding]:
    return _count_findings(Invoice, "invoice_id") + _count_findings(Payment, "payment_id")


@repair("billing.reminder_counts")
def repair_reminder_counts(findings: list[Finding]) -> int:
    """Recount from the SENT reminders (the reminders are the record; the count is derived)."""
    fixed = 0
    for finding in findings:
        model, key = (Invoice, "invoice") if "invoice_id" in finding.data else (Payment, "payment")
        with transaction.atomic():
            row = model.objects.select_for_update().get(pk=finding.data[f"{key}_id"])
            sent = PaymentReminder.objects.filter(**{key: row}, status=PaymentReminder.SENT)
            row.reminder_count = sent.count()
            row.last_reminder_at = sent.order_by("-sent_at").values_list("sent_at", flat=True).first()
            row.save(update_fields=["reminder_count", "last_reminder_at"])
            fixed += 1
    return fixed


@check("billing.desk_money_on_ledger", "A booking's payment that posted itself to its ledger shows there exactly what it still holds")
def desk_money_on_ledger() -> list[Finding]:
    """For a payment with a direct (invoice-less) PAYMENT entry, its ledger entries sum to minus what it
    still holds (amount less refunds): received once, each refund posted once."""
    direct = set(LedgerEntry.objects.filter(entry_type=LedgerEntry.PAYMENT, invoice__isnull=True, payment__isnull=False).values_list("payment_id", flat=True))
    if not direct:
        return []
    posted = {r["payment_id"]: r["s"] for r in LedgerEntry.objects.filter(payment_id__in=direct, invoice__isnull=True).values("payment_id").annotate(s=Sum("amount_minor")).order_by()}
    refunded = _sums(Refund, "payment_id", payment_id__in=direct)
    findings = []
    for p in Payment.objects.filter(pk__in=direct).only("id", "tenant_id", "amount_minor"):
        holds = p.amount_minor - (refunded.get(p.pk) or 0)
        if -(posted.get(p.pk) or 0) != holds:
            findings.append(Finding(f"payment {p.pk}: its ledger shows {-(posted.get(p.pk) or 0)}, it holds {holds}", tenant_id=p.tenant_id, data={"payment_id": p.pk}))
    return findings


@check("billing.unreceived_payments_are_not_money", "Expected and void payments have no allocations, refunds or ledger entries")
def unreceived_payments_are_not_money() -> list[Finding]:
    bad = Payment.objects.exclude(status=Payment.RECEIVED).filter(
        Q(pk__in=PaymentAllocation.objects.values("payment_id")) | Q(pk__in=Refund.objects.values("payment_id")) | Q(pk__in=LedgerEntry.objects.filter(payment__isnull=False).values("payment_id"))
    )
    return [Finding(f"payment {p.pk} is {p.status} but is treated as money", tenant_id=p.tenant_id, data={"payment_id": p.pk}) for p in bad]


@repair("billing.ledger_balances")
def repair_ledger_totals(findings: list[Finding]) -> int:
    """Rebuild a ledger's stored totals from its entries (entries are the record). Invoice/allocation
    mismatches are reported only: which side is right needs a person."""
    fixed = 0
    for finding in findings:
        ledger_id = finding.data.get("ledger_id")
        if not ledger_id:
            continue
        with transaction.atomic():
            account = LedgerAccount.objects.select_for_update().get(pk=ledger_id)
            sums = {r["entry_type"]: r["s"] or 0 for r in LedgerEntry.objects.filter(account=account).values("entry_type").annotate(s=Sum("amount_minor")).order_by()}
            account.charges_minor, account.tax_minor, account.fees_minor = sums.get(LedgerEntry.CHARGE, 0), sums.get(LedgerEntry.TAX, 0), sums.get(LedgerEntry.FEE, 0)
            account.adjustments_minor, account.refunds_minor = sums.get(LedgerEntry.ADJUSTMENT, 0), sums.get(LedgerEntry.REFUND, 0)
            account.payments_minor = -sums.get(LedgerEntry.PAYMENT, 0)
            account.save()
            fixed += 1
    return fixed

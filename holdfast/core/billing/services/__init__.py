"""Billing writes, one function per business step (each owns its transaction, audit entry and event).

Split by concern: pricing (rules, taxes, quotes, snapshots), invoicing (items, invoices), payments
(receipts, allocations, refunds, credit notes), ledger (folios), reminders, providers (Stripe).
"""
from .invoicing import (
    create_invoice,
    create_invoice_item,
    create_invoices_for_items,
    flag_overdue_invoices,
    issue_invoice,
    items_from_quote,
    mark_invoice_sent,
    mark_uncollectible,
    reject_invoice,
    reprice_invoice_item,
    void_invoice,
    void_invoice_item,
    void_items_for_booking,
)
from .ledger import close_ledger, open_ledger, post_ledger_entry, reopen_ledger
from .ledger_invoices import apply_ledger_money, invoice_ledger
from .payments import (
    allocate_payment,
    apply_customer_credit,
    create_credit_note,
    expect_payment,
    flag_payment_for_refund,
    settle_money_of_ended_booking,
    mark_invoice_paid,
    receive_payment,
    record_payment,
    refund_payment,
    void_payment,
)
from .pricing import create_price_rule, create_tax_rule, lock_quote, price_booking, quote, reprice_unlocked_quotes, update_price_rule, update_tax_rule
from .providers import handle_stripe_webhook
from .reminders import cancel_reminder, retry_reminder, schedule_reminder, send_due_reminders

__all__ = [
    "allocate_payment", "apply_customer_credit", "cancel_reminder", "close_ledger", "create_credit_note", "create_invoice", "create_invoice_item", "create_invoices_for_items",
    "create_price_rule", "create_tax_rule", "expect_payment", "receive_payment", "void_payment", "flag_overdue_invoices", "flag_payment_for_refund", "settle_money_of_ended_booking", "handle_stripe_webhook", "apply_ledger_money", "invoice_ledger", "issue_invoice", "open_ledger", "items_from_quote", "lock_quote",
    "mark_invoice_paid", "mark_invoice_sent", "mark_uncollectible", "post_ledger_entry", "price_booking", "quote", "record_payment", "refund_payment",
    "reopen_ledger", "reject_invoice", "reprice_invoice_item", "reprice_unlocked_quotes", "retry_reminder", "schedule_reminder", "send_due_reminders", "update_price_rule", "update_tax_rule", "void_invoice",
    "void_invoice_item", "void_items_for_booking",
]

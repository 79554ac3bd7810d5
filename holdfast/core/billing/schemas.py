from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema

from holdfast.kit.api import STRICT_INPUT, PatchSchema


class PriceRuleIn(Schema):
    model_config = STRICT_INPUT

    name: str = Field(..., min_length=1, max_length=200)
    product_code: str = "base"
    calculation: str = "PER_UNIT_PER_DAY"
    amount_minor: int | None = None
    percent: Decimal | None = None
    currency: str | None = None
    effective_from: dt.date
    effective_to: dt.date | None = None
    site_id: int | None = None
    resource_type_id: int | None = None
    is_promotional: bool = False


class PriceRulePatch(PatchSchema):
    model_config = STRICT_INPUT
    clearable = frozenset({'amount_minor', 'effective_to', 'percent', 'resource_type_id', 'site_id'})

    version: int
    name: str | None = None
    amount_minor: int | None = None
    percent: Decimal | None = None
    effective_from: dt.date | None = None
    effective_to: dt.date | None = None
    site_id: int | None = None  # explicit null = any site
    resource_type_id: int | None = None
    is_promotional: bool | None = None
    is_active: bool | None = None


class PriceRuleOut(Schema):
    id: int
    name: str
    product_code: str
    calculation: str
    amount_minor: int | None
    percent: Decimal | None
    currency: str
    effective_from: dt.date
    effective_to: dt.date | None
    site_id: int | None
    resource_type_id: int | None
    is_promotional: bool
    is_active: bool
    version: int


class TaxRuleIn(Schema):
    model_config = STRICT_INPUT

    name: str = Field(..., min_length=1, max_length=100)
    rate: Decimal
    country: str = ""
    region: str = ""
    site_id: int | None = None  # a site's own rule (beats tenant-wide rules there)
    effective_from: dt.date
    effective_to: dt.date | None = None


class TaxRulePatch(PatchSchema):
    model_config = STRICT_INPUT
    clearable = frozenset({'effective_to', 'site_id'})

    version: int
    name: str | None = Field(None, min_length=1, max_length=100)
    rate: Decimal | None = None
    country: str | None = None
    region: str | None = None
    site_id: int | None = None  # explicit null = tenant-wide
    effective_from: dt.date | None = None
    effective_to: dt.date | None = None
    is_active: bool | None = None


class TaxRuleOut(Schema):
    id: int
    name: str
    rate: Decimal
    country: str
    region: str
    site_id: int | None
    effective_from: dt.date
    effective_to: dt.date | None
    is_active: bool
    version: int


class ExtraIn(Schema):
    code: str
    quantity: int = 1


class QuoteIn(Schema):
    model_config = STRICT_INPUT

    start_date: dt.date
    end_date: dt.date
    units: int = 1
    extras: list[ExtraIn] = []
    site_id: int | None = None
    resource_type_id: int | None = None
    currency: str | None = None
    country: str | None = None
    region: str | None = None


class BookingQuoteIn(QuoteIn):
    model_config = STRICT_INPUT

    booking_id: int | None = None
    source: str = ""
    customer_id: int | None = None


class PriceLineOut(Schema):
    kind: str
    product_code: str
    description: str
    calculation: str
    date_from: dt.date
    date_to: dt.date
    days: int
    quantity: int
    rate_minor: int | None
    percent: Decimal | None
    amount_minor: int
    tax_name: str
    tax_rate: Decimal
    tax_minor: int


class QuotePreviewOut(Schema):
    currency: str
    subtotal_minor: int
    tax_minor: int
    total_minor: int
    lines: list[PriceLineOut]


class QuoteOut(Schema):
    id: int
    booking_id: int | None
    source: str
    currency: str
    start_date: dt.date
    end_date: dt.date
    units: int
    subtotal_minor: int
    tax_minor: int
    total_minor: int
    locked: bool
    locked_at: dt.datetime | None
    version: int
    lines: list[PriceLineOut]

    @staticmethod
    def resolve_lines(obj):
        return list(obj.lines.all())


class ItemIn(Schema):
    model_config = STRICT_INPUT

    customer_id: int
    description: str = Field(..., min_length=1, max_length=300)
    unit_price_minor: int
    quantity: int = 1
    currency: str | None = None
    booking_id: int | None = None
    source: str = ""
    source_ref: str = ""
    category: str = ""
    staff_id: int | None = None
    service_date: dt.date | None = None
    tax_rate: Decimal | None = None
    tax_name: str = ""


class ItemOut(Schema):
    id: int
    customer_id: int
    booking_id: int | None
    source: str
    source_ref: str
    description: str
    category: str
    quantity: int
    unit_price_minor: int
    amount_minor: int
    tax_name: str
    tax_rate: Decimal
    tax_minor: int
    currency: str
    status: str
    invoice_id: int | None
    created_at: dt.datetime


class ItemPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[ItemOut]


class ReasonIn(Schema):
    model_config = STRICT_INPUT

    reason: str = Field(..., min_length=1, max_length=300)


class InvoiceIn(Schema):
    model_config = STRICT_INPUT

    customer_id: int
    item_ids: list[int]
    issue: bool = True
    notes: str = ""


class InvoiceLineOut(Schema):
    description: str
    quantity: int
    unit_price_minor: int
    amount_minor: int
    tax_name: str
    tax_rate: Decimal
    tax_minor: int
    booking_id: int | None


class InvoiceOut(Schema):
    id: int
    number: int | None
    display_number: str
    status: str
    customer_id: int
    customer_name: str = Field(..., alias="customer.name")
    booking_id: int | None
    currency: str
    issue_date: dt.date | None
    due_date: dt.date | None
    subtotal_minor: int
    tax_minor: int
    total_minor: int
    allocated_minor: int
    credited_minor: int
    remaining_minor: int
    paid_at: dt.datetime | None
    payment_method: str
    sent_to_customer_at: dt.datetime | None
    reminder_count: int
    last_reminder_at: dt.datetime | None
    status_reason: str
    version: int


class InvoiceDetailOut(InvoiceOut):
    lines: list[InvoiceLineOut]

    @staticmethod
    def resolve_lines(obj):
        return list(obj.lines.all())


class InvoicePage(Schema):
    count: int
    page: int
    page_size: int
    results: list[InvoiceOut]


class AllocationIn(Schema):
    invoice_id: int
    amount_minor: int


class PaymentIn(Schema):
    model_config = STRICT_INPUT

    customer_id: int
    amount_minor: int
    method: str
    currency: str | None = None
    reference: str = ""
    paid_at: dt.datetime | None = None
    booking_id: int | None = None
    source: str = ""
    allocations: list[AllocationIn] | None = None
    invoice_ids: list[int] | None = None
    notes: str = ""
    kind: str = Field("", max_length=40)


class ExpectPaymentIn(Schema):
    model_config = STRICT_INPUT

    customer_id: int
    amount_minor: int
    due_date: dt.date
    booking_id: int | None = None
    kind: str = Field("", max_length=40)
    currency: str | None = None
    source: str = Field("", max_length=60)
    notes: str = ""


class ReceivePaymentIn(Schema):
    model_config = STRICT_INPUT

    method: str
    paid_at: dt.datetime | None = None
    reference: str = Field("", max_length=200)


class MarkPaidIn(Schema):
    model_config = STRICT_INPUT

    method: str
    reference: str = ""
    paid_at: dt.datetime | None = None


class AllocateIn(Schema):
    model_config = STRICT_INPUT

    invoice_id: int
    amount_minor: int | None = None


class RefundIn(Schema):
    model_config = STRICT_INPUT

    amount_minor: int
    reason: str = Field(..., min_length=1, max_length=300)
    method: str | None = None
    reference: str = ""


class RefundOut(Schema):
    id: int
    payment_id: int
    amount_minor: int
    reason: str
    method: str
    reference: str
    refunded_at: dt.datetime


class CreditNoteIn(Schema):
    model_config = STRICT_INPUT

    amount_minor: int
    reason: str = Field(..., min_length=1, max_length=300)


class CreditNoteOut(Schema):
    id: int
    invoice_id: int
    amount_minor: int
    reason: str
    created_at: dt.datetime


class PaymentOut(Schema):
    id: int
    customer_id: int
    booking_id: int | None
    booking_reference: str | None
    source: str
    status: str
    kind: str
    due_date: dt.date | None
    method: str
    reference: str
    paid_at: dt.datetime | None
    amount_minor: int
    currency: str
    allocated_minor: int
    refunded_minor: int
    unallocated_minor: int
    needs_refund: bool
    flag_reason: str
    reminder_count: int
    last_reminder_at: dt.datetime | None
    voided_at: dt.datetime | None
    void_reason: str

    @staticmethod
    def resolve_booking_reference(obj):
        return (obj.booking.reference or str(obj.booking_id)) if obj.booking_id else None


class PaymentPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[PaymentOut]


class ReminderIn(Schema):
    model_config = STRICT_INPUT

    send_at: dt.datetime | None = None
    message: str = ""
    to_email: str = ""


class ReminderOut(Schema):
    id: int
    invoice_id: int | None
    payment_id: int | None
    status: str
    scheduled_for: dt.datetime
    sent_at: dt.datetime | None
    to_email: str
    attempts: int
    last_error: str


class LedgerEntryIn(Schema):
    model_config = STRICT_INPUT

    booking_id: int
    source: str = ""
    entry_type: str
    amount_minor: int
    description: str = Field(..., min_length=1, max_length=300)
    customer_id: int | None = None
    currency: str | None = None
    code: str = Field("", max_length=40)
    site_id: int | None = None


class LedgerEntryOut(Schema):
    id: int
    entry_type: str
    code: str
    description: str
    amount_minor: int
    posted_at: dt.datetime
    posted_by: str
    invoice_id: int | None
    payment_id: int | None


class StatementRow(Schema):
    entry: LedgerEntryOut
    balance_minor: int


class LedgerOut(Schema):
    id: int
    booking_id: int
    source: str
    site_id: int | None
    currency: str
    status: str
    charges_minor: int
    tax_minor: int
    fees_minor: int
    adjustments_minor: int
    payments_minor: int
    refunds_minor: int
    balance_minor: int


class LedgerDetailOut(LedgerOut):
    statement: list[StatementRow]


class LedgerPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[LedgerOut]


class InvoiceLedgerIn(Schema):
    model_config = STRICT_INPUT

    customer_id: int | None = None  # default: the ledger's customer
    notes: str = ""


class CloseLedgerIn(Schema):
    model_config = STRICT_INPUT

    force: bool = False


class RevenueOut(Schema):
    currency: str
    revenue_last_7_days_minor: int
    paid_this_month_minor: int
    unpaid_count: int
    unpaid_minor: int
    overdue_count: int
    overdue_minor: int
    uncollectible_minor: int
    trend: list[dict]
    forecast: dict
    by_customer: list[dict]
    by_service: list[dict]
    by_staff: list[dict]

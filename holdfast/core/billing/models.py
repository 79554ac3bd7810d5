"""Billing: price rules and quotes (snapshots), tax rules, invoice items, invoices, payments with
allocations, refunds, credit notes, per-booking ledgers (folios), payment reminders, provider events.

Money is integer minor units plus a currency code (holdfast.kit.money); rates are Decimal.
A Payment points at its core booking with a real foreign key (`booking`, column booking_id); quotes,
items, invoices and ledgers still carry a plain `booking_id` + `source` (a vertical may key them by
its own record). What a customer still owes is always derived from allocations and credit notes,
never stored. Only RECEIVED payments are money: EXPECTED ones are a schedule, VOID ones a record.
"""
from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from holdfast.core.bookings.models import Booking
from holdfast.core.customers.models import Customer
from holdfast.core.inventory.models import Site
from holdfast.core.tenancy.models import TenantOwned
from holdfast.kit.errors import Conflict

BASE_CODE = "base"


class PriceRule(TenantOwned):
    """A time-bound rate for a product (`base` = the booking's base price, anything else an extra).

    Overlap rule (documented in services/pricing.py): for one day, among active rules whose scope
    matches, a promotional rule beats a standard one, then the most specific scope (site and
    resource type both set > one set > tenant-wide), then the latest effective_from, then the newest.
    """

    FLAT = "FLAT"
    PER_UNIT_PER_DAY = "PER_UNIT_PER_DAY"
    PERCENTAGE_ON_BASE = "PERCENTAGE_ON_BASE"
    CALCULATIONS = [(FLAT, "Flat"), (PER_UNIT_PER_DAY, "Per unit per day"), (PERCENTAGE_ON_BASE, "Percentage on base")]

    name = models.CharField(max_length=200)
    product_code = models.CharField(max_length=60, default=BASE_CODE)
    site_id = models.BigIntegerField(null=True, blank=True)
    resource_type_id = models.BigIntegerField(null=True, blank=True)
    calculation = models.CharField(max_length=20, choices=CALCULATIONS, default=PER_UNIT_PER_DAY)
    amount_minor = models.BigIntegerField(null=True, blank=True)  # FLAT and PER_UNIT_PER_DAY
    percent = models.DecimalField(max_digits=7, decimal_places=4, null=True, blank=True)  # PERCENTAGE_ON_BASE
    currency = models.CharField(max_length=3)
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True)  # exclusive; NULL = open-ended
    is_promotional = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["product_code", "effective_from", "id"]
        indexes = [models.Index(fields=["tenant", "product_code", "effective_from"], name="pricerule_lookup_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(amount_minor__isnull=True) | Q(amount_minor__gte=0), name="pricerule_amount_nonneg"),
            models.CheckConstraint(condition=Q(percent__isnull=True) | Q(percent__gte=0), name="pricerule_percent_nonneg"),
            models.CheckConstraint(
                condition=(Q(calculation="PERCENTAGE_ON_BASE", percent__isnull=False) | (~Q(calculation="PERCENTAGE_ON_BASE") & Q(amount_minor__isnull=False))),
                name="pricerule_value_matches_calculation",
            ),
            models.CheckConstraint(condition=Q(effective_to__isnull=True) | Q(effective_to__gt=models.F("effective_from")), name="pricerule_period_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.product_code})"


class TaxRule(TenantOwned):
    """GlobalTax (seed 002 ADR-S011): a percentage by country/region with effective dates.

    Blank country = applies everywhere; blank region = the whole country. `site` set = the rule is
    that site's (a hotel property's own rate) and beats every tenant-wide rule there; it never applies
    elsewhere. Precedence (services/pricing.resolve_tax): site rule > tenant-wide, then region >
    country > everywhere, then the latest effective_from, then the newest.
    """

    name = models.CharField(max_length=100)
    site = models.ForeignKey(Site, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    rate = models.DecimalField(max_digits=5, decimal_places=2)  # 6.00 = 6 %
    country = models.CharField(max_length=2, blank=True, default="")
    region = models.CharField(max_length=100, blank=True, default="")
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True)  # exclusive
    is_active = models.BooleanField(default=True)
    version = models.PositiveIntegerField(default=1)  # optimistic check: a stale edit is refused, not last-save-wins
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["country", "region", "effective_from"]
        constraints = [
            models.CheckConstraint(condition=Q(rate__gte=0) & Q(rate__lte=100), name="taxrule_rate_range"),
            models.CheckConstraint(condition=Q(effective_to__isnull=True) | Q(effective_to__gt=models.F("effective_from")), name="taxrule_period_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.rate}%"


class PriceQuote(TenantOwned):
    """The price of one booking: recomputed from the rules while unlocked, a snapshot once locked."""

    booking_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    source = models.CharField(max_length=60, blank=True, default="")  # e.g. storage.booking, hotel.reservation
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    currency = models.CharField(max_length=3)
    site_id = models.BigIntegerField(null=True, blank=True)
    resource_type_id = models.BigIntegerField(null=True, blank=True)
    start_date = models.DateField()
    end_date = models.DateField()  # exclusive (nights / days)
    units = models.PositiveIntegerField(default=1)
    extras = models.JSONField(default=list, blank=True)  # [{"code": "insurance", "quantity": 2}]
    country = models.CharField(max_length=2, blank=True, default="")
    region = models.CharField(max_length=100, blank=True, default="")
    subtotal_minor = models.BigIntegerField(default=0)
    tax_minor = models.BigIntegerField(default=0)
    total_minor = models.BigIntegerField(default=0)
    locked = models.BooleanField(default=False)
    locked_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "source", "booking_id"], condition=Q(booking_id__isnull=False), name="pricequote_one_per_booking"),
            models.CheckConstraint(condition=Q(end_date__gt=models.F("start_date")), name="pricequote_period_valid"),
            models.CheckConstraint(condition=Q(total_minor=models.F("subtotal_minor") + models.F("tax_minor")), name="pricequote_total_is_sum"),
            models.CheckConstraint(condition=Q(locked=False) | Q(locked_at__isnull=False), name="pricequote_locked_has_time"),
        ]


class PriceLine(TenantOwned):
    """One period line of a quote (rate × quantity × days), with its tax. Locked lines never change
    (save/delete refuse here; on PostgreSQL a trigger refuses too)."""

    BASE = "BASE"
    EXTRA = "EXTRA"
    KINDS = [(BASE, "Base"), (EXTRA, "Extra")]

    quote = models.ForeignKey(PriceQuote, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(max_length=5, choices=KINDS)
    rule = models.ForeignKey(PriceRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    product_code = models.CharField(max_length=60)
    description = models.CharField(max_length=300)
    calculation = models.CharField(max_length=20, choices=PriceRule.CALCULATIONS)
    date_from = models.DateField()
    date_to = models.DateField()
    days = models.PositiveIntegerField(default=1)
    quantity = models.PositiveIntegerField(default=1)
    rate_minor = models.BigIntegerField(null=True, blank=True)
    percent = models.DecimalField(max_digits=7, decimal_places=4, null=True, blank=True)
    amount_minor = models.BigIntegerField()
    tax_name = models.CharField(max_length=100, blank=True, default="")
    tax_rate = models.DecimalField(max_digits=5, decimal_places=2, default=0)
    tax_minor = models.BigIntegerField(default=0)
    locked = models.BooleanField(default=False)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["quote_id", "position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_minor__gte=0) & Q(tax_minor__gte=0), name="priceline_amounts_nonneg"),
        ]

    def save(self, *args, **kwargs):
        if self.pk and PriceLine.objects.filter(pk=self.pk, locked=True).exists():
            raise Conflict("A locked price line is a snapshot and cannot change.", code="price_locked")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.locked:
            raise Conflict("A locked price line is a snapshot and cannot be deleted.", code="price_locked")
        return super().delete(*args, **kwargs)


class InvoiceItem(TenantOwned):
    """A billable unit created by a vertical (a completed job, a stay, a package). PENDING until an
    invoice bills it; voiding that invoice releases it to PENDING again."""

    PENDING = "PENDING"
    BILLED = "BILLED"
    VOID = "VOID"
    STATUSES = [(PENDING, "Pending"), (BILLED, "Billed"), (VOID, "Void")]

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    booking = models.ForeignKey(Booking, null=True, blank=True, on_delete=models.PROTECT, related_name="invoice_items", db_column="booking_id")
    source = models.CharField(max_length=60, blank=True, default="")
    source_ref = models.CharField(max_length=100, blank=True, default="")  # idempotency for the vertical
    description = models.CharField(max_length=300)
    category = models.CharField(max_length=100, blank=True, default="")  # service name for breakdowns
    staff_id = models.BigIntegerField(null=True, blank=True)
    service_date = models.DateField(null=True, blank=True)
    quantity = models.PositiveIntegerField(default=1)
    unit_price_minor = models.BigIntegerField()
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    tax_name = models.CharField(max_length=100, blank=True, default="")
    tax_rate = models.DecimalField(max_digits=5, decimal_places=2, default=0)
    tax_minor = models.BigIntegerField(default=0)
    status = models.CharField(max_length=8, choices=STATUSES, default=PENDING)
    invoice = models.ForeignKey("Invoice", null=True, blank=True, on_delete=models.PROTECT, related_name="items")
    void_reason = models.CharField(max_length=300, blank=True, default="")
    voided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["tenant", "customer", "status"], name="invoiceitem_customer_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(unit_price_minor__gte=0) & Q(amount_minor__gte=0) & Q(tax_minor__gte=0), name="invoiceitem_amounts_nonneg"),
            models.CheckConstraint(condition=Q(status="BILLED", invoice__isnull=False) | (~Q(status="BILLED") & Q(invoice__isnull=True)), name="invoiceitem_billed_iff_invoice"),
            models.UniqueConstraint(fields=["tenant", "source", "source_ref"], condition=~Q(source_ref="") & ~Q(status="VOID"), name="invoiceitem_source_ref_unique"),
        ]


class InvoiceCounter(TenantOwned):
    """The per-tenant invoice number sequence; its row is locked while a number is taken (gapless)."""

    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant"], name="invoicecounter_one_per_tenant")]


class Invoice(TenantOwned):
    DRAFT = "DRAFT"
    PENDING = "PENDING"
    PAID = "PAID"
    VOID = "VOID"
    UNCOLLECTIBLE = "UNCOLLECTIBLE"
    REJECTED = "REJECTED"  # the customer's order behind it was turned down (seed 001): its items are void, never revenue or owed
    STATUSES = [(DRAFT, "Draft"), (PENDING, "Pending"), (PAID, "Paid"), (VOID, "Void"), (UNCOLLECTIBLE, "Uncollectible"), (REJECTED, "Rejected")]

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    booking = models.ForeignKey(Booking, null=True, blank=True, on_delete=models.PROTECT, related_name="invoices", db_column="booking_id")  # set when every line is one booking's
    source = models.CharField(max_length=60, blank=True, default="")
    number = models.PositiveIntegerField(null=True, blank=True)  # assigned when issued; DRAFTs have none
    status = models.CharField(max_length=14, choices=STATUSES, default=DRAFT)
    currency = models.CharField(max_length=3)
    issue_date = models.DateField(null=True, blank=True)
    due_date = models.DateField(null=True, blank=True)
    subtotal_minor = models.BigIntegerField(default=0)
    tax_minor = models.BigIntegerField(default=0)
    total_minor = models.BigIntegerField(default=0)
    sent_to_customer_at = models.DateTimeField(null=True, blank=True)
    reminder_count = models.PositiveIntegerField(default=0)
    last_reminder_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    payment_method = models.CharField(max_length=20, blank=True, default="")
    notes = models.TextField(blank=True, default="")
    overdue_notified_at = models.DateTimeField(null=True, blank=True)  # when the overdue sweep announced it (once)
    voided_at = models.DateTimeField(null=True, blank=True)
    status_reason = models.CharField(max_length=300, blank=True, default="")
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["tenant", "status", "due_date"], name="invoice_status_due_idx"),
            models.Index(fields=["tenant", "status", "paid_at"], name="invoice_status_paid_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "number"], condition=Q(number__isnull=False), name="invoice_number_unique"),
            # A voided draft never had a number; every other non-draft has one (and keeps it when voided).
            models.CheckConstraint(condition=Q(status__in=["DRAFT", "VOID"]) | Q(number__isnull=False, issue_date__isnull=False), name="invoice_issued_has_number"),
            models.CheckConstraint(condition=Q(subtotal_minor__gte=0) & Q(tax_minor__gte=0), name="invoice_amounts_nonneg"),
            models.CheckConstraint(condition=Q(total_minor=models.F("subtotal_minor") + models.F("tax_minor")), name="invoice_total_is_sum"),
            models.CheckConstraint(condition=~Q(status="PAID") | Q(paid_at__isnull=False), name="invoice_paid_has_time"),
        ]

    def __str__(self) -> str:
        return self.display_number

    @property
    def display_number(self) -> str:
        return f"INV-{self.number:06d}" if self.number else f"DRAFT-{self.pk}"


class InvoiceLine(TenantOwned):
    """What an invoice showed, copied from its items when built, so a VOID invoice keeps its content
    after its items are released for billing again."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey(InvoiceItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    booking = models.ForeignKey(Booking, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_column="booking_id")
    description = models.CharField(max_length=300)
    category = models.CharField(max_length=100, blank=True, default="")
    staff_id = models.BigIntegerField(null=True, blank=True)
    quantity = models.PositiveIntegerField(default=1)
    unit_price_minor = models.BigIntegerField()
    amount_minor = models.BigIntegerField()
    tax_name = models.CharField(max_length=100, blank=True, default="")
    tax_rate = models.DecimalField(max_digits=5, decimal_places=2, default=0)
    tax_minor = models.BigIntegerField(default=0)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["invoice_id", "position", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount_minor__gte=0) & Q(tax_minor__gte=0), name="invoiceline_amounts_nonneg")]


# Sources whose payments always belong to exactly one booking (seed 000 §F "a payment cannot exist
# without a valid booking"; a hotel folio's desk money): the database refuses one without.
BOOKING_BOUND_SOURCES = ["estate.booking", "hotel.reservation"]


class Payment(TenantOwned):
    """Money for a customer, optionally bound to one core booking.

    RECEIVED = money received (the default; `paid_at` and `method` set). EXPECTED = money the
    customer is due to pay by `due_date` (a token, a down payment, an instalment, the balance): not
    money yet, it counts in no finance figure until it is received. VOID = an expected payment that
    will not come. Allocations spread received money over invoices; what is left is customer credit.
    `reminder_count`/`last_reminder_at` always equal its SENT reminders (same transaction; doctor).
    """

    EXPECTED = "EXPECTED"
    RECEIVED = "RECEIVED"
    VOID = "VOID"
    STATUSES = [(EXPECTED, "Expected"), (RECEIVED, "Received"), (VOID, "Void")]

    CASH = "CASH"
    CARD = "CARD"
    CHECK = "CHECK"
    BANK_TRANSFER = "BANK_TRANSFER"
    STRIPE = "STRIPE"
    OTHER = "OTHER"
    METHODS = [(CASH, "Cash"), (CARD, "Card"), (CHECK, "Cheque"), (BANK_TRANSFER, "Bank transfer"), (STRIPE, "Stripe"), (OTHER, "Other")]

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    booking = models.ForeignKey(Booking, null=True, blank=True, on_delete=models.PROTECT, related_name="billing_payments", db_column="booking_id")
    source = models.CharField(max_length=60, blank=True, default="")
    status = models.CharField(max_length=8, choices=STATUSES, default=RECEIVED)
    kind = models.CharField(max_length=40, blank=True, default="")  # free label: TOKEN, DOWN_PAYMENT, INSTALMENT, BALANCE …
    due_date = models.DateField(null=True, blank=True)  # required while EXPECTED
    method = models.CharField(max_length=14, choices=METHODS, blank=True, default="")  # blank until received
    reference = models.CharField(max_length=200, blank=True, default="")
    paid_at = models.DateTimeField(null=True, blank=True)  # NULL until received
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    needs_refund = models.BooleanField(default=False)
    flag_reason = models.CharField(max_length=300, blank=True, default="")
    provider_ref = models.CharField(max_length=200, blank=True, default="")
    notes = models.TextField(blank=True, default="")
    reminder_count = models.PositiveIntegerField(default=0)
    last_reminder_at = models.DateTimeField(null=True, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.CharField(max_length=300, blank=True, default="")
    recorded_by = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = [models.F("paid_at").desc(nulls_first=True), "-due_date", "-id"]  # expected (no paid_at) first on every database
        indexes = [
            models.Index(fields=["tenant", "customer"], name="payment_customer_idx"),
            models.Index(fields=["tenant", "status", "due_date"], name="payment_status_due_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(condition=Q(booking__isnull=False) | ~Q(source__in=BOOKING_BOUND_SOURCES), name="payment_vertical_needs_booking"),
            models.CheckConstraint(condition=~Q(status="EXPECTED") | Q(due_date__isnull=False), name="payment_expected_has_due_date"),
            models.CheckConstraint(condition=~Q(status="RECEIVED") | (Q(paid_at__isnull=False) & ~Q(method="")), name="payment_received_has_time_and_method"),
            models.CheckConstraint(condition=Q(status="RECEIVED") | Q(paid_at__isnull=True), name="payment_paid_at_only_when_received"),
            models.CheckConstraint(condition=~Q(status="VOID") | Q(voided_at__isnull=False), name="payment_void_has_time"),
        ]

    @property
    def is_received(self) -> bool:
        return self.status == self.RECEIVED


class PaymentAllocation(TenantOwned):
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="allocations")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="allocations")
    amount_minor = models.BigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="allocation_amount_positive"),
            models.UniqueConstraint(fields=["payment", "invoice"], name="allocation_unique_pair"),
        ]


class Refund(TenantOwned):
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount_minor = models.BigIntegerField()
    reason = models.CharField(max_length=300)
    method = models.CharField(max_length=14, choices=Payment.METHODS, default=Payment.OTHER)
    reference = models.CharField(max_length=200, blank=True, default="")
    refunded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        ordering = ["-refunded_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(amount_minor__gt=0), name="refund_amount_positive")]


class CreditNote(TenantOwned):
    """Reduces what an invoice asks for without money moving (a discount or correction after issue)."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="credit_notes")
    amount_minor = models.BigIntegerField()
    reason = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        ordering = ["-id"]
        constraints = [models.CheckConstraint(condition=Q(amount_minor__gt=0), name="creditnote_amount_positive")]


class LedgerAccount(TenantOwned):
    """A booking's folio (seed 004 §8). Totals per entry type are kept in step with the entries in the
    same transaction (the doctor checks it); the balance is their signed sum."""

    OPEN = "OPEN"
    CLOSED = "CLOSED"
    STATUSES = [(OPEN, "Open"), (CLOSED, "Closed")]

    booking = models.ForeignKey(Booking, on_delete=models.PROTECT, related_name="ledgers", db_column="booking_id")
    source = models.CharField(max_length=60, blank=True, default="")
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    site = models.ForeignKey(Site, null=True, blank=True, on_delete=models.PROTECT, related_name="+")  # the property/site the folio belongs to
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=6, choices=STATUSES, default=OPEN)
    charges_minor = models.BigIntegerField(default=0)
    tax_minor = models.BigIntegerField(default=0)
    fees_minor = models.BigIntegerField(default=0)
    adjustments_minor = models.BigIntegerField(default=0)
    payments_minor = models.BigIntegerField(default=0)  # magnitude of PAYMENT entries
    refunds_minor = models.BigIntegerField(default=0)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["tenant", "source", "booking"], name="ledger_one_per_booking")]

    @property
    def balance_minor(self) -> int:
        """What the guest owes (positive) or is owed (negative): charges minus payments."""
        return self.charges_minor + self.tax_minor + self.fees_minor + self.adjustments_minor + self.refunds_minor - self.payments_minor


class LedgerEntry(TenantOwned):
    CHARGE = "CHARGE"
    TAX = "TAX"
    FEE = "FEE"
    ADJUSTMENT = "ADJUSTMENT"
    PAYMENT = "PAYMENT"
    REFUND = "REFUND"
    TYPES = [(CHARGE, "Charge"), (TAX, "Tax"), (FEE, "Fee"), (ADJUSTMENT, "Adjustment"), (PAYMENT, "Payment"), (REFUND, "Refund")]

    account = models.ForeignKey(LedgerAccount, on_delete=models.PROTECT, related_name="entries")
    entry_type = models.CharField(max_length=10, choices=TYPES)
    code = models.CharField(max_length=40, blank=True, default="")  # the vertical's own word (ROOM_CHARGE); defaults to entry_type
    description = models.CharField(max_length=300)
    amount_minor = models.BigIntegerField()  # positive = charge, negative = credit
    posted_at = models.DateTimeField(default=timezone.now)
    posted_by = models.CharField(max_length=200, blank=True, default="")
    source_ref = models.CharField(max_length=200, blank=True, default="")
    invoice = models.ForeignKey(Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["posted_at", "id"]
        indexes = [models.Index(fields=["tenant", "account", "posted_at"], name="ledgerentry_account_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(entry_type__in=["CHARGE", "TAX", "FEE", "REFUND"], amount_minor__gte=0) | Q(entry_type="PAYMENT", amount_minor__lte=0) | Q(entry_type="ADJUSTMENT"),
                name="ledgerentry_sign_matches_type",
            )
        ]


class PaymentReminder(TenantOwned):
    """A reminder about exactly one thing: an invoice, or one (expected) payment."""

    SCHEDULED = "SCHEDULED"
    SENT = "SENT"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"
    STATUSES = [(SCHEDULED, "Scheduled"), (SENT, "Sent"), (FAILED, "Failed"), (CANCELLED, "Cancelled")]

    invoice = models.ForeignKey(Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="reminders")
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="reminders")
    status = models.CharField(max_length=9, choices=STATUSES, default=SCHEDULED)
    scheduled_for = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    to_email = models.EmailField(blank=True, default="")
    message = models.TextField(blank=True, default="")
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    created_by = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-scheduled_for", "-id"]
        indexes = [models.Index(fields=["status", "scheduled_for"], name="reminder_due_idx")]
        constraints = [
            models.CheckConstraint(condition=~Q(status="SENT") | Q(sent_at__isnull=False), name="reminder_sent_has_time"),
            models.CheckConstraint(condition=Q(invoice__isnull=False, payment__isnull=True) | Q(invoice__isnull=True, payment__isnull=False), name="reminder_exactly_one_target"),
        ]


class ProviderEvent(models.Model):
    """A payment-provider webhook event, stored once per event id (the idempotency record)."""

    provider = models.CharField(max_length=20, default="stripe")
    event_id = models.CharField(max_length=200)
    event_type = models.CharField(max_length=100)
    tenant = models.ForeignKey("tenancy.Tenant", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    payload = models.JSONField(default=dict)
    outcome = models.CharField(max_length=60, blank=True, default="")
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["provider", "event_id"], name="providerevent_unique_id")]

"""Billing API: thin; every rule lives in services, every read in selectors/reports."""
from __future__ import annotations

from django.http import HttpResponse
from ninja import Router, Status

from holdfast.core.accounts.selectors import require_perm
from holdfast.core.bookings import selectors as bookings_selectors
from holdfast.kit.api import ProblemSchema, paginate
from holdfast.kit.errors import NotFound

from . import exports, pdf, reports, selectors, services
from .schemas import (
    AllocateIn,
    BookingQuoteIn,
    CloseLedgerIn,
    CreditNoteIn,
    CreditNoteOut,
    ExpectPaymentIn,
    InvoiceDetailOut,
    InvoiceIn,
    InvoiceLedgerIn,
    InvoicePage,
    ItemIn,
    ItemOut,
    ItemPage,
    LedgerDetailOut,
    LedgerEntryIn,
    LedgerEntryOut,
    LedgerOut,
    LedgerPage,
    MarkPaidIn,
    PaymentIn,
    PaymentOut,
    PaymentPage,
    PriceRuleIn,
    PriceRuleOut,
    PriceRulePatch,
    QuoteIn,
    QuoteOut,
    QuotePreviewOut,
    ReasonIn,
    ReceivePaymentIn,
    RefundIn,
    RefundOut,
    ReminderIn,
    ReminderOut,
    RevenueOut,
    TaxRuleIn,
    TaxRulePatch,
    TaxRuleOut,
)

router = Router(tags=["billing"])
ERRORS = {400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema, 422: ProblemSchema, 503: ProblemSchema}


def _ctx(request, perm: str) -> dict:
    require_perm(request.actor, request.tenant, perm)
    return {"tenant": request.tenant, "actor": request.actor}


# ---------------------------------------------------------------- prices and taxes


@router.get("/price-rules", response={200: list[PriceRuleOut], **ERRORS})
def list_price_rules(request, product_code: str | None = None, active: bool | None = None):
    require_perm(request.actor, request.tenant, "billing.view")
    return list(selectors.price_rules(request.tenant, product_code=product_code, active=active))


@router.post("/price-rules", response={201: PriceRuleOut, **ERRORS})
def create_price_rule(request, payload: PriceRuleIn):
    return Status(201, services.create_price_rule(**_ctx(request, "billing.manage_prices"), **payload.dict()))


@router.patch("/price-rules/{rule_id}", response={200: PriceRuleOut, **ERRORS})
def update_price_rule(request, rule_id: int, payload: PriceRulePatch):
    changes = payload.dict(exclude_unset=True)
    version = changes.pop("version")
    return services.update_price_rule(**_ctx(request, "billing.manage_prices"), rule_id=rule_id, version=version, **changes)


@router.get("/tax-rules", response={200: list[TaxRuleOut], **ERRORS})
def list_tax_rules(request):
    require_perm(request.actor, request.tenant, "billing.view")
    return list(selectors.tax_rules(request.tenant))


@router.post("/tax-rules", response={201: TaxRuleOut, **ERRORS})
def create_tax_rule(request, payload: TaxRuleIn):
    return Status(201, services.create_tax_rule(**_ctx(request, "billing.manage_prices"), **payload.dict()))


@router.patch("/tax-rules/{rule_id}", response={200: TaxRuleOut, **ERRORS})
def update_tax_rule(request, rule_id: int, payload: TaxRulePatch):
    changes = payload.dict(exclude_unset=True)
    version = changes.pop("version")
    return services.update_tax_rule(**_ctx(request, "billing.manage_prices"), rule_id=rule_id, version=version, **changes)


@router.post("/quote", response={200: QuotePreviewOut, **ERRORS})
def preview_quote(request, payload: QuoteIn):
    """Price a stay or booking from the current rules without saving anything."""
    require_perm(request.actor, request.tenant, "billing.view")
    data = payload.dict()
    data["extras"] = [dict(e) for e in data["extras"]]
    result = services.quote(request.tenant, **data)
    return {"currency": result.currency, "subtotal_minor": result.subtotal_minor, "tax_minor": result.tax_minor, "total_minor": result.total_minor, "lines": result.lines}


@router.post("/quotes", response={200: QuoteOut, **ERRORS})
def price_booking(request, payload: BookingQuoteIn):
    data = payload.dict()
    if data["booking_id"] is not None:
        # The id a caller names is a booking of its own business (404 otherwise), never another tenant's.
        bookings_selectors.get_booking(request.tenant, data["booking_id"])
    data["extras"] = [dict(e) for e in data["extras"]]
    return services.price_booking(**_ctx(request, "billing.manage_prices"), **data)


@router.get("/quotes/{quote_id}", response={200: QuoteOut, **ERRORS})
def get_quote(request, quote_id: int):
    require_perm(request.actor, request.tenant, "billing.view")
    return selectors.get_quote(request.tenant, quote_id)


@router.post("/quotes/{quote_id}/lock", response={200: QuoteOut, **ERRORS})
def lock_quote(request, quote_id: int):
    return services.lock_quote(**_ctx(request, "billing.manage_prices"), quote_id=quote_id)


# ---------------------------------------------------------------- items and invoices


@router.get("/items", response={200: ItemPage, **ERRORS})
def list_items(request, status: str | None = None, customer_id: int | None = None, booking_id: int | None = None, page: int = 1, page_size: int = 50):
    require_perm(request.actor, request.tenant, "billing.view")
    return paginate(selectors.invoice_items(request.tenant, status=status, customer_id=customer_id, booking_id=booking_id), page, page_size)


@router.post("/items", response={201: ItemOut, **ERRORS})
def create_item(request, payload: ItemIn):
    return Status(201, services.create_invoice_item(**_ctx(request, "billing.manage"), **payload.dict()))


@router.post("/items/{item_id}/void", response={200: ItemOut, **ERRORS})
def void_item(request, item_id: int, payload: ReasonIn):
    return services.void_invoice_item(**_ctx(request, "billing.manage"), item_id=item_id, reason=payload.reason)


@router.get("/invoices", response={200: InvoicePage, **ERRORS})
def list_invoices(request, status: str | None = None, customer_id: int | None = None, overdue: bool | None = None, search: str | None = None, page: int = 1, page_size: int = 50):
    require_perm(request.actor, request.tenant, "billing.view")
    return paginate(selectors.invoices(request.tenant, status=status, customer_id=customer_id, overdue=overdue, search=search), page, page_size)


@router.post("/invoices", response={201: InvoiceDetailOut, **ERRORS})
def create_invoice(request, payload: InvoiceIn):
    invoice = services.create_invoice(**_ctx(request, "billing.manage"), **payload.dict())
    return Status(201, selectors.get_invoice(request.tenant, invoice.pk))


@router.get("/invoices/{invoice_id}", response={200: InvoiceDetailOut, **ERRORS})
def get_invoice(request, invoice_id: int):
    require_perm(request.actor, request.tenant, "billing.view")
    return selectors.get_invoice(request.tenant, invoice_id)


def _invoice_action(request, invoice_id: int, perm: str, fn, **kwargs):
    fn(**_ctx(request, perm), invoice_id=invoice_id, **kwargs)
    return selectors.get_invoice(request.tenant, invoice_id)


@router.post("/invoices/{invoice_id}/issue", response={200: InvoiceDetailOut, **ERRORS})
def issue_invoice(request, invoice_id: int):
    return _invoice_action(request, invoice_id, "billing.manage", services.issue_invoice)


@router.post("/invoices/{invoice_id}/void", response={200: InvoiceDetailOut, **ERRORS})
def void_invoice(request, invoice_id: int, payload: ReasonIn):
    return _invoice_action(request, invoice_id, "billing.manage", services.void_invoice, reason=payload.reason)


@router.post("/invoices/{invoice_id}/uncollectible", response={200: InvoiceDetailOut, **ERRORS})
def mark_uncollectible(request, invoice_id: int, payload: ReasonIn):
    return _invoice_action(request, invoice_id, "billing.manage", services.mark_uncollectible, reason=payload.reason)


@router.post("/invoices/{invoice_id}/sent", response={200: InvoiceDetailOut, **ERRORS})
def mark_sent(request, invoice_id: int):
    return _invoice_action(request, invoice_id, "billing.manage", services.mark_invoice_sent)


@router.post("/invoices/{invoice_id}/mark-paid", response={200: InvoiceDetailOut, **ERRORS})
def mark_paid(request, invoice_id: int, payload: MarkPaidIn):
    return _invoice_action(request, invoice_id, "billing.record_payment", services.mark_invoice_paid, **payload.dict())


@router.post("/invoices/{invoice_id}/apply-credit", response={200: InvoiceDetailOut, **ERRORS})
def apply_credit(request, invoice_id: int):
    return _invoice_action(request, invoice_id, "billing.record_payment", services.apply_customer_credit)


@router.post("/invoices/{invoice_id}/credit-notes", response={201: CreditNoteOut, **ERRORS})
def create_credit_note(request, invoice_id: int, payload: CreditNoteIn):
    return Status(201, services.create_credit_note(**_ctx(request, "billing.refund"), invoice_id=invoice_id, **payload.dict()))


@router.get("/invoices/{invoice_id}/reminders", response={200: list[ReminderOut], **ERRORS})
def list_reminders(request, invoice_id: int):
    require_perm(request.actor, request.tenant, "billing.view")
    return list(selectors.reminders(request.tenant, invoice_id=selectors.get_invoice(request.tenant, invoice_id).pk))


@router.post("/invoices/{invoice_id}/reminders", response={201: ReminderOut, **ERRORS})
def schedule_reminder(request, invoice_id: int, payload: ReminderIn):
    return Status(201, services.schedule_reminder(**_ctx(request, "billing.send_reminders"), invoice_id=invoice_id, **payload.dict()))


@router.get("/invoices/{invoice_id}/pdf", response={200: None, **ERRORS})
def invoice_pdf(request, invoice_id: int):
    require_perm(request.actor, request.tenant, "billing.view")
    invoice = selectors.get_invoice(request.tenant, invoice_id)
    response = HttpResponse(pdf.invoice_pdf(request.tenant, invoice), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{invoice.display_number}.pdf"'
    return response


# ---------------------------------------------------------------- payments


@router.get("/payments", response={200: PaymentPage, **ERRORS})
def list_payments(request, customer_id: int | None = None, needs_refund: bool | None = None, method: str | None = None, status: str | None = None, booking_id: int | None = None,
                  overdue: bool | None = None, page: int = 1, page_size: int = 50):
    """Payments of every status: RECEIVED money, EXPECTED ones (a schedule with due dates) and VOID ones."""
    require_perm(request.actor, request.tenant, "billing.view")
    qs = selectors.payments(request.tenant, customer_id=customer_id, needs_refund=needs_refund, method=method, status=status, booking_id=booking_id, overdue=overdue)
    return paginate(qs, page, page_size)


@router.post("/payments/expected", response={201: PaymentOut, **ERRORS})
def expect_payment(request, payload: ExpectPaymentIn):
    """Money a customer is due to pay by a date (down payment, instalment…): not money until received."""
    payment = services.expect_payment(**_ctx(request, "billing.record_payment"), **payload.dict())
    return Status(201, selectors.get_payment(request.tenant, payment.pk))


@router.post("/payments/{payment_id}/receive", response={200: PaymentOut, **ERRORS})
def receive_payment(request, payment_id: int, payload: ReceivePaymentIn):
    services.receive_payment(**_ctx(request, "billing.record_payment"), payment_id=payment_id, **payload.dict())
    return selectors.get_payment(request.tenant, payment_id)


@router.post("/payments/{payment_id}/void", response={200: PaymentOut, **ERRORS})
def void_payment(request, payment_id: int, payload: ReasonIn):
    services.void_payment(**_ctx(request, "billing.record_payment"), payment_id=payment_id, reason=payload.reason)
    return selectors.get_payment(request.tenant, payment_id)


@router.get("/payments/{payment_id}/reminders", response={200: list[ReminderOut], **ERRORS})
def list_payment_reminders(request, payment_id: int):
    require_perm(request.actor, request.tenant, "billing.view")
    return list(selectors.reminders(request.tenant, payment_id=selectors.get_payment(request.tenant, payment_id).pk))


@router.post("/payments/{payment_id}/reminders", response={201: ReminderOut, **ERRORS})
def schedule_payment_reminder(request, payment_id: int, payload: ReminderIn):
    """Remind the customer of an EXPECTED payment: now (no send_at) or at a time (the worker sends it)."""
    return Status(201, services.schedule_reminder(**_ctx(request, "billing.send_reminders"), payment_id=payment_id, **payload.dict()))


@router.post("/payments", response={201: PaymentOut, **ERRORS})
def record_payment(request, payload: PaymentIn):
    data = payload.dict()
    if data["allocations"] is not None:
        data["allocations"] = [dict(a) for a in data["allocations"]]
    payment = services.record_payment(**_ctx(request, "billing.record_payment"), **data)
    return Status(201, selectors.get_payment(request.tenant, payment.pk))


@router.get("/payments/{payment_id}", response={200: PaymentOut, **ERRORS})
def get_payment(request, payment_id: int):
    require_perm(request.actor, request.tenant, "billing.view")
    return selectors.get_payment(request.tenant, payment_id)


@router.post("/payments/{payment_id}/allocations", response={200: PaymentOut, **ERRORS})
def allocate_payment(request, payment_id: int, payload: AllocateIn):
    services.allocate_payment(**_ctx(request, "billing.record_payment"), payment_id=payment_id, **payload.dict())
    return selectors.get_payment(request.tenant, payment_id)


@router.post("/payments/{payment_id}/refunds", response={201: RefundOut, **ERRORS})
def refund_payment(request, payment_id: int, payload: RefundIn):
    return Status(201, services.refund_payment(**_ctx(request, "billing.refund"), payment_id=payment_id, **payload.dict()))


# ---------------------------------------------------------------- ledgers


def _ledger_detail(account):
    data = LedgerOut.from_orm(account).dict()
    data["statement"] = selectors.ledger_statement(account)
    return data


@router.get("/ledgers", response={200: LedgerPage, **ERRORS})
def list_ledgers(request, status: str | None = None, booking_id: int | None = None, page: int = 1, page_size: int = 50):
    require_perm(request.actor, request.tenant, "billing.view")
    return paginate(selectors.ledgers(request.tenant, status=status, booking_id=booking_id), page, page_size)


@router.get("/ledgers/{ledger_id}", response={200: LedgerDetailOut, **ERRORS})
def get_ledger(request, ledger_id: int):
    require_perm(request.actor, request.tenant, "billing.view")
    return _ledger_detail(selectors.get_ledger(request.tenant, ledger_id))


@router.post("/ledger-entries", response={201: LedgerEntryOut, **ERRORS})
def post_ledger_entry(request, payload: LedgerEntryIn):
    return Status(201, services.post_ledger_entry(**_ctx(request, "billing.manage"), **payload.dict()))


@router.post("/ledgers/{ledger_id}/invoice", response={201: InvoiceDetailOut, **ERRORS})
def invoice_ledger(request, ledger_id: int, payload: InvoiceLedgerIn):
    """Issue an invoice for the ledger's charges not invoiced yet, paid from the money already on it."""
    invoice = services.invoice_ledger(**_ctx(request, "billing.manage"), ledger_id=ledger_id, **payload.dict())
    return Status(201, selectors.get_invoice(request.tenant, invoice.pk))


@router.post("/ledgers/{ledger_id}/close", response={200: LedgerOut, **ERRORS})
def close_ledger(request, ledger_id: int, payload: CloseLedgerIn):
    return services.close_ledger(**_ctx(request, "billing.manage"), ledger_id=ledger_id, force=payload.force)


# ---------------------------------------------------------------- figures and exports


@router.get("/revenue", response={200: RevenueOut, **ERRORS})
def revenue(request):
    require_perm(request.actor, request.tenant, "billing.view_revenue")
    tenant = request.tenant
    return {
        **reports.revenue_summary(tenant), "trend": reports.monthly_trend(tenant), "forecast": reports.forecast(tenant),
        "by_customer": reports.revenue_by(tenant, "customer"), "by_service": reports.revenue_by(tenant, "service"), "by_staff": reports.revenue_by(tenant, "staff"),
    }


def _csv(body: str, name: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@router.get("/export/invoices.csv", response={200: None, **ERRORS})
def export_invoices(request, status: str | None = None):
    require_perm(request.actor, request.tenant, "billing.export")
    return _csv(exports.invoices_csv(request.tenant, status=status), "invoices.csv")


@router.get("/export/payments.csv", response={200: None, **ERRORS})
def export_payments(request):
    require_perm(request.actor, request.tenant, "billing.export")
    return _csv(exports.payments_csv(request.tenant), "payments.csv")


# ---------------------------------------------------------------- customer portal


def _my_customer(request):
    from holdfast.core.customers.selectors import customer_for_user

    require_perm(request.actor, request.tenant, "portal.use")
    customer = customer_for_user(request.tenant, request.actor)
    if customer is None:
        raise NotFound("Your account is not linked to a customer record here.", code="no_customer_profile")
    return customer


@router.get("/my/invoices", response={200: InvoicePage, **ERRORS})
def my_invoices(request, page: int = 1, page_size: int = 50):
    """A customer's own issued invoices (drafts stay internal)."""
    customer = _my_customer(request)
    return paginate(selectors.invoices(request.tenant, customer_id=customer.pk).exclude(status="DRAFT"), page, page_size)


@router.get("/my/invoices/{invoice_id}/pdf", response={200: None, **ERRORS})
def my_invoice_pdf(request, invoice_id: int):
    customer = _my_customer(request)
    invoice = selectors.get_owned_invoice_of_customer(request.tenant, customer.pk, invoice_id)
    response = HttpResponse(pdf.invoice_pdf(request.tenant, invoice), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{invoice.display_number}.pdf"'
    return response


# ---------------------------------------------------------------- payment provider


@router.post("/stripe/webhook", auth=None, response={200: dict, **ERRORS})
def stripe_webhook(request):
    """Stripe-compatible webhook: verifies `Stripe-Signature`, idempotent on the event id."""
    return services.handle_stripe_webhook(request.body, request.headers.get("Stripe-Signature", ""))

"""Billing screens: invoices (list, detail with actions and PDF), items to batch, payments, ledgers.
Thin: forms in, services out; refusals become messages."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from holdfast.core.accounts.views import can, page_of, querystring_without_page, require, show_refusal
from holdfast.core.customers.selectors import get_customer
from holdfast.kit.errors import DomainError, ValidationFailed
from holdfast.kit.money import Money

from holdfast.kit.labels import code_label, source_label

from . import exports, pdf, reports, selectors, services
from .hooks import item_links, item_origins, staff_names
from .forms import CreditNoteForm, ExpectPaymentForm, MarkPaidForm, ReasonForm, ReceivePaymentForm, RefundForm, ReminderForm
from .models import Invoice, Payment


def _minor(amount, currency: str) -> int:
    return Money.from_decimal(amount, currency).minor


@login_required
def invoice_list(request):
    tenant = require(request, "billing.view")
    status, search = request.GET.get("status", ""), request.GET.get("q", "").strip()
    overdue = True if request.GET.get("overdue") == "1" else None
    qs = selectors.invoices(tenant, status=status or None, overdue=overdue, search=search or None)
    context = {"page": page_of(request, qs), "status": status, "q": search, "overdue": overdue, "qs": querystring_without_page(request),
               "statuses": Invoice.STATUSES, "today": selectors.tenant_today(tenant),
               "summary": reports.revenue_summary(tenant) if can(request, "billing.view_revenue") else None, "can_export": can(request, "billing.export")}
    return render(request, "billing/invoice_list.html", context)


@login_required
def finance(request):
    """Finance overview: money received (every vertical's RECEIVED payments less refunds, per currency),
    a six-month trend with a value axis, the forecast, and readable breakdowns."""
    tenant = require(request, "billing.view_revenue")
    currencies = reports.received_currencies(tenant)
    currency = request.GET.get("currency") if request.GET.get("currency") in currencies else tenant.currency
    trend = reports.received_trend(tenant, currency=currency)
    top = max([row["received_minor"] for row in trend] + [0])
    scale = _nice_ceiling(top)
    bars = [{**row, "height": round(120 * max(row["received_minor"], 0) / scale), "x": 70 + i * 60} for i, row in enumerate(trend)]
    for bar in bars:
        bar["y"] = 130 - bar["height"]
    ticks = [{"y": 130 - round(120 * part / 4), "label": f"{Money(scale * part // 4, currency).to_decimal():,.0f}"} for part in range(5)]
    by_service = [{**r, "label": code_label(r["label"]) if r["label"] != "—" else "Not set"} for r in reports.revenue_by(tenant, "service")[:10]]
    by_staff = [r for r in reports.revenue_by(tenant, "staff") if r["key"] is not None][:10]
    names = staff_names(tenant, [r["key"] for r in by_staff])
    by_staff = [{**r, "label": names.get(r["key"], f"Staff #{r['key']}")} for r in by_staff]
    return render(request, "billing/finance.html", {
        "received": reports.received_summary(tenant, currency=currency), "by_source": [{**r, "label": source_label(r["source"])} for r in reports.received_by_source(tenant, currency=currency)],
        "summary": reports.revenue_summary(tenant), "bars": bars, "ticks": ticks, "forecast": reports.forecast(tenant), "currency": currency, "currencies": currencies,
        "tenant_currency": tenant.currency, "by_customer": reports.revenue_by(tenant, "customer")[:10], "by_service": by_service, "by_staff": by_staff,
    })


def _nice_ceiling(value: int) -> int:
    """The chart's top: 1, 2, 2.5 or 5 times a power of ten at or above `value` (minor units)."""
    if value <= 0:
        return 100
    power = 10 ** (len(str(value)) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return int(step * power)
    return 10 * power


@login_required
def invoice_detail(request, invoice_id: int):
    tenant = require(request, "billing.view")
    invoice = selectors.get_invoice(tenant, invoice_id)
    return render(request, "billing/invoice_detail.html", {
        "invoice": invoice, "lines": invoice.lines.all(), "allocations": selectors.allocations_of_invoice(invoice),
        "credit_notes": selectors.credit_notes(tenant, invoice_id=invoice.pk), "reminders": selectors.reminders(tenant, invoice_id=invoice.pk),
        "overdue": selectors.is_overdue(tenant, invoice), "pay_form": MarkPaidForm(), "reason_form": ReasonForm(), "credit_form": CreditNoteForm(), "reminder_form": ReminderForm(),
        "can_manage": can(request, "billing.manage"), "can_pay": can(request, "billing.record_payment"), "can_refund": can(request, "billing.refund"), "can_remind": can(request, "billing.send_reminders"),
    })


@login_required
def invoice_pdf(request, invoice_id: int):
    tenant = require(request, "billing.view")
    invoice = selectors.get_invoice(tenant, invoice_id)
    response = HttpResponse(pdf.invoice_pdf(tenant, invoice), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{invoice.display_number}.pdf"'
    return response


@login_required
@require_POST
def invoice_action(request, invoice_id: int, action: str):
    perms = {"issue": "billing.manage", "void": "billing.manage", "uncollectible": "billing.manage", "sent": "billing.manage", "pay": "billing.record_payment",
             "credit": "billing.refund", "remind": "billing.send_reminders", "apply_credit": "billing.record_payment"}
    if action not in perms:
        return redirect("billing:invoice", invoice_id=invoice_id)
    tenant = require(request, perms[action])
    invoice = selectors.get_invoice(tenant, invoice_id)
    ctx = {"tenant": tenant, "actor": request.user, "invoice_id": invoice.pk}
    try:
        if action == "issue":
            services.issue_invoice(**ctx)
        elif action == "sent":
            services.mark_invoice_sent(**ctx)
        elif action == "apply_credit":
            services.apply_customer_credit(**ctx)
        elif action in ("void", "uncollectible"):
            data = _posted(ReasonForm, request, "Say why.", fields={"reason": ["Required."]})
            (services.void_invoice if action == "void" else services.mark_uncollectible)(**ctx, reason=data["reason"])
        elif action == "pay":
            data = _posted(MarkPaidForm, request, "Choose how it was paid.")
            services.mark_invoice_paid(**ctx, method=data["method"], reference=data["reference"])
        elif action == "credit":
            data = _posted(CreditNoteForm, request, "Give an amount and a reason.")
            services.create_credit_note(**ctx, amount_minor=_minor(data["amount"], invoice.currency), reason=data["reason"])
        elif action == "remind":
            _schedule_reminder(request, ctx)
    except DomainError as exc:
        show_refusal(request, exc)
    else:
        messages.success(request, "Done.")
    return redirect("billing:invoice", invoice_id=invoice.pk)


def _posted(form_class, request, message: str, *, fields: dict | None = None) -> dict:
    """The form's cleaned data, or a refusal shown as a message (with the form's own field errors)."""
    form = form_class(request.POST)
    if not form.is_valid():
        raise ValidationFailed(message, fields=fields if fields is not None else form.errors)
    return form.cleaned_data


def _schedule_reminder(request, ctx: dict) -> None:
    """The reminder form of an invoice or a payment page (ctx names which): send now or at a time."""
    data = _posted(ReminderForm, request, "Check the reminder time.")
    reminder = services.schedule_reminder(**ctx, send_at=data["send_at"], message=data["message"])
    if reminder.status == "FAILED":
        messages.error(request, f"The reminder could not be sent: {reminder.last_error}")


@login_required
def items(request):
    """PENDING items waiting to be invoiced: where this business's items come from, each item's source in
    words with a link to what it came from; tick items (of one or several customers) to invoice them,
    one invoice per customer."""
    tenant = require(request, "billing.view")
    customer_id = request.GET.get("customer") or request.POST.get("customer")
    customer = get_customer(tenant, customer_id) if customer_id else None
    if request.method == "POST":
        require(request, "billing.manage")
        try:
            made = services.create_invoices_for_items(tenant=tenant, actor=request.user, item_ids=[int(i) for i in request.POST.getlist("item") if i.isdigit()],
                                                      issue=request.POST.get("issue") == "1")
        except DomainError as exc:
            show_refusal(request, exc)
        else:
            if len(made) == 1:
                messages.success(request, f"Invoice {made[0].display_number} created for {made[0].customer.name}.")
                return redirect("billing:invoice", invoice_id=made[0].pk)
            messages.success(request, f"{len(made)} invoices created: " + ", ".join(f"{i.display_number} ({i.customer.name})" for i in made) + ".")
            return redirect("billing:invoices")
    qs = selectors.invoice_items(tenant, status="PENDING", customer_id=customer.pk if customer else None).select_related("customer").order_by("customer__name", "service_date", "id")
    page = page_of(request, qs, per_page=100)
    waiting = set(selectors.invoice_items(tenant, status="PENDING").order_by().values_list("source", flat=True).distinct())
    origins = item_origins(tenant.enabled_verticals, waiting=waiting)
    named = {o.source: (o.vertical, o.label) for o in origins if o.source}
    links = item_links(tenant, list(page))
    rows = [{"item": it, "source": _source_words(it, named), "link": links.get(it.pk)} for it in page]
    return render(request, "billing/items.html", {"page": page, "rows": rows, "customer": customer, "qs": querystring_without_page(request), "can_manage": can(request, "billing.manage"),
                                                  "origins": origins})


def _source_words(item, named: dict) -> str:
    """'petcare.job' -> 'Pet care · Completed job': the business line (the vertical describing the source,
    else the source's app) and the origin's label, else the item's category in words."""
    vertical, label = named.get(item.source, ("", ""))
    where = source_label(vertical or item.source)
    what = label or (code_label(item.category) if item.category else "")
    return f"{where} · {what}" if what else where


PAYMENT_VIEWS = {"received": {"status": Payment.RECEIVED}, "expected": {"status": Payment.EXPECTED}, "overdue": {"overdue": True}, "void": {"status": Payment.VOID},
                 "flagged": {"needs_refund": True}}


@login_required
def payment_list(request):
    """Received money, expected payments (with due dates, overdue ones marked) and void ones; staff who
    record payments can add an expected one here."""
    tenant = require(request, "billing.view")
    show = request.GET.get("show", "")
    if request.GET.get("flagged") == "1":
        show = "flagged"
    form = None
    if request.method == "POST":
        require(request, "billing.record_payment")
    if can(request, "billing.record_payment"):
        form = ExpectPaymentForm(request.POST or None, tenant=tenant)
        if request.method == "POST":
            try:
                if not form.is_valid():
                    raise ValidationFailed("Check the expected payment.", fields=form.errors)
                d = form.cleaned_data
                payment = services.expect_payment(tenant=tenant, actor=request.user, booking_id=d["booking_id"], customer_id=d["customer"], amount_minor=_minor(d["amount"], tenant.currency),
                                                  due_date=d["due_date"], kind=d["kind"], notes=d["notes"])
            except DomainError as exc:
                show_refusal(request, exc)
            else:
                messages.success(request, "Expected payment recorded.")
                return redirect("billing:payment", payment_id=payment.pk)
    qs = selectors.payments(tenant, **PAYMENT_VIEWS.get(show, {}))
    if show in ("expected", "overdue"):
        qs = qs.order_by("due_date", "id")
    return render(request, "billing/payment_list.html", {"page": page_of(request, qs), "show": show, "flagged": show == "flagged", "qs": querystring_without_page(request),
                                                         "can_export": can(request, "billing.export"), "expect_form": form, "today": selectors.tenant_today(tenant)})


@login_required
def payment_detail(request, payment_id: int):
    tenant = require(request, "billing.view")
    payment = selectors.get_payment(tenant, payment_id)
    if request.method == "POST":
        require(request, "billing.refund")
        form = RefundForm(request.POST)
        try:
            if not form.is_valid():
                raise ValidationFailed("Give an amount and a reason.", fields=form.errors)
            services.refund_payment(tenant=tenant, actor=request.user, payment_id=payment.pk, amount_minor=_minor(form.cleaned_data["amount"], payment.currency), reason=form.cleaned_data["reason"])
        except DomainError as exc:
            show_refusal(request, exc)
        else:
            messages.success(request, "Refund recorded.")
        return redirect("billing:payment", payment_id=payment.pk)
    return render(request, "billing/payment_detail.html", {
        "payment": payment, "allocations": selectors.allocations_of_payment(payment), "refunds": selectors.refunds(tenant, payment_id=payment.pk),
        "reminders": selectors.reminders(tenant, payment_id=payment.pk), "overdue": selectors.is_payment_overdue(tenant, payment),
        "refund_form": RefundForm(), "receive_form": ReceivePaymentForm(), "reason_form": ReasonForm(), "reminder_form": ReminderForm(),
        "can_refund": can(request, "billing.refund"), "can_pay": can(request, "billing.record_payment"), "can_remind": can(request, "billing.send_reminders"),
    })


@login_required
@require_POST
def payment_action(request, payment_id: int, action: str):
    """Receive or void an expected payment, or remind the customer of it."""
    perms = {"receive": "billing.record_payment", "void": "billing.record_payment", "remind": "billing.send_reminders"}
    if action not in perms:
        return redirect("billing:payment", payment_id=payment_id)
    tenant = require(request, perms[action])
    payment = selectors.get_payment(tenant, payment_id)
    ctx = {"tenant": tenant, "actor": request.user, "payment_id": payment.pk}
    try:
        if action == "receive":
            data = _posted(ReceivePaymentForm, request, "Choose how it was paid.")
            services.receive_payment(**ctx, method=data["method"], reference=data["reference"])
        elif action == "void":
            data = _posted(ReasonForm, request, "Say why.", fields={"reason": ["Required."]})
            services.void_payment(**ctx, reason=data["reason"])
        else:
            _schedule_reminder(request, ctx)
    except DomainError as exc:
        show_refusal(request, exc)
    else:
        messages.success(request, "Done.")
    return redirect("billing:payment", payment_id=payment.pk)


@login_required
def ledger_list(request):
    tenant = require(request, "billing.view")
    status = request.GET.get("status", "")
    return render(request, "billing/ledger_list.html", {"page": page_of(request, selectors.ledgers(tenant, status=status or None)), "status": status, "qs": querystring_without_page(request)})


@login_required
def ledger_detail(request, ledger_id: int):
    tenant = require(request, "billing.view")
    account = selectors.get_ledger(tenant, ledger_id)
    if request.method == "POST":
        require(request, "billing.manage")
        try:
            services.close_ledger(tenant=tenant, actor=request.user, ledger_id=account.pk, force=request.POST.get("force") == "1")
        except DomainError as exc:
            show_refusal(request, exc)
        else:
            messages.success(request, "Ledger closed.")
        return redirect("billing:ledger", ledger_id=account.pk)
    return render(request, "billing/ledger_detail.html", {"ledger": account, "statement": selectors.ledger_statement(account), "can_manage": can(request, "billing.manage")})


@login_required
def export_csv(request, what: str):
    tenant = require(request, "billing.export")
    body = exports.invoices_csv(tenant) if what == "invoices" else exports.payments_csv(tenant)
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{what}.csv"'
    return response

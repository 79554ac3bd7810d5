"""Invoice PDF (WeasyPrint): tenant branding, lines with tax, payments, credit notes and balance.

Rendering is slow I/O: call it from a view or after commit, never inside a business transaction.
"""
from __future__ import annotations

from django.template.loader import render_to_string

from holdfast.kit import dates

from . import selectors
from .models import Invoice


def invoice_context(tenant, invoice: Invoice) -> dict:
    return {
        "tenant": tenant,
        "brand_name": tenant.setting("brand_name") or tenant.name,
        "brand_color": tenant.setting("brand_color") or "#1f4e79",
        "invoice": invoice,
        "lines": list(invoice.lines.all()),
        "allocations": list(selectors.allocations_of_invoice(invoice)),
        "credit_notes": list(selectors.credit_notes(tenant, invoice_id=invoice.pk)),
        "remaining_minor": selectors.invoice_remaining_minor(invoice),
        "overdue": selectors.is_overdue(tenant, invoice),
    }


def invoice_html(tenant, invoice: Invoice) -> str:
    with dates.business_time(tenant):  # also when an email task renders it, outside any request
        return render_to_string("billing/invoice_pdf.html", invoice_context(tenant, invoice))


def invoice_pdf(tenant, invoice: Invoice) -> bytes:
    from weasyprint import HTML

    return HTML(string=invoice_html(tenant, invoice)).write_pdf()

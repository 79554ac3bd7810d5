"""Folio PDF (WeasyPrint): the guest's bill, from the same rows as the reservation screen.

Rendering is slow I/O: call it from a view, never inside a business transaction.
"""
from __future__ import annotations

from django.template.loader import render_to_string

from holdfast.kit import dates

from . import selectors


def folio_html(tenant, res) -> str:
    folio = selectors.folio(tenant, res)
    with dates.business_time(tenant):
        return render_to_string("hotel/folio_pdf.html", {
            "tenant": tenant, "brand_name": tenant.setting("brand_name") or tenant.name, "res": res, "prop": res.property, "folio": folio,
            "entries": list(selectors.folio_entries(tenant, folio)), "preview": selectors.folio_preview(tenant, res, folio),
        })


def folio_pdf(tenant, res) -> bytes:
    from weasyprint import HTML

    return HTML(string=folio_html(tenant, res)).write_pdf()

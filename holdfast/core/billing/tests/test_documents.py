"""The invoice PDF renders (WeasyPrint) and page 1 is a real, non-blank image (pdftoppm)."""
import subprocess

import pytest
from PIL import Image

from holdfast.core.billing import pdf, services

from .factories import invoice

pytestmark = pytest.mark.django_db


def test_invoice_pdf_renders_a_non_blank_first_page(tenant, customer, tmp_path):
    tenant.settings = {**tenant.settings, "brand_name": "Harbour Homes Ltd", "brand_color": "#aa2200"}
    tenant.save()
    inv = invoice(tenant, customer, 10000, 2550, tax_rate=19)
    services.record_payment(tenant=tenant, actor="t", customer_id=customer.pk, amount_minor=5000, method="CARD", invoice_ids=[inv.pk])
    html = pdf.invoice_html(tenant, inv)
    assert "Harbour Homes Ltd" in html and "USD 149.35" in html and "Balance due" in html and "USD 99.35" in html
    data = pdf.invoice_pdf(tenant, inv)
    assert data.startswith(b"%PDF")
    path = tmp_path / "invoice.pdf"
    path.write_bytes(data)
    subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(path), str(tmp_path / "page")], check=True, timeout=60)
    page = next(tmp_path.glob("page*.png"))
    image = Image.open(page).convert("RGB")
    colours = image.getcolors(maxcolors=1_000_000)
    non_white = sum(count for count, rgb in colours if rgb != (255, 255, 255))
    assert non_white > image.width * image.height * 0.02  # the brand header alone covers more than this
    assert any(r > 150 and g < 80 and b < 60 for _, (r, g, b) in colours)  # the brand colour is there


def test_pdf_endpoint_serves_pdf(owner_api, tenant, customer, outsider_api):
    inv = invoice(tenant, customer)
    response = owner_api.get(f"/api/v1/billing/invoices/{inv.pk}/pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")
    assert outsider_api.get(f"/api/v1/billing/invoices/{inv.pk}/pdf").status_code == 404

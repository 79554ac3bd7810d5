"""Items to invoice (issue 15 item 8): the screen says where this business's items come from, names each
item's source in words with a link to what it came from, says why it is empty and what to do, and batches
ticked items of several customers into one invoice each."""
from __future__ import annotations

import pytest

from holdfast.core.billing import services
from holdfast.core.billing.models import Invoice, InvoiceItem
from holdfast.kit.errors import Conflict
from tests.factories import CustomerFactory

from .factories import booking, item

pytestmark = pytest.mark.django_db


def _business(tenant, vertical):
    tenant.enabled_verticals = [vertical]
    tenant.save(update_fields=["enabled_verticals"])
    return tenant


def test_screen_explains_which_steps_create_items_and_names_sources_in_words(web_as, owner, tenant, customer):
    _business(tenant, "petcare")
    job = booking(tenant, customer)
    item(tenant, customer, price=1500, description="Group walk 1 Dec 2026 10:00", source="petcare.job", source_ref=f"job:{job.pk}", booking_id=job.pk, category="Group walk")
    page = web_as(owner).get("/billing/items/").content.decode()
    assert "Where items come from" in page and "Marking a walk or visit Completed" in page
    assert "Pet care · Completed job" in page and f'href="/petcare/jobs/{job.pk}/"' in page
    assert "petcare.job" not in page and "Nothing is waiting" not in page


def test_an_item_of_an_undescribed_source_shows_its_category_in_words(web_as, owner, tenant, customer):
    item(tenant, customer, price=700, source="billing", category="LATE_FEE")
    page = web_as(owner).get("/billing/items/").content.decode()
    assert "Billing · Late fee" in page and "LATE_FEE" not in page


def test_empty_screen_says_why_and_what_to_do_for_the_business(web_as, owner, tenant):
    _business(tenant, "estate")
    page = web_as(owner).get("/billing/items/").content.decode()
    assert "Nothing is waiting to be invoiced" in page
    assert "sales create no invoice items" in page and "Record and expect payments on a booking" in page
    assert "Create invoices" not in page


def test_ticking_items_of_two_customers_creates_one_invoice_each(web_as, owner, tenant, customer):
    other = CustomerFactory(tenant=tenant, name="Grace Hopper", email="grace@example.com")
    a, b, c = item(tenant, customer, price=100), item(tenant, customer, price=200), item(tenant, other, price=300)
    untouched = item(tenant, other, price=400)
    response = web_as(owner).post("/billing/items/", {"item": [a.pk, b.pk, c.pk], "issue": "1"}, follow=True)
    assert response.redirect_chain[-1][0] == "/billing/"
    assert "2 invoices created" in response.content.decode()
    totals = dict(Invoice.objects.for_tenant(tenant).values_list("customer__name", "total_minor"))
    assert totals == {"Ada Lovelace": 300, "Grace Hopper": 300}
    assert InvoiceItem.objects.get(pk=untouched.pk).status == InvoiceItem.PENDING


def test_one_ticked_customer_opens_the_new_invoice(web_as, owner, tenant, customer):
    a = item(tenant, customer, price=100)
    response = web_as(owner).post("/billing/items/", {"item": [a.pk], "issue": "1"})
    assert response.status_code == 302 and response["Location"] == f"/billing/invoices/{Invoice.objects.get().pk}/"


def test_batching_several_customers_is_all_or_nothing(owner, tenant, customer):
    other = CustomerFactory(tenant=tenant, name="Grace Hopper", email="grace@example.com")
    a, b = item(tenant, customer, price=100), item(tenant, other, price=300)
    services.create_invoice(tenant=tenant, actor=owner, customer_id=other.pk, item_ids=[b.pk])
    with pytest.raises(Conflict):
        services.create_invoices_for_items(tenant=tenant, actor=owner, item_ids=[a.pk, b.pk])
    assert Invoice.objects.count() == 1 and InvoiceItem.objects.get(pk=a.pk).status == InvoiceItem.PENDING


def test_a_member_who_may_only_view_sees_no_checkboxes_and_cannot_batch(web_as, tenant, customer):
    from tests.factories import member

    viewer = member(tenant, "agent", email="agent@harbour.test")
    a = item(tenant, customer, price=100)
    c = web_as(viewer)
    page = c.get("/billing/items/").content.decode()
    assert 'name="item"' not in page and "Dog walk" in page
    assert c.post("/billing/items/", {"item": [a.pk]}).status_code in (403, 404)
    assert InvoiceItem.objects.get(pk=a.pk).status == InvoiceItem.PENDING

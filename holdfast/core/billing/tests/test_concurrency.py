"""Concurrent invoicing on PostgreSQL: numbers stay gapless and unique; a payment is never over-allocated."""
import threading

import pytest
from django.db import connection

from holdfast.core.billing import services
from holdfast.core.billing.models import Invoice, PaymentAllocation
from holdfast.kit.errors import DomainError

from .factories import invoice, item

pytestmark = [pytest.mark.pg_only, pytest.mark.django_db(transaction=True)]


def _in_threads(fns):
    results, barrier = [None] * len(fns), threading.Barrier(len(fns))

    def run(i, fn):
        try:
            barrier.wait()
            results[i] = fn()
        except DomainError as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(fns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_parallel_issuing_gives_gapless_unique_numbers(tenant, customer):
    items = [item(tenant, customer, price=100 + n) for n in range(6)]
    _in_threads([lambda it=it: services.create_invoice(tenant=tenant, actor="t", customer_id=customer.pk, item_ids=[it.pk]) for it in items])
    assert sorted(Invoice.objects.values_list("number", flat=True)) == [1, 2, 3, 4, 5, 6]


def test_one_payment_allocated_twice_at_once_is_not_over_allocated(tenant, customer):
    a, b = invoice(tenant, customer, 1000), invoice(tenant, customer, 1000)
    payment = services.record_payment(tenant=tenant, actor="t", customer_id=customer.pk, amount_minor=1000, method="CASH")
    results = _in_threads([lambda inv=inv: services.allocate_payment(tenant=tenant, actor="t", payment_id=payment.pk, invoice_id=inv.pk) for inv in (a, b)])
    assert sum(PaymentAllocation.objects.values_list("amount_minor", flat=True)) == 1000
    assert sum(isinstance(r, DomainError) for r in results) == 1

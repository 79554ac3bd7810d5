"""Outbox fan-out: one delivery per matching active endpoint of the same tenant, exactly once."""
from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from holdfast.core.events import dispatcher, services
from holdfast.core.events.models import OutboxEvent, WebhookDelivery
from tests.factories import OutboxEventFactory, TenantFactory, WebhookEndpointFactory


def test_event_fans_out_to_matching_active_endpoints_of_its_tenant_only(tenant, other_tenant):
    every = WebhookEndpointFactory(tenant=tenant, event_types=[])
    bookings = WebhookEndpointFactory(tenant=tenant, event_types=["booking:*"])
    invoices = WebhookEndpointFactory(tenant=tenant, event_types=["invoice:updated"])
    WebhookEndpointFactory(tenant=tenant, event_types=[], is_active=False)
    WebhookEndpointFactory(tenant=other_tenant, event_types=[])
    with transaction.atomic():
        event = services.emit(tenant, "booking:created", {"booking_id": 7})

    assert dispatcher.dispatch_outbox() == 1

    assert set(WebhookDelivery.objects.filter(event=event).values_list("endpoint_id", flat=True)) == {every.pk, bookings.pk}
    assert not WebhookDelivery.objects.filter(endpoint=invoices).exists()
    event.refresh_from_db()
    assert event.processed_at is not None


def test_dispatching_twice_creates_no_second_delivery(tenant):
    WebhookEndpointFactory(tenant=tenant)
    event = OutboxEventFactory(tenant=tenant)
    dispatcher.dispatch_outbox()
    OutboxEvent.objects.filter(pk=event.pk).update(processed_at=None)  # as if a worker died before marking it
    dispatcher.dispatch_outbox()
    assert WebhookDelivery.objects.filter(event=event).count() == 1
    assert dispatcher.dispatch_outbox() == 0


def test_test_event_goes_only_to_the_endpoint_it_was_sent_for(tenant, owner):
    target = WebhookEndpointFactory(tenant=tenant)
    WebhookEndpointFactory(tenant=tenant)  # subscribed to every event, but not to other endpoints' pings
    services.send_test_event(tenant=tenant, actor=owner, endpoint_id=target.pk)
    dispatcher.dispatch_outbox()
    assert list(WebhookDelivery.objects.values_list("endpoint_id", flat=True)) == [target.pk]


def test_glob_patterns_match_entity_and_verb():
    endpoint = WebhookEndpointFactory.build(event_types=["booking:*", "stats:changed"])
    assert dispatcher.endpoint_wants(endpoint, OutboxEvent(event_type="booking:updated", payload={}))
    assert dispatcher.endpoint_wants(endpoint, OutboxEvent(event_type="stats:changed", payload={}))
    assert not dispatcher.endpoint_wants(endpoint, OutboxEvent(event_type="invoice:created", payload={}))


@pytest.mark.pg_only
@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_at_once_create_each_delivery_exactly_once():
    tenant = TenantFactory()
    endpoints = [WebhookEndpointFactory(tenant=tenant) for _ in range(3)]
    events = [OutboxEventFactory(tenant=tenant) for _ in range(60)]
    start = threading.Barrier(2)
    handled: list[int] = []
    errors: list[BaseException] = []

    def run():
        try:
            start.wait()
            while True:
                n = dispatcher.dispatch_outbox(batch=7)
                if n == 0:
                    break
                handled.append(n)
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)

    assert not errors
    # SKIP LOCKED: the two claimed disjoint batches, so every event was processed exactly once.
    assert sum(handled) == len(events)
    assert WebhookDelivery.objects.count() == len(events) * len(endpoints)
    assert OutboxEvent.objects.filter(processed_at__isnull=True, attempts__gt=0).count() == 0
    assert set(OutboxEvent.objects.values_list("attempts", flat=True)) == {1}

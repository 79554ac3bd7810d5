"""The soak's own checks can fail: `make soak` is only a proof if a lost write, a doubled payment or a
forged webhook would show up in it (bench/soak.py; the soak itself is not part of `make test`)."""
from __future__ import annotations

import datetime as dt
import http.client
import json
import time

import pytest

from bench import soak
from holdfast.core.billing.tests.factories import PaymentFactory
from holdfast.core.events.dispatcher import sign
from holdfast.core.inventory import services as inventory
from holdfast.core.inventory.tests.factories import ResourceFactory

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2034, 3, 1, 14, tzinfo=dt.UTC)


def post(port: int, body: bytes, signature: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    conn.request("POST", "/hook", body=body, headers={"Content-Type": "application/json", "X-Holdfast-Signature": signature})
    status = conn.getresponse().status
    conn.close()
    return status


def test_soak_receiver_records_signed_deliveries_and_counts_forged_ones():
    receiver = soak.Receiver(secret="whsec-test")
    port = receiver.start()
    try:
        body = json.dumps({"id": 41, "type": "booking:created"}).encode()
        assert post(port, body, sign("whsec-test", body, int(time.time()))) == 204
        assert post(port, body, sign("another-secret", body, int(time.time()))) == 401
        assert receiver.received == {41: 1}
        assert receiver.bad_signatures == 1
        receiver.outage()
        with pytest.raises(OSError):
            post(port, body, sign("whsec-test", body, int(time.time())))
        receiver.restore()
        assert post(port, body, sign("whsec-test", body, int(time.time()))) == 204
        assert receiver.received == {41: 2}
    finally:
        receiver.outage()


def test_soak_finds_acknowledged_writes_missing_from_the_database(tenant):
    facts = [{"kind": "hold", "id": 987654, "resource": 1, "extensions": 0, "released": False},
             {"kind": "reservation", "id": 987655, "check_in": "2034-03-01"},
             {"kind": "payment", "id": 987656, "reference": "soak-1-1", "amount": 100}]
    lost, violations = soak.check_facts(tenant, facts)
    assert len(lost) == 3 and violations == []


def test_soak_finds_a_payment_stored_twice_and_a_wrong_amount(tenant):
    first = PaymentFactory(tenant=tenant, reference="soak-1-2", amount_minor=500)
    PaymentFactory(tenant=tenant, customer=first.customer, reference="soak-1-2", amount_minor=500)
    lost, violations = soak.check_facts(tenant, [{"kind": "payment", "id": first.pk, "reference": "soak-1-2", "amount": 700}])
    assert lost == []
    assert any("stored 2 times" in v for v in violations)
    assert any("acknowledged 700" in v for v in violations)


def test_soak_compares_a_hold_with_its_acknowledged_chain(tenant, owner):
    first, second = ResourceFactory(tenant=tenant), ResourceFactory(tenant=tenant)
    hold = inventory.place_hold(tenant=tenant, actor=owner, resource_ids=[first.pk], starts_at=T0, ends_at=T0 + dt.timedelta(days=2))
    inventory.extend_hold(tenant=tenant, actor=owner, hold_id=hold.pk, minutes=10)
    placed = {"kind": "hold", "id": hold.pk, "resource": first.pk, "extensions": 0, "released": False}
    as_stored = [placed, {**placed, "extensions": 1, "final": True}]
    assert soak.check_facts(tenant, as_stored) == ([], [])
    # A second acknowledged extension that is not stored, a move that did not happen, a release that did not happen.
    assert soak.check_facts(tenant, [placed, {**placed, "extensions": 2, "final": True}])[0]
    assert soak.check_facts(tenant, [placed, {**placed, "extensions": 1, "resource": second.pk, "final": True}])[0]
    assert soak.check_facts(tenant, [placed, {**placed, "extensions": 1, "released": True, "final": True}])[0]
    # More extensions stored than acknowledged: a retry applied twice.
    assert soak.check_facts(tenant, [placed, {**placed, "extensions": 0, "final": True}])[1]

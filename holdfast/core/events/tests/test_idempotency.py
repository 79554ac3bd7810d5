"""Idempotency-Key on API POSTs (DESIGN rule 9), exercised through the customers API."""
from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from holdfast.core.customers.models import Customer
from holdfast.core.events.models import IdempotencyKey
from holdfast.core.events.services import purge_expired_idempotency_keys

URL = "/api/v1/customers"


def test_same_key_and_body_replays_the_answer_without_a_second_customer(owner_api, tenant):
    first = owner_api.post(URL, {"name": "Grace"}, headers={"Idempotency-Key": "k-1"})
    second = owner_api.post(URL, {"name": "Grace"}, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Customer.objects.for_tenant(tenant).count() == 1


def test_same_key_with_another_body_is_refused(owner_api, tenant):
    owner_api.post(URL, {"name": "Grace"}, headers={"Idempotency-Key": "k-2"})
    other = owner_api.post(URL, {"name": "Alan"}, headers={"Idempotency-Key": "k-2"})
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    assert list(Customer.objects.for_tenant(tenant).values_list("name", flat=True)) == ["Grace"]


def test_refusals_below_500_are_replayed_too(owner_api):
    first = owner_api.post(URL, {"name": "X", "email": "not-an-email"}, headers={"Idempotency-Key": "k-3"})
    again = owner_api.post(URL, {"name": "X", "email": "not-an-email"}, headers={"Idempotency-Key": "k-3"})
    assert first.status_code == again.status_code == 422
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert again["Content-Type"].startswith("application/problem+json")


def test_another_user_reusing_a_key_is_refused_not_replayed_the_first_answer(owner_api, tenant, api_as, staff_member):
    first = owner_api.post(URL, {"name": "Grace"}, headers={"Idempotency-Key": "k-shared"})
    assert first.status_code == 201
    colleague = api_as(staff_member, tenant).post(URL, {"name": "Grace"}, headers={"Idempotency-Key": "k-shared"})
    assert colleague.status_code == 422 and colleague.json()["code"] == "idempotency_key_reused"
    assert "Idempotent-Replayed" not in colleague


def test_key_in_progress_answers_409(owner_api, tenant, owner):
    IdempotencyKey.objects.create(tenant=tenant, key="k-4", method="POST", path=URL, request_hash="x" * 64, expires_at=timezone.now() + timedelta(hours=1))
    response = owner_api.post(URL, {"name": "Grace"}, headers={"Idempotency-Key": "k-4"})
    # Different hash wins over in-progress; with the same hash it is 409:
    assert response.status_code == 422
    from holdfast.core.events.idempotency import request_hash

    class Fake:
        method, body = "POST", json.dumps({"name": "Grace"}).encode()

        def get_full_path(self):
            return URL

    IdempotencyKey.objects.filter(key="k-4").update(request_hash=request_hash(Fake(), owner.pk))
    response = owner_api.post(URL, {"name": "Grace"}, headers={"Idempotency-Key": "k-4"})
    assert response.status_code == 409 and response.json()["code"] == "idempotency_in_progress"
    assert response["Retry-After"] == "1"
    assert not Customer.objects.for_tenant(tenant).exists()

    # A request that died long ago leaves a stale row: it is taken over and runs once.
    IdempotencyKey.objects.filter(key="k-4").update(created_at=timezone.now() - timedelta(minutes=5))
    response = owner_api.post(URL, {"name": "Grace"}, headers={"Idempotency-Key": "k-4"})
    assert response.status_code == 201
    assert Customer.objects.for_tenant(tenant).count() == 1


def test_expired_key_counts_as_absent(owner_api, tenant):
    owner_api.post(URL, {"name": "Grace"}, headers={"Idempotency-Key": "k-5"})
    IdempotencyKey.objects.filter(key="k-5").update(expires_at=timezone.now() - timedelta(seconds=1))
    again = owner_api.post(URL, {"name": "Alan"}, headers={"Idempotency-Key": "k-5"})
    assert again.status_code == 201 and "Idempotent-Replayed" not in again
    assert Customer.objects.for_tenant(tenant).count() == 2
    IdempotencyKey.objects.filter(key="k-5").update(expires_at=timezone.now() - timedelta(seconds=1))
    assert purge_expired_idempotency_keys() == 1
    assert not IdempotencyKey.objects.exists()


def test_overlong_key_is_refused(owner_api, tenant):
    response = owner_api.post(URL, {"name": "Grace"}, headers={"Idempotency-Key": "k" * 256})
    assert response.status_code == 422 and response.json()["code"] == "idempotency_key_invalid"
    assert not Customer.objects.for_tenant(tenant).exists()


def test_keys_are_per_tenant(owner_api, outsider_api, tenant, other_tenant):
    assert owner_api.post(URL, {"name": "Grace"}, headers={"Idempotency-Key": "shared"}).status_code == 201
    theirs = outsider_api.post(URL, {"name": "Grace"}, headers={"Idempotency-Key": "shared"})
    assert theirs.status_code == 201 and "Idempotent-Replayed" not in theirs
    assert Customer.objects.for_tenant(other_tenant).count() == 1


def test_server_error_releases_the_key_so_a_retry_runs(owner_api, tenant, monkeypatch):
    from holdfast.core.customers import services as customer_services

    real = customer_services.create_customer
    calls = {"n": 0}

    def flaky(**kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("database went away")
        return real(**kwargs)

    monkeypatch.setattr(customer_services, "create_customer", flaky)
    first = owner_api.post(URL, {"name": "Grace"}, headers={"Idempotency-Key": "k-6"})
    assert first.status_code == 500
    assert not IdempotencyKey.objects.filter(key="k-6").exists()
    second = owner_api.post(URL, {"name": "Grace"}, headers={"Idempotency-Key": "k-6"})
    assert second.status_code == 201 and "Idempotent-Replayed" not in second


def test_requests_without_key_or_tenant_pass_through(owner_api, client, tenant):
    assert owner_api.post(URL, {"name": "A"}).status_code == 201
    assert owner_api.post(URL, {"name": "A"}).status_code == 201
    anonymous = client.post(URL, json.dumps({"name": "A"}), content_type="application/json", HTTP_IDEMPOTENCY_KEY="anon")
    assert anonymous.status_code == 401
    assert not IdempotencyKey.objects.exists()


@pytest.mark.pg_only
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_requests_with_one_key_create_one_customer(owner_api, tenant):
    start = threading.Barrier(2)
    results = []

    def post():
        try:
            c = Client()
            start.wait()
            r = c.post(URL, json.dumps({"name": "Grace"}), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {owner_api.raw_token}", HTTP_IDEMPOTENCY_KEY="race")
            results.append((r.status_code, r.json().get("code"), r.get("Idempotent-Replayed")))
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)

    assert Customer.objects.filter(tenant=tenant).count() == 1
    statuses = sorted(r[0] for r in results)
    assert statuses in ([201, 201], [201, 409])
    if statuses == [201, 201]:
        assert [r[2] for r in results].count("true") == 1


@pytest.mark.pg_only
@pytest.mark.django_db(transaction=True)
def test_a_retry_storm_gets_one_effect_and_every_client_that_retries_after_409_gets_the_original_answer(owner_api, tenant):
    """Issue 14: 16 concurrent copies of one POST; those answered 409 carry Retry-After and, retrying
    as told, receive the first request's answer (same customer id), with one customer created."""
    copies = 16
    start = threading.Barrier(copies)
    final, first_answers = [], []
    lock = threading.Lock()

    def client():
        try:
            c = Client()
            start.wait()
            for attempt in range(50):
                r = c.post(URL, json.dumps({"name": "Storm"}), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {owner_api.raw_token}", HTTP_IDEMPOTENCY_KEY="storm")
                if attempt == 0:
                    with lock:
                        first_answers.append((r.status_code, r.get("Retry-After")))
                if r.status_code != 409:
                    with lock:
                        final.append((r.status_code, r.json()["id"], r.get("Idempotent-Replayed")))
                    return
                assert r.json()["code"] == "idempotency_in_progress" and r["Retry-After"].isdigit()
                threading.Event().wait(0.05)  # a test need not wait the full Retry-After
        finally:
            connection.close()

    threads = [threading.Thread(target=client) for _ in range(copies)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)

    assert Customer.objects.filter(tenant=tenant).count() == 1
    assert len(final) == copies
    assert {status for status, _, _ in final} == {201}
    assert len({customer_id for _, customer_id, _ in final}) == 1
    assert [replayed for _, _, replayed in final].count(None) == 1  # one ran, the others were replayed
    assert all(retry_after for status, retry_after in first_answers if status == 409)


def test_permission_refusal_is_not_remembered(staff_api, tenant, staff_member):
    from holdfast.core.accounts.models import Membership, Role

    refused = staff_api.post(URL, {"name": "Grace"}, headers={"Idempotency-Key": "k-7"})
    assert refused.status_code == 403
    Membership.objects.filter(user=staff_member, tenant=tenant).update(role=Role.objects.get(tenant=tenant, key="admin"))
    staff_member._hf_memberships = None
    allowed = staff_api.post(URL, {"name": "Grace"}, headers={"Idempotency-Key": "k-7"})
    assert allowed.status_code == 201 and "Idempotent-Replayed" not in allowed


class Killed(BaseException):
    """A process killed between the business step and storing its answer (not an Exception: nothing handles it)."""


@pytest.mark.django_db(transaction=True)
def test_a_crash_before_the_answer_is_stored_leaves_no_effect_and_no_stuck_key(owner_api, tenant, monkeypatch):
    from holdfast.core.events import idempotency

    real = idempotency._stored_json
    monkeypatch.setattr(idempotency, "_stored_json", lambda response: (_ for _ in ()).throw(Killed()))  # dies after the view answered
    with pytest.raises(Killed):
        owner_api.post(URL, {"name": "Grace"}, headers={"Idempotency-Key": "crash-1"})
    # The effect and the key were one transaction: neither is there, nothing waits for a stale window.
    assert not Customer.objects.for_tenant(tenant).exists()
    assert not IdempotencyKey.objects.filter(key="crash-1").exists()
    monkeypatch.setattr(idempotency, "_stored_json", real)
    retry = owner_api.post(URL, {"name": "Grace"}, headers={"Idempotency-Key": "crash-1"})
    assert retry.status_code == 201 and "Idempotent-Replayed" not in retry
    # Even after the old stale window the step never runs twice.
    IdempotencyKey.objects.filter(key="crash-1").update(created_at=timezone.now() - timedelta(minutes=5))
    again = owner_api.post(URL, {"name": "Grace"}, headers={"Idempotency-Key": "crash-1"})
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert Customer.objects.for_tenant(tenant).count() == 1

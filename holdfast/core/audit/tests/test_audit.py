"""Every business write leaves exactly one audit entry (namespaced action, diff, correlation id);
entries are append-only on PostgreSQL; the audit API is tenant-scoped and permission-checked."""
from __future__ import annotations

import re

import pytest
from django.db import DatabaseError, transaction

from holdfast.core.accounts import services as accounts
from holdfast.core.accounts.models import ApiToken, Membership, Role
from holdfast.core.audit.models import AuditEntry
from holdfast.core.customers import services as customers
from holdfast.core.events.models import OutboxEvent
from holdfast.kit.context import correlation_scope
from tests.factories import AuditEntryFactory, UserFactory, member

ACTION = re.compile(r"^[a-z_]+\.[a-z_]+\.[a-z_]+$")


def _membership(user):
    return Membership.objects.get(user=user)


def _custom_role(tenant, owner):
    return accounts.create_role(tenant=tenant, actor=owner, name="Desk", permissions=["customers.view"])


def _deactivated(tenant, owner, customer):
    customers.deactivate_customer(tenant=tenant, actor=owner, customer_id=customer.pk, reason="gone")
    return customer


# (action, call) — `call(tenant, owner, customer)` performs one business step.
STEPS = [
    ("tenancy.tenant.created", lambda t, o, c: accounts.provision_tenant(name="Fresh Biz", owner=UserFactory(), actor=o)),
    ("tenancy.tenant.updated", lambda t, o, c: accounts.update_tenant(tenant=t, actor=o, version=t.version, name="Renamed")),
    ("tenancy.tenant.deleted", lambda t, o, c: accounts.delete_tenant(tenant=t, actor=o)),
    ("accounts.membership.created", lambda t, o, c: accounts.add_member(tenant=t, actor=o, email="new@harbour.test", role_key="staff")),
    ("accounts.membership.role_changed", lambda t, o, c: accounts.change_member_role(tenant=t, actor=o, membership_id=_membership(member(t, "staff")).pk, role_key="manager")),
    ("accounts.membership.deactivated", lambda t, o, c: accounts.deactivate_member(tenant=t, actor=o, membership_id=_membership(member(t, "staff")).pk)),
    ("accounts.role.created", lambda t, o, c: accounts.create_role(tenant=t, actor=o, name="Night", permissions=["customers.view"])),
    ("accounts.role.updated", None),  # set up separately: needs a role first
    ("accounts.api_token.issued", lambda t, o, c: accounts.issue_api_token(tenant=t, actor=o, name="ci")),
    ("accounts.api_token.revoked", None),
    ("customers.customer.created", lambda t, o, c: customers.create_customer(tenant=t, actor=o, name="Zed")),
    ("customers.customer.updated", lambda t, o, c: customers.update_customer(tenant=t, actor=o, customer_id=c.pk, version=c.version, phone="+1 555")),
    ("customers.customer.verified", lambda t, o, c: customers.verify_customer(tenant=t, actor=o, customer_id=c.pk)),
    ("customers.customer.deactivated", lambda t, o, c: customers.deactivate_customer(tenant=t, actor=o, customer_id=c.pk, reason="moved")),
    ("customers.customer.reactivated", None),
]


def _prepare(action, tenant, owner, customer):
    """Steps that need an earlier step: do that first, return the call to measure."""
    if action == "accounts.role.updated":
        role = _custom_role(tenant, owner)
        return lambda t, o, c: accounts.update_role(tenant=t, actor=o, role_id=role.pk, version=role.version, permissions=["customers.*"])
    if action == "accounts.api_token.revoked":
        token, _ = accounts.issue_api_token(tenant=tenant, actor=owner, name="old")
        return lambda t, o, c: accounts.revoke_api_token(tenant=t, actor=o, token_id=token.pk)
    if action == "customers.customer.reactivated":
        _deactivated(tenant, owner, customer)
        return lambda t, o, c: customers.reactivate_customer(tenant=t, actor=o, customer_id=c.pk)
    return dict(STEPS)[action]


@pytest.mark.django_db
@pytest.mark.parametrize("action", [a for a, _ in STEPS])
def test_every_service_writes_exactly_one_audit_entry(action, tenant, owner, customer):
    call = _prepare(action, tenant, owner, customer)
    before = set(AuditEntry.objects.values_list("pk", flat=True))
    with correlation_scope(f"corr-{action}"):
        call(tenant, owner, customer)
    new = list(AuditEntry.objects.exclude(pk__in=before))
    assert len(new) == 1, [e.action for e in new]
    entry = new[0]
    assert entry.action == action and ACTION.match(entry.action)
    assert entry.actor_id == owner.pk and entry.actor_label == owner.email
    assert entry.correlation_id == f"corr-{action}"
    assert isinstance(entry.diff, dict)
    if action.endswith((".updated", ".role_changed", ".created")):
        assert entry.diff, "a change records what changed"
        assert all(isinstance(v, list) and len(v) == 2 for v in entry.diff.values())


@pytest.mark.django_db
def test_platform_grant_is_audited_without_a_tenant():
    user = UserFactory()
    accounts.grant_platform_admin(user=user, actor=None)
    entry = AuditEntry.objects.get(action="accounts.platform_admin.granted")
    assert entry.tenant_id is None and entry.actor_label == "system"


@pytest.mark.django_db
def test_a_refused_step_leaves_no_audit_entry(tenant, owner, customer):
    from holdfast.kit.errors import Conflict

    before = AuditEntry.objects.count()
    with pytest.raises(Conflict):
        customers.update_customer(tenant=tenant, actor=owner, customer_id=customer.pk, version=customer.version + 5, name="Late")
    assert AuditEntry.objects.count() == before


@pytest.mark.django_db
def test_request_id_header_reaches_audit_entry_outbox_and_response(owner_api, tenant):
    response = owner_api.post("/api/v1/customers", {"name": "Traced"}, headers={"X-Request-ID": "req-2026.abc_1"})
    assert response.status_code == 201
    assert response["X-Request-ID"] == "req-2026.abc_1"
    entry = AuditEntry.objects.get(tenant=tenant, action="customers.customer.created")
    assert entry.correlation_id == "req-2026.abc_1"
    event = OutboxEvent.objects.filter(tenant=tenant, event_type="client:created").get()
    assert event.payload["correlation_id"] == "req-2026.abc_1"


@pytest.mark.django_db
def test_unsafe_request_ids_are_replaced_and_each_request_gets_its_own(owner_api, tenant):
    first = owner_api.post("/api/v1/customers", {"name": "One"}, headers={"X-Request-ID": "bad id; drop table"})
    second = owner_api.post("/api/v1/customers", {"name": "Two"})
    assert first["X-Request-ID"] != "bad id; drop table"
    assert re.fullmatch(r"[0-9a-f]{32}", first["X-Request-ID"])
    assert first["X-Request-ID"] != second["X-Request-ID"]
    ids = set(AuditEntry.objects.filter(tenant=tenant, action="customers.customer.created").values_list("correlation_id", flat=True))
    assert ids == {first["X-Request-ID"], second["X-Request-ID"]}


@pytest.mark.pg_only
@pytest.mark.django_db
def test_postgres_trigger_refuses_update_and_delete_of_audit_entries(tenant):
    entry = AuditEntryFactory(tenant=tenant, diff={"name": ["a", "b"]})
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic():
            AuditEntry.objects.filter(pk=entry.pk).update(action="tampered")
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic():
            AuditEntry.objects.filter(pk=entry.pk).delete()
    entry.refresh_from_db()
    assert entry.action == "customers.customer.created"


@pytest.mark.django_db
class TestAuditApi:
    def test_admin_reads_own_tenant_entries_filtered(self, owner_api, tenant, customer, owner):
        customers.verify_customer(tenant=tenant, actor=owner, customer_id=customer.pk)
        page = owner_api.get("/api/v1/audit/entries", {"entity_type": "customers.customer", "entity_id": customer.pk}).json()
        assert [e["action"] for e in page["results"]] == ["customers.customer.verified"]
        assert page["results"][0]["diff"] == {"is_verified": [False, True]}

    def test_outsider_sees_none_of_another_tenants_entries(self, outsider_api, tenant, customer, owner):
        customers.verify_customer(tenant=tenant, actor=owner, customer_id=customer.pk)
        own = outsider_api.get("/api/v1/audit/entries").json()["results"]
        assert own and all(e["action"] == "accounts.api_token.issued" for e in own)  # only the outsider's own token
        assert outsider_api.get("/api/v1/audit/entries", {"entity_type": "customers.customer"}).json()["count"] == 0

    def test_staff_without_audit_view_is_refused(self, staff_api):
        assert staff_api.get("/api/v1/audit/entries").status_code == 403
        assert staff_api.get("/api/v1/audit/logs").status_code == 403


@pytest.mark.django_db
def test_token_issue_does_not_leak_the_secret_into_the_audit_diff(tenant, owner):
    token, raw = accounts.issue_api_token(tenant=tenant, actor=owner, name="ci")
    entry = AuditEntry.objects.get(action="accounts.api_token.issued", entity_id=str(token.pk))
    assert raw not in str(entry.diff) and ApiToken.objects.get(pk=token.pk).token_hash not in str(entry.diff)
    assert Role.objects.filter(tenant=tenant).exists()

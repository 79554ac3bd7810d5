"""Audit trail and system log screens."""
from __future__ import annotations

import pytest

from holdfast.core.audit.models import SystemLog
from holdfast.core.customers import services
from tests.factories import AuditEntryFactory, SystemLogFactory, member

pytestmark = pytest.mark.django_db


def test_audit_trail_lists_changes_of_this_business(web_as, owner, tenant, other_tenant):
    services.create_customer(tenant=tenant, actor=owner, name="Visible Change")
    AuditEntryFactory(tenant=other_tenant, action="customers.customer.created", entity_id="999", actor_label="spy@rival.test")
    body = web_as(owner).get("/audit/").content.decode()
    assert "Visible Change" in body and "spy@rival.test" not in body


def test_audit_trail_filters(web_as, owner, tenant):
    AuditEntryFactory(tenant=tenant, entity_type="customers.customer", entity_id="1", action="customers.customer.created", actor_label="a@x.test")
    AuditEntryFactory(tenant=tenant, entity_type="accounts.role", entity_id="2", action="accounts.role.created", actor_label="b@x.test")
    c = web_as(owner)
    assert [e.action for e in c.get("/audit/?entity_type=accounts.role").context["page"]] == ["accounts.role.created"]
    assert [e.action for e in c.get("/audit/?action=customers.").context["page"]] == ["customers.customer.created"]
    assert [e.actor_label for e in c.get("/audit/?actor=b@x").context["page"]] == ["b@x.test"]
    assert [e.entity_id for e in c.get("/audit/?entity_id=1").context["page"]] == ["1"]


@pytest.mark.parametrize("path", ["/audit/", "/audit/logs/"])
def test_staff_cannot_read_audit_or_logs(web_as, staff_member, path):
    assert web_as(staff_member).get(path).status_code == 403


def test_system_logs_are_scoped_and_filterable(web_as, tenant, other_tenant):
    manager = member(tenant, "manager", email="manager@harbour.test")
    SystemLogFactory(tenant=tenant, log_type=SystemLog.AUTH, message="login failed for bob")
    SystemLogFactory(tenant=tenant, log_type=SystemLog.PAYMENT, message="payment captured")
    SystemLogFactory(tenant=other_tenant, message="rival secret")
    c = web_as(manager)
    body = c.get("/audit/logs/").content.decode()
    assert "login failed for bob" in body and "payment captured" in body and "rival secret" not in body
    body = c.get("/audit/logs/?log_type=AUTH").content.decode()
    assert "login failed for bob" in body and "payment captured" not in body


def test_customer_entries_link_to_the_customer(web_as, owner, tenant, customer):
    services.verify_customer(tenant=tenant, actor=owner, customer_id=customer.pk)
    assert f'href="/customers/{customer.pk}/"' in web_as(owner).get("/audit/").content.decode()

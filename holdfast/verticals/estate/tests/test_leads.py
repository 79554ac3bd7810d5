"""Leads: pipeline, assignment, notes and history; agents see only their own; conversion into a customer."""
from __future__ import annotations

import pytest

from holdfast.kit.errors import NotFound, PermissionDenied
from holdfast.verticals.estate import selectors, services

pytestmark = pytest.mark.django_db


def test_agent_works_only_assigned_leads(tenant, manager, agent):
    mine = services.create_lead(tenant=tenant, actor=manager, name="Mine", assigned_agent_id=agent.pk)
    other = services.create_lead(tenant=tenant, actor=manager, name="Other")
    assert list(selectors.leads(tenant, agent)) == [mine]
    services.move_lead(tenant=tenant, actor=agent, lead_id=mine.pk, stage="CONTACTED", note="called")
    with pytest.raises(NotFound):
        services.move_lead(tenant=tenant, actor=agent, lead_id=other.pk, stage="CONTACTED")
    with pytest.raises(PermissionDenied):
        services.assign_lead(tenant=tenant, actor=agent, lead_id=other.pk, agent_id=agent.pk)


def test_agent_creates_a_lead_assigned_to_themselves(tenant, agent, manager):
    lead = services.create_lead(tenant=tenant, actor=agent, name="Met at fair", assigned_agent_id=manager.pk)
    assert lead.assigned_agent == agent


def test_pipeline_history_and_conversion(tenant, owner, manager, agent):
    lead = services.create_lead(tenant=tenant, actor=manager, name="Nora Newbuyer", email="nora@example.com", source="web")
    services.assign_lead(tenant=tenant, actor=manager, lead_id=lead.pk, agent_id=agent.pk)
    for stage in ("CONTACTED", "QUALIFIED", "WON"):
        services.move_lead(tenant=tenant, actor=agent, lead_id=lead.pk, stage=stage)
    services.add_lead_note(tenant=tenant, actor=agent, lead_id=lead.pk, text="Wants a sea view")
    lead = services.convert_lead(tenant=tenant, actor=agent, lead_id=lead.pk)
    assert lead.customer.is_verified and lead.customer.email == "nora@example.com"
    kinds = list(lead.activities.order_by("id").values_list("kind", flat=True))
    assert kinds == ["CREATED", "ASSIGNED", "STAGE", "STAGE", "STAGE", "NOTE", "CONVERTED"]


def test_assigning_to_a_customer_is_refused(tenant, manager, buyer):
    lead = services.create_lead(tenant=tenant, actor=manager, name="X")
    with pytest.raises(NotFound):
        services.assign_lead(tenant=tenant, actor=manager, lead_id=lead.pk, agent_id=buyer[0].pk)


def test_ratings_average_only_approved_reviews(tenant, buyer, manager, project):
    good = services.write_review(tenant=tenant, actor=buyer[0], rating=5, project_id=project.pk)
    bad = services.write_review(tenant=tenant, actor=buyer[0], rating=1, project_id=project.pk)
    services.moderate_review(tenant=tenant, actor=manager, review_id=good.pk, approve=True)
    services.moderate_review(tenant=tenant, actor=manager, review_id=bad.pk, approve=False)
    assert selectors.ratings(tenant)["projects"] == [{"project_id": project.pk, "name": "Marina Towers", "average": 5.0, "count": 1}]
    assert list(selectors.public_reviews(tenant)) == [good]

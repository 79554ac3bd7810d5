"""Leads (pipeline, agent, notes, history, optional verified-customer link) and reviews (customer
authored, exactly one subject, staff moderated)."""
from __future__ import annotations

from django.db import transaction

from holdfast.core.accounts.models import Membership
from holdfast.core.accounts.selectors import has_perm, require_perm
from holdfast.core.audit.services import log_action
from holdfast.core.customers.models import Customer
from holdfast.core.customers.services import create_customer
from holdfast.core.events.services import emit, notify
from holdfast.core.tenancy.selectors import get_owned
from holdfast.kit import clock
from holdfast.kit.errors import Conflict, NotFound, PermissionDenied, ValidationFailed

from ..models import Lead, LeadActivity, Project, Review

STAGES = [s for s, _ in Lead.STAGES]


def is_staff(user, tenant) -> bool:
    """Staff = an active member whose role works estate (Admin, Manager, Agent), not a customer."""
    return has_perm(user, tenant, "estate.view")


def _staff_member(tenant, user_id: int, what: str = "agent"):
    membership = Membership.objects.for_tenant(tenant).filter(user_id=user_id, is_active=True).select_related("user", "role").first()
    if membership is None or not is_staff(membership.user, tenant):
        raise NotFound(f"No {what} with id {user_id}.", code="not_found")
    return membership.user


# ---------------------------------------------------------------- leads

def _lead_for(tenant, actor, lead_id: int, *, lock: bool = True) -> Lead:
    """Managers see every lead; an agent only the leads assigned to them (others answer 404)."""
    if actor is not None:
        require_perm(actor, tenant, "estate.lead.work")
    qs = Lead.objects.select_for_update() if lock else Lead.objects.all()
    lead = get_owned(qs, tenant, lead_id, what="lead")
    if actor is not None and not has_perm(actor, tenant, "estate.lead.manage") and lead.assigned_agent_id != actor.pk:
        raise NotFound(f"No lead with id {lead_id}.", code="not_found")
    return lead


def _activity(tenant, lead, actor, kind: str, text: str) -> None:
    LeadActivity.objects.create(tenant=tenant, lead=lead, kind=kind, text=text[:1000], actor=actor if getattr(actor, "pk", None) else None)


def create_lead(*, tenant, actor, name: str, email: str = "", phone: str = "", source: str = "", notes: str = "", project_id: int | None = None,
                assigned_agent_id: int | None = None) -> Lead:
    """A lead is not a customer: no customer row is created here."""
    if actor is not None:
        require_perm(actor, tenant, "estate.lead.work")
    if not (name or "").strip():
        raise ValidationFailed("The lead was not saved.", fields={"name": ["A name is required."]})
    with transaction.atomic():
        project = get_owned(Project, tenant, project_id, what="project") if project_id else None
        if actor is not None and not has_perm(actor, tenant, "estate.lead.manage"):
            assigned_agent_id = actor.pk  # an agent's new lead is their own
        agent = _staff_member(tenant, assigned_agent_id) if assigned_agent_id else None
        lead = Lead.objects.create(tenant=tenant, name=name.strip()[:200], email=(email or "").strip()[:254], phone=(phone or "")[:40], source=(source or "")[:60],
                                   notes=notes or "", project=project, assigned_agent=agent)
        _activity(tenant, lead, actor, "CREATED", f"Lead created{f' from {source}' if source else ''}.")
        log_action(tenant=tenant, actor=actor, entity=lead, action="estate.lead.created", diff={"name": [None, lead.name], "stage": [None, lead.stage]})
        emit(tenant, "estate.lead:created", {"lead_id": lead.pk})
    return lead


def move_lead(*, tenant, actor, lead_id: int, stage: str, note: str = "") -> Lead:
    with transaction.atomic():
        lead = _lead_for(tenant, actor, lead_id)  # who may and which lead first: a refused caller learns nothing of the input
        if stage not in STAGES:
            raise ValidationFailed("Unknown stage.", fields={"stage": [f"One of {', '.join(STAGES)}."]})
        before = lead.stage
        if before == stage:
            return lead
        lead.stage = stage
        lead.version += 1
        lead.save()
        _activity(tenant, lead, actor, "STAGE", f"{before} → {stage}" + (f": {note}" if note else ""))
        log_action(tenant=tenant, actor=actor, entity=lead, action="estate.lead.moved", diff={"stage": [before, stage]})
        emit(tenant, "estate.lead:updated", {"lead_id": lead.pk, "stage": stage})
    return lead


def assign_lead(*, tenant, actor, lead_id: int, agent_id: int | None) -> Lead:
    if actor is not None:
        require_perm(actor, tenant, "estate.lead.manage")
    with transaction.atomic():
        lead = get_owned(Lead.objects.select_for_update(), tenant, lead_id, what="lead")
        agent = _staff_member(tenant, agent_id) if agent_id else None
        before = lead.assigned_agent_id
        lead.assigned_agent = agent
        lead.version += 1
        lead.save()
        _activity(tenant, lead, actor, "ASSIGNED", f"Assigned to {agent.email}." if agent else "Unassigned.")
        log_action(tenant=tenant, actor=actor, entity=lead, action="estate.lead.assigned", diff={"assigned_agent_id": [before, agent_id]})
        emit(tenant, "estate.lead:updated", {"lead_id": lead.pk})
        if agent is not None and agent != actor:
            notify(tenant, agent, event_type="estate.lead:assigned", title=f"Lead assigned: {lead.name}", data={"lead_id": lead.pk})
    return lead


def add_lead_note(*, tenant, actor, lead_id: int, text: str) -> LeadActivity:
    if not (text or "").strip():
        raise ValidationFailed("The note is empty.", fields={"text": ["Write something."]})
    with transaction.atomic():
        lead = _lead_for(tenant, actor, lead_id)
        lead.version += 1
        lead.save()
        _activity(tenant, lead, actor, "NOTE", text.strip())
        log_action(tenant=tenant, actor=actor, entity=lead, action="estate.lead.noted", diff={"note": [None, text.strip()[:200]]})
        emit(tenant, "estate.lead:updated", {"lead_id": lead.pk})
    return lead.activities.first()


def link_lead_customer(*, tenant, actor, lead_id: int, customer_id: int | None) -> Lead:
    """Link (or unlink) a verified customer; many leads may link to the same customer."""
    with transaction.atomic():
        lead = _lead_for(tenant, actor, lead_id)
        customer = get_owned(Customer, tenant, customer_id, what="customer") if customer_id else None
        if customer is not None and not customer.is_verified:
            raise Conflict("Only a verified customer can be linked to a lead.", code="customer_not_verified")
        before = lead.customer_id
        lead.customer = customer
        lead.version += 1
        lead.save()
        _activity(tenant, lead, actor, "LINKED", f"Linked to customer {customer.name}." if customer else "Customer link removed.")
        log_action(tenant=tenant, actor=actor, entity=lead, action="estate.lead.linked", diff={"customer_id": [before, customer_id]})
        emit(tenant, "estate.lead:updated", {"lead_id": lead.pk})
    return lead


def convert_lead(*, tenant, actor, lead_id: int) -> Lead:
    """Create a verified customer from the lead's contact details and link it (the lead stays a lead)."""
    if actor is not None:
        require_perm(actor, tenant, "customers.manage")
    with transaction.atomic():
        lead = _lead_for(tenant, actor, lead_id)
        if lead.customer_id:
            raise Conflict("The lead is already linked to a customer.", code="lead_already_linked")
        customer = create_customer(tenant=tenant, actor=actor, name=lead.name, email=lead.email, phone=lead.phone, is_verified=True)
        lead.customer = customer
        lead.version += 1
        lead.save()
        _activity(tenant, lead, actor, "CONVERTED", f"Converted into customer {customer.name}.")
        log_action(tenant=tenant, actor=actor, entity=lead, action="estate.lead.converted", diff={"customer_id": [None, customer.pk]})
        emit(tenant, "estate.lead:updated", {"lead_id": lead.pk, "customer_id": customer.pk})
    return lead


# ---------------------------------------------------------------- reviews

def write_review(*, tenant, actor, rating: int, text: str = "", project_id: int | None = None, agent_id: int | None = None) -> Review:
    """A customer reviews exactly one subject (a project or an agent); it waits for moderation."""
    if actor is not None:
        require_perm(actor, tenant, "estate.review.write")
    if bool(project_id) == bool(agent_id):
        raise ValidationFailed("Review exactly one subject: a project or an agent.", fields={"project_id": ["Give project_id or agent_id, not both."]})
    if not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5:
        raise ValidationFailed("The review was not saved.", fields={"rating": ["A whole number from 1 to 5."]})
    with transaction.atomic():
        customer = Customer.objects.for_tenant(tenant).filter(user=actor).first() if getattr(actor, "pk", None) else None
        if customer is None:
            raise PermissionDenied("Only customers write reviews.", code="not_a_customer")
        project = get_owned(Project, tenant, project_id, what="project") if project_id else None
        agent = _staff_member(tenant, agent_id) if agent_id else None
        review = Review.objects.create(tenant=tenant, customer=customer, project=project, agent=agent, rating=rating, text=(text or "").strip()[:4000])
        log_action(tenant=tenant, actor=actor, entity=review, action="estate.review.written", diff={"rating": [None, rating]})
        emit(tenant, "estate.review:written", {"review_id": review.pk})
    return review


def moderate_review(*, tenant, actor, review_id: int, approve: bool, note: str = "") -> Review:
    """Only staff moderate; nobody moderates their own review or a review about themselves."""
    if actor is None or not is_staff(actor, tenant):
        raise PermissionDenied("Only staff moderate reviews.", code="staff_only")
    require_perm(actor, tenant, "estate.review.moderate")
    with transaction.atomic():
        review = get_owned(Review.objects.select_for_update().select_related("customer"), tenant, review_id, what="review")
        if review.customer.user_id == actor.pk:
            raise PermissionDenied("Customers cannot approve their own reviews.", code="self_moderation")
        if review.agent_id == actor.pk:
            raise PermissionDenied("A review about you is moderated by someone else.", code="self_moderation")
        if review.status != Review.PENDING:
            raise Conflict(f"The review is already {review.status.lower()}.", code="review_already_moderated")
        review.status = Review.APPROVED if approve else Review.REJECTED
        review.moderated_by, review.moderated_at, review.moderation_note = actor, clock.now(), (note or "")[:300]
        review.save()
        log_action(tenant=tenant, actor=actor, entity=review, action=f"estate.review.{review.status.lower()}", diff={"status": [Review.PENDING, review.status]})
        emit(tenant, "estate.review:moderated", {"review_id": review.pk, "status": review.status})
    return review

"""Helpers of the petcare screens: choice lists and the job page's context (which buttons to show)."""
from __future__ import annotations

from django.contrib import messages

from holdfast.core.accounts.views import can
from holdfast.kit import clock

from . import selectors
from .flows import live_item_of


def client_choices(tenant):
    return [(c.pk, c.name) for c in selectors.clients(tenant, active=True)[:1000]]


def service_choices(tenant):
    return [(s.pk, f"{s.name} ({s.duration_minutes} min)") for s in selectors.services(tenant, active=True)]


def walker_choices(tenant):
    return [(w.pk, str(w)) for w in selectors.walkers(tenant).filter(is_active=True)]


def member_choices(tenant):
    from holdfast.core.accounts.models import Membership

    taken = set(selectors.walkers(tenant).values_list("user_id", flat=True))
    members = Membership.objects.for_tenant(tenant).filter(is_active=True, role__key__in=["staff", "admin", "manager"]).select_related("user")
    return [(m.user_id, m.user.full_name or m.user.email) for m in members if m.user_id not in taken]


def form_errors(request, form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields and form.fields[field].label else field.replace("_", " ")
        messages.error(request, f"{label}: {' '.join(errors)}" if field != "__all__" else " ".join(errors))


def job_context(request, tenant, job) -> dict:
    walker = selectors.walker_of_job(job)
    is_walker = walker is not None and walker.user_id == request.user.pk
    is_client = job.booking.customer_id and job.booking.customer.user_id == request.user.pk
    status = job.booking.status
    admin = can(request, "petcare.view")
    zone = clock.zone(tenant.time_zone)
    steps = selectors.job_transitions(tenant, request.user, job)
    return {
        "job": job, "walker": walker, "status": status, "admin": admin, "is_walker": is_walker, "is_client": is_client,
        "local_start": job.booking.starts_at.astimezone(zone), "local_end": job.booking.ends_at.astimezone(zone),
        "walkers": selectors.walkers(tenant).filter(is_active=True) if can(request, "petcare.job.manage") else [],
        "item": live_item_of(tenant, job.pk) if admin else None,
        "history": job.booking.history.all() if admin else [],
        "can": {
            # The flow's own steps: asked of the engine (permissions and guards live in flows.py, once).
            **{name: name in steps for name in ("approve", "decline", "complete", "cancel")},
            "assign": status in ("PENDING", "BOOKED") and can(request, "petcare.job.manage"),
            "price": status in ("PENDING", "BOOKED", "COMPLETED") and can(request, "petcare.job.price"),
            "reschedule": status in ("PENDING", "BOOKED") and can(request, "petcare.job.manage"),
            "respond": status in ("PENDING", "BOOKED") and is_walker,
        },
        "label": selectors.CLIENT_LABELS.get(status, status),
    }

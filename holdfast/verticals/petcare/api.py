"""Petcare API (/api/v1/petcare): thin; every rule lives in services, every read in selectors.

Clients (portal users) request jobs, cancel their PENDING ones and see their own jobs, dogs and
invoices; staff see and work the jobs assigned to them; admins everything (seed 003 §2, §8). A job
the caller may not see answers 404 before any step, so a 409 never reveals someone else's job.
"""
from __future__ import annotations

import datetime as dt

from ninja import Router, Status

from holdfast.core.accounts.selectors import has_perm, require_perm
from holdfast.core.tenancy.selectors import get_owned
from holdfast.kit.api import ProblemSchema, paginate
from holdfast.kit.errors import PermissionDenied

from . import selectors, services
from .schemas import (
    PetcareApproveIn, PetcareAssignIn, PetcareAvailabilityIn, PetcareClientIn, PetcareClientOut, PetcareClientPatch, PetcareDashboardOut, PetcareDeactivateIn,
    PetcareDecisionIn, PetcareDogIn, PetcareDogOut, PetcareDogPatch, PetcareFeedbackIn, PetcareFeedbackOut, PetcareGenerateIn, PetcareInvoiceItemOut, PetcareInvoiceOut,
    PetcareJobIn, PetcareJobOut, PetcareJobPage, PetcareJobPatch, PetcareJobRequestIn, PetcareMarkPaidIn, PetcarePriceIn, PetcareReactivateIn, PetcareReasonIn,
    PetcareRescheduleIn, PetcareRespondIn, PetcareSeriesIn, PetcareSeriesOut, PetcareServiceIn, PetcareServiceOut, PetcareServicePatch, PetcareTimeOffDecisionOut,
    PetcareTimeOffIn, PetcareTimeOffOut, PetcareWalkerIn, PetcareWalkerOut, PetcareWalkerPatch,
)

router = Router(tags=["petcare"])
ERRORS = {400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema, 422: ProblemSchema, 503: ProblemSchema}


def _view(request) -> None:
    if not any(has_perm(request.actor, request.tenant, p) for p in ("petcare.view", "petcare.view_own", "petcare.portal")):
        raise PermissionDenied("You need the 'petcare.view' permission for this.", code="permission_denied", extra={"permission": "petcare.view"})


def _job(request, job_id: int):
    return selectors.get_job(request.tenant, request.actor, job_id)


# ---------------------------------------------------------------- services

@router.get("/services", response={200: list[PetcareServiceOut], **ERRORS})
def list_services(request, active: bool | None = None):
    _view(request)
    staff = has_perm(request.actor, request.tenant, "petcare.view")
    return list(selectors.services(request.tenant, active=active if staff else True))


@router.post("/services", response={201: PetcareServiceOut, **ERRORS})
def create_service(request, payload: PetcareServiceIn):
    return Status(201, services.create_service(tenant=request.tenant, actor=request.actor, **payload.dict()))


@router.patch("/services/{service_id}", response={200: PetcareServiceOut, **ERRORS})
def update_service(request, service_id: int, payload: PetcareServicePatch):
    return services.update_service(tenant=request.tenant, actor=request.actor, service_id=service_id, **payload.dict(exclude_unset=True))


# ---------------------------------------------------------------- staff (walkers), availability, time off

@router.get("/staff", response={200: list[PetcareWalkerOut], **ERRORS})
def list_staff(request):
    require_perm(request.actor, request.tenant, "petcare.view")
    return list(selectors.walkers(request.tenant))


@router.post("/staff", response={201: PetcareWalkerOut, **ERRORS})
def create_staff(request, payload: PetcareWalkerIn):
    walker = services.create_walker(tenant=request.tenant, actor=request.actor, **payload.dict())
    return Status(201, selectors.walkers(request.tenant).get(pk=walker.pk))


@router.get("/staff/{walker_id}", response={200: PetcareWalkerOut, **ERRORS})
def get_staff(request, walker_id: int):
    require_perm(request.actor, request.tenant, "petcare.view")
    return get_owned(selectors.walkers(request.tenant), request.tenant, walker_id, what="walker")


@router.patch("/staff/{walker_id}", response={200: PetcareWalkerOut, **ERRORS})
def update_staff(request, walker_id: int, payload: PetcareWalkerPatch):
    services.update_walker(tenant=request.tenant, actor=request.actor, walker_id=walker_id, **payload.dict(exclude_unset=True))
    return selectors.walkers(request.tenant).get(pk=walker_id)


@router.put("/staff/{walker_id}/availability", response={200: PetcareWalkerOut, **ERRORS})
def set_availability(request, walker_id: int, payload: PetcareAvailabilityIn):
    services.set_availability(tenant=request.tenant, actor=request.actor, walker_id=walker_id, windows=[w.dict() for w in payload.windows])
    return selectors.walkers(request.tenant).get(pk=walker_id)


@router.get("/time-off", response={200: list[PetcareTimeOffOut], **ERRORS})
def list_time_off(request, walker_id: int | None = None, status: str | None = None):
    if not has_perm(request.actor, request.tenant, "petcare.view"):
        own = selectors.walker_for_user(request.tenant, request.actor)
        require_perm(request.actor, request.tenant, "petcare.timeoff.request")
        if own is None:
            return []
        walker_id = own.pk
    return list(selectors.time_off(request.tenant, walker_id=walker_id, status=status))


@router.post("/time-off", response={201: PetcareTimeOffOut, **ERRORS})
def request_time_off(request, payload: PetcareTimeOffIn):
    return Status(201, services.request_time_off(tenant=request.tenant, actor=request.actor, **payload.dict()))


@router.post("/time-off/{time_off_id}/decide", response={200: PetcareTimeOffDecisionOut, **ERRORS})
def decide_time_off(request, time_off_id: int, payload: PetcareDecisionIn):
    off, clashes = services.decide_time_off(tenant=request.tenant, actor=request.actor, time_off_id=time_off_id, **payload.dict())
    return {"time_off": off, "jobs_to_reassign": [j.pk for j in clashes]}


# ---------------------------------------------------------------- clients and dogs

@router.get("/clients", response={200: list[PetcareClientOut], **ERRORS})
def list_clients(request, active: bool | None = None, search: str | None = None):
    require_perm(request.actor, request.tenant, "petcare.view")
    return list(selectors.clients(request.tenant, active=active, search=search)[:500])


@router.post("/clients", response={201: PetcareClientOut, **ERRORS})
def create_client(request, payload: PetcareClientIn):
    customer = services.create_client(tenant=request.tenant, actor=request.actor, **payload.dict())
    return Status(201, selectors.clients(request.tenant).get(pk=customer.pk))


@router.get("/clients/{customer_id}", response={200: PetcareClientOut, **ERRORS})
def get_client(request, customer_id: int):
    require_perm(request.actor, request.tenant, "petcare.view")
    return get_owned(selectors.clients(request.tenant), request.tenant, customer_id, what="client")


@router.patch("/clients/{customer_id}", response={200: PetcareClientOut, **ERRORS})
def update_client(request, customer_id: int, payload: PetcareClientPatch):
    services.update_client(tenant=request.tenant, actor=request.actor, customer_id=customer_id, **payload.dict(exclude_unset=True))
    return selectors.clients(request.tenant).get(pk=customer_id)


@router.post("/clients/{customer_id}/deactivate", response={200: PetcareClientOut, **ERRORS})
def deactivate_client(request, customer_id: int, payload: PetcareDeactivateIn):
    services.deactivate_client(tenant=request.tenant, actor=request.actor, customer_id=customer_id, **payload.dict())
    return selectors.clients(request.tenant).get(pk=customer_id)


@router.post("/clients/{customer_id}/reactivate", response={200: PetcareClientOut, **ERRORS})
def reactivate_client(request, customer_id: int, payload: PetcareReactivateIn):
    services.reactivate_client(tenant=request.tenant, actor=request.actor, customer_id=customer_id, **payload.dict())
    return selectors.clients(request.tenant).get(pk=customer_id)


@router.get("/clients/{customer_id}/dogs", response={200: list[PetcareDogOut], **ERRORS})
def list_dogs(request, customer_id: int):
    customer = get_owned(selectors.clients(request.tenant), request.tenant, customer_id, what="client")
    if customer.user_id != request.actor.pk:
        require_perm(request.actor, request.tenant, "petcare.view")
    return list(selectors.dogs(request.tenant, customer_id=customer.pk))


@router.post("/clients/{customer_id}/dogs", response={201: PetcareDogOut, **ERRORS})
def add_dog(request, customer_id: int, payload: PetcareDogIn):
    return Status(201, services.add_dog(tenant=request.tenant, actor=request.actor, customer_id=customer_id, **payload.dict()))


@router.patch("/dogs/{dog_id}", response={200: PetcareDogOut, **ERRORS})
def update_dog(request, dog_id: int, payload: PetcareDogPatch):
    return services.update_dog(tenant=request.tenant, actor=request.actor, dog_id=dog_id, **payload.dict(exclude_unset=True))


# ---------------------------------------------------------------- jobs

@router.get("/jobs", response={200: PetcareJobPage, **ERRORS})
def list_jobs(request, status: str | None = None, staff_id: int | None = None, customer_id: int | None = None, service_id: int | None = None,
              since: dt.datetime | None = None, until: dt.datetime | None = None, unassigned: bool | None = None, figure: str | None = None,
              page: int = 1, page_size: int = 50):
    _view(request)
    qs = selectors.jobs_for(request.tenant, request.actor)
    if figure:
        require_perm(request.actor, request.tenant, "petcare.view")
        qs = selectors.figure_rows(request.tenant, figure)
    qs = selectors.filter_jobs(qs, tenant=request.tenant, status=status, walker_id=staff_id, customer_id=customer_id, service_id=service_id, since=since, until=until, unassigned=unassigned)
    return paginate(qs, page, page_size)


@router.post("/jobs", response={201: PetcareJobOut, **ERRORS})
def create_job(request, payload: PetcareJobIn):
    data = payload.dict()
    job = services.create_job(tenant=request.tenant, actor=request.actor, customer_id=data["customer_id"], service_id=data["service_id"], starts_at=data["start"],
                              ends_at=data["end"], walker_id=data["staff_id"], dog_ids=data["dog_ids"], price_minor=data["price_minor"], notes=data["notes"],
                              status=data["status"], override=data["override"], walk_route=data["walk_route"])
    return Status(201, _job(request, job.pk))


@router.post("/jobs/request", response={201: PetcareJobOut, **ERRORS})
def request_job(request, payload: PetcareJobRequestIn):
    data = payload.dict()
    job = services.request_job(tenant=request.tenant, actor=request.actor, service_id=data["service_id"], starts_at=data["start"], dog_ids=data["dog_ids"],
                               notes=data["notes"], customer_id=data["customer_id"])
    return Status(201, _job(request, job.pk))


@router.get("/jobs/{job_id}", response={200: PetcareJobOut, **ERRORS})
def get_job(request, job_id: int):
    _view(request)
    return _job(request, job_id)


@router.patch("/jobs/{job_id}", response={200: PetcareJobOut, **ERRORS})
def update_job(request, job_id: int, payload: PetcareJobPatch):
    _job(request, job_id)
    services.update_job(tenant=request.tenant, actor=request.actor, job_id=job_id, **payload.dict(exclude_unset=True))
    return _job(request, job_id)


@router.post("/jobs/{job_id}/approve", response={200: PetcareJobOut, **ERRORS})
def approve_job(request, job_id: int, payload: PetcareApproveIn):
    _job(request, job_id)
    services.approve_job(tenant=request.tenant, actor=request.actor, job_id=job_id, walker_id=payload.staff_id, override=payload.override, version=payload.version)
    return _job(request, job_id)


@router.post("/jobs/{job_id}/decline", response={200: PetcareJobOut, **ERRORS})
def decline_job(request, job_id: int, payload: PetcareReasonIn):
    _job(request, job_id)
    services.decline_job(tenant=request.tenant, actor=request.actor, job_id=job_id, reason=payload.reason, version=payload.version)
    return _job(request, job_id)


@router.post("/jobs/{job_id}/assign", response={200: PetcareJobOut, **ERRORS})
def assign_job(request, job_id: int, payload: PetcareAssignIn):
    _job(request, job_id)
    services.assign_walker(tenant=request.tenant, actor=request.actor, job_id=job_id, walker_id=payload.staff_id, override=payload.override, version=payload.version)
    return _job(request, job_id)


@router.post("/jobs/{job_id}/respond", response={200: PetcareJobOut, **ERRORS})
def respond_to_job(request, job_id: int, payload: PetcareRespondIn):
    _job(request, job_id)
    services.respond_to_assignment(tenant=request.tenant, actor=request.actor, job_id=job_id, accept=payload.accept, reason=payload.reason, version=payload.version)
    return _job(request, job_id)


@router.post("/jobs/{job_id}/reschedule", response={200: PetcareJobOut, **ERRORS})
def reschedule_job(request, job_id: int, payload: PetcareRescheduleIn):
    _job(request, job_id)
    services.reschedule_job(tenant=request.tenant, actor=request.actor, job_id=job_id, starts_at=payload.start, ends_at=payload.end, override=payload.override, version=payload.version)
    return _job(request, job_id)


@router.post("/jobs/{job_id}/complete", response={200: PetcareJobOut, **ERRORS})
def complete_job(request, job_id: int):
    _job(request, job_id)
    services.complete_job(tenant=request.tenant, actor=request.actor, job_id=job_id)
    return _job(request, job_id)


@router.post("/jobs/{job_id}/cancel", response={200: PetcareJobOut, **ERRORS})
def cancel_job(request, job_id: int, payload: PetcareReasonIn):
    _job(request, job_id)
    services.cancel_job(tenant=request.tenant, actor=request.actor, job_id=job_id, reason=payload.reason, version=payload.version)
    return _job(request, job_id)


@router.post("/jobs/{job_id}/price", response={200: PetcareJobOut, **ERRORS})
def change_price(request, job_id: int, payload: PetcarePriceIn):
    _job(request, job_id)
    services.change_job_price(tenant=request.tenant, actor=request.actor, job_id=job_id, **payload.dict())
    return _job(request, job_id)


@router.post("/recurring", response={201: PetcareSeriesOut, **ERRORS})
def book_series(request, payload: PetcareSeriesIn):
    data = payload.dict()
    data["walker_id"] = data.pop("staff_id")
    series, results = services.book_recurring_series(tenant=request.tenant, actor=request.actor, **data)
    booked = sum(1 for r in results if r["status"] == "booked")
    return Status(201, {"series_id": series.pk, "booked": booked, "refused": len(results) - booked, "occurrences": results})


# ---------------------------------------------------------------- invoice items and invoices (§5)

@router.get("/invoice-items", response={200: list[PetcareInvoiceItemOut], **ERRORS})
def list_invoice_items(request, customer_id: int | None = None, status: str | None = None):
    require_perm(request.actor, request.tenant, "petcare.invoice.manage")
    return list(selectors.invoice_items(request.tenant, customer_id=customer_id, status=status)[:1000])


@router.post("/invoices/generate", response={201: PetcareInvoiceOut, **ERRORS})
def generate_invoice(request, payload: PetcareGenerateIn):
    return Status(201, services.generate_invoice(tenant=request.tenant, actor=request.actor, **payload.dict()))


@router.get("/invoices", response={200: list[PetcareInvoiceOut], **ERRORS})
def list_invoices(request, customer_id: int | None = None, status: str | None = None, overdue: bool | None = None):
    if not has_perm(request.actor, request.tenant, "petcare.invoice.manage"):
        require_perm(request.actor, request.tenant, "petcare.portal")
        portal = selectors.client_portal(request.tenant, request.actor)
        return portal["invoices"]
    return list(selectors.invoices(request.tenant, customer_id=customer_id, status=status, overdue=overdue)[:500])


@router.post("/invoices/{invoice_id}/send", response={200: PetcareInvoiceOut, **ERRORS})
def send_invoice(request, invoice_id: int):
    return services.send_invoice(tenant=request.tenant, actor=request.actor, invoice_id=invoice_id)


@router.post("/invoices/{invoice_id}/mark-paid", response={200: PetcareInvoiceOut, **ERRORS})
def mark_paid(request, invoice_id: int, payload: PetcareMarkPaidIn):
    return services.mark_paid(tenant=request.tenant, actor=request.actor, invoice_id=invoice_id, **payload.dict())


# ---------------------------------------------------------------- dashboards and feedback

@router.get("/dashboard", response={200: PetcareDashboardOut, **ERRORS})
def dashboard(request, days: int = 30):
    require_perm(request.actor, request.tenant, "petcare.view")
    return selectors.admin_dashboard(request.tenant, days=days)


@router.post("/feedback", response={201: PetcareFeedbackOut, **ERRORS})
def submit_feedback(request, payload: PetcareFeedbackIn):
    return Status(201, services.submit_feedback(tenant=request.tenant, actor=request.actor, **payload.dict()))

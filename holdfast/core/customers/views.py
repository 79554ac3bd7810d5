"""Customer screens: list/search, detail with history, create, edit (optimistic version), verify,
deactivate, reactivate. Every rule is in services; these only translate between forms and them."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from holdfast.core.accounts.forms import apply_domain_error
from holdfast.core.accounts.views import can, page_of, querystring_without_page, require
from holdfast.core.audit.selectors import audit_entries
from holdfast.kit.errors import DomainError

from . import selectors, services
from .forms import CustomerForm, DeactivateForm

STATUS_FILTERS = {"active": True, "inactive": False}

STALE_MESSAGE = ("Someone else changed this customer while you were editing, so nothing was saved. "
                 "Reload the page to see their version, then make your change again.")


@login_required
def customer_list(request):
    tenant = require(request, "customers.view")
    search = request.GET.get("q", "").strip()
    status = request.GET.get("status", "active")
    qs = selectors.customers(tenant, search=search or None, active=STATUS_FILTERS.get(status))
    context = {"page": page_of(request, qs), "q": search, "status": status, "qs": querystring_without_page(request), "can_manage": can(request, "customers.manage")}
    template = "customers/list.html#results" if getattr(request, "htmx", False) and request.htmx.target == "customer-results" else "customers/list.html"
    return render(request, template, context)


@login_required
def customer_detail(request, customer_id: int):
    tenant = require(request, "customers.view")
    customer = selectors.get_customer(tenant, customer_id)
    history = list(audit_entries(tenant, entity_type="customers.customer", entity_id=customer.pk)[:50]) if can(request, "audit.view") else None
    return render(request, "customers/detail.html", {
        "customer": customer, "history": history, "can_manage": can(request, "customers.manage"), "deactivate_form": DeactivateForm(),
    })


@login_required
def customer_create(request):
    tenant = require(request, "customers.manage")
    form = CustomerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            customer = services.create_customer(tenant=tenant, actor=request.user, **form.service_data())
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, f"Customer {customer.name} created.")
            return redirect("customers:detail", customer_id=customer.pk)
    return render(request, "customers/form.html", {"form": form, "customer": None}, status=422 if form.errors else 200)


@login_required
def customer_edit(request, customer_id: int):
    tenant = require(request, "customers.manage")
    customer = selectors.get_customer(tenant, customer_id)
    form = CustomerForm(request.POST or None, initial=CustomerForm.initial_for(customer))
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            customer = services.update_customer(tenant=tenant, actor=request.user, customer_id=customer.pk, version=form.cleaned_data["version"] or 0, **form.service_data())
        except DomainError as exc:
            if exc.code == "stale_version":
                form.add_error(None, STALE_MESSAGE)
                status = 409
            else:
                apply_domain_error(form, exc)
        else:
            messages.success(request, f"Customer {customer.name} saved.")
            return redirect("customers:detail", customer_id=customer.pk)
    if form.errors and status == 200:
        status = 422
    return render(request, "customers/form.html", {"form": form, "customer": customer}, status=status)


@login_required
@require_POST
def customer_verify(request, customer_id: int):
    tenant = require(request, "customers.manage")
    customer = services.verify_customer(tenant=tenant, actor=request.user, customer_id=customer_id)
    messages.success(request, f"{customer.name} is verified.")
    return redirect("customers:detail", customer_id=customer.pk)


@login_required
def customer_deactivate(request, customer_id: int):
    tenant = require(request, "customers.manage")
    customer = selectors.get_customer(tenant, customer_id)
    form = DeactivateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            customer = services.deactivate_customer(tenant=tenant, actor=request.user, customer_id=customer.pk, reason=form.cleaned_data["reason"], override=form.cleaned_data["override"])
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, f"{customer.name} is deactivated.")
            return redirect("customers:detail", customer_id=customer.pk)
    return render(request, "customers/deactivate.html", {"form": form, "customer": customer}, status=422 if form.errors else 200)


@login_required
@require_POST
def customer_reactivate(request, customer_id: int):
    tenant = require(request, "customers.manage")
    customer = services.reactivate_customer(tenant=tenant, actor=request.user, customer_id=customer_id)
    messages.success(request, f"{customer.name} is active again.")
    return redirect("customers:detail", customer_id=customer.pk)

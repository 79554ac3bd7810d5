"""Team, roles, API tokens and business settings screens, plus the small helpers every web view uses.

Views are thin: they check the same permission as the API, call the services and show refusals.
Domain errors that escape (PermissionDenied, NotFound) become 403/404 pages in the web middleware.
"""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from holdfast.core.tenancy.selectors import get_owned
from holdfast.kit.errors import DomainError, PermissionDenied, ValidationFailed

from . import selectors, services
from .forms import MemberAddForm, MemberRoleForm, RoleForm, TenantSettingsForm, TokenForm, apply_domain_error
from .models import Membership, Role
from .permissions import expand

# ---- helpers shared by the core web views ---------------------------------------------------


def current_tenant(request):
    """The tenant chosen for this browser session (unwrapped from the middleware's lazy object)."""
    tenant = getattr(request, "tenant", None)
    if not tenant:
        return None
    return getattr(tenant, "_wrapped", tenant)


def require(request, perm: str):
    """The current tenant, once the user holds `perm` in it; otherwise a readable 403."""
    tenant = current_tenant(request)
    if tenant is None:
        raise PermissionDenied("You are not working in a business yet: ask an admin to add you, or choose one in the switcher.", code="tenant_required")
    selectors.require_perm(request.user, tenant, perm)
    return tenant


def can(request, perm: str) -> bool:
    return selectors.has_perm(request.user, current_tenant(request), perm)


def page_of(request, queryset, per_page: int = 25):
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def querystring_without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


# What a screen says when its form carried a version the record has moved past: the redirect after
# it shows the current state, so the person is told to look again, not to "reload and retry".
STALE_SCREEN_MESSAGE = "Someone else changed this reservation after your page was loaded — it now shows the current state; check it and try again."


def show_refusal(request, exc: DomainError, *, stale_message: str | None = None) -> None:
    messages.error(request, stale_message if stale_message and exc.code == "stale_version" else exc.detail)


def posted_version(request) -> dict:
    """The record version the page was rendered at (hidden `version` field), as service kwargs: a
    step from an out-of-date page is then refused (stale_version). No field, no check."""
    value = request.POST.get("version", "")
    return {"version": int(value)} if value.isdigit() else {}


# ---- team ------------------------------------------------------------------------------------


@login_required
def members(request):
    tenant = require(request, "members.view")
    roles = list(selectors.roles(tenant))
    rows = [{"membership": m, "form": MemberRoleForm(roles=roles, initial={"role": m.role.key}, prefix=f"m{m.pk}")} for m in selectors.members(tenant)]
    return render(request, "accounts/members.html", {"rows": rows, "can_manage": can(request, "members.manage"), "roles": roles})


@login_required
def member_add(request):
    tenant = require(request, "members.manage")
    roles = list(selectors.roles(tenant))
    form = MemberAddForm(request.POST or None, roles=roles, initial={"role": "staff"})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            membership = services.add_member(tenant=tenant, actor=request.user, email=data["email"], role_key=data["role"], full_name=data["full_name"], password=data["password"] or None)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, f"{membership.user.email} is now {membership.role.name} in {tenant.name}.")
            return redirect("accounts:members")
    return render(request, "accounts/member_form.html", {"form": form}, status=422 if form.errors else 200)


@login_required
@require_POST
def member_role(request, membership_id: int):
    tenant = require(request, "members.manage")
    membership = get_owned(Membership, tenant, membership_id, what="member")
    form = MemberRoleForm(request.POST, roles=list(selectors.roles(tenant)), prefix=f"m{membership.pk}")
    if not form.is_valid():
        messages.error(request, "Choose one of the roles of this business.")
        return redirect("accounts:members")
    try:
        membership = services.change_member_role(tenant=tenant, actor=request.user, membership_id=membership.pk, role_key=form.cleaned_data["role"])
    except DomainError as exc:
        show_refusal(request, exc)
    else:
        messages.success(request, f"{membership.user.email} is now {membership.role.name}.")
    return redirect("accounts:members")


@login_required
@require_POST
def member_deactivate(request, membership_id: int):
    tenant = require(request, "members.manage")
    try:
        membership = services.deactivate_member(tenant=tenant, actor=request.user, membership_id=membership_id)
    except DomainError as exc:
        if exc.status == 404:
            raise
        show_refusal(request, exc)
    else:
        messages.success(request, f"{membership.user.email} can no longer work in {tenant.name}.")
    return redirect("accounts:members")


# ---- roles -----------------------------------------------------------------------------------


@login_required
def roles(request):
    tenant = require(request, "members.view")
    rows = [{"role": r, "codes": expand(r.permissions)} for r in selectors.roles(tenant).order_by("-is_builtin", "name")]
    return render(request, "accounts/roles.html", {"rows": rows, "can_manage": can(request, "roles.manage")})


@login_required
def role_create(request):
    tenant = require(request, "roles.manage")
    form = RoleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            role = services.create_role(tenant=tenant, actor=request.user, name=form.cleaned_data["name"], permissions=form.cleaned_data["permissions"])
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, f"Role {role.name} created.")
            return redirect("accounts:roles")
    return render(request, "accounts/role_form.html", {"form": form, "role": None}, status=422 if form.errors else 200)


@login_required
def role_edit(request, role_id: int):
    tenant = require(request, "roles.manage")
    role = get_owned(Role, tenant, role_id, what="role")
    if role.is_builtin:
        messages.error(request, "Built-in roles are defined by holdfast; create a custom role instead.")
        return redirect("accounts:roles")
    form = RoleForm(request.POST or None, initial={"name": role.name, "permissions": expand(role.permissions), "version": role.version})
    if request.method == "POST" and form.is_valid():
        try:
            role = services.update_role(tenant=tenant, actor=request.user, role_id=role.pk, version=form.cleaned_data["version"] or 0,
                                        name=form.cleaned_data["name"], permissions=form.cleaned_data["permissions"])
        except DomainError as exc:
            if exc.code == "stale_version":
                form.add_error(None, "Someone else changed this role while you were editing. Reload the page to see their version, then apply your change again.")
            else:
                apply_domain_error(form, exc)
        else:
            messages.success(request, f"Role {role.name} saved.")
            return redirect("accounts:roles")
    return render(request, "accounts/role_form.html", {"form": form, "role": role}, status=422 if form.errors else 200)


# ---- API tokens ------------------------------------------------------------------------------


@login_required
def tokens(request):
    tenant = require(request, "tokens.manage")
    form = TokenForm(request.POST or None)
    raw_token = None
    if request.method == "POST" and form.is_valid():
        try:
            token, raw_token = services.issue_api_token(tenant=tenant, actor=request.user, name=form.cleaned_data["name"], expires_in_days=form.cleaned_data["expires_in_days"])
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            form = TokenForm()
    context = {"form": form, "raw_token": raw_token, "tokens": selectors.api_tokens(tenant)}
    response = render(request, "accounts/tokens.html", context, status=422 if form.errors else 200)
    if raw_token:
        response["Cache-Control"] = "no-store"  # the secret is shown once and must not be cached
    return response


@login_required
@require_POST
def token_revoke(request, token_id: int):
    tenant = require(request, "tokens.manage")
    token = services.revoke_api_token(tenant=tenant, actor=request.user, token_id=token_id)
    messages.success(request, f"Token {token.name} ({token.prefix}) revoked: it stops working now.")
    return redirect("accounts:tokens")


# ---- business settings -----------------------------------------------------------------------


@login_required
def tenant_settings(request):
    tenant = require(request, "tenant.view")
    editable = can(request, "tenant.manage")
    if request.method == "POST" and not editable:
        selectors.require_perm(request.user, tenant, "tenant.manage")
    form = TenantSettingsForm(request.POST or None, initial=TenantSettingsForm.initial_for(tenant))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_tenant(tenant=tenant, actor=request.user, version=form.cleaned_data["version"], **form.changes())
        except ValidationFailed as exc:
            apply_domain_error(form, exc)
        except DomainError as exc:
            if exc.code == "stale_version":
                form.add_error(None, "Someone else saved these settings while you were editing. Reload the page to see their changes, then apply yours again.")
            else:
                form.add_error(None, exc.detail)
        else:
            messages.success(request, "Settings saved.")
            return redirect("accounts:settings")
    if not editable:
        for field in form.fields.values():
            field.disabled = True
    return render(request, "accounts/settings.html", {"form": form, "editable": editable, "tenant": tenant}, status=422 if form.errors else 200)




"""Shell views: login/logout, tenant switcher, home. Thin: rules live in services/selectors."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from holdfast.core.accounts import selectors as account_selectors
from holdfast.core.accounts import services as account_services
from holdfast.core.accounts.api_auth import SESSION_TENANT_KEY
from holdfast.core.tenancy.models import Tenant
from holdfast.kit.errors import DomainError

from .forms import LoginForm


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR")


def login_view(request):
    if request.user.is_authenticated:
        return redirect("web:home")
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"].lower()
        ip = client_ip(request)
        try:
            account_services.check_login_allowed(email, ip)
        except DomainError as exc:
            form.add_error(None, exc.detail)
        else:
            user = authenticate(request, username=email, password=form.cleaned_data["password"])
            account_services.record_login(email=email, ip=ip, succeeded=user is not None, user=user)
            if user is None:
                form.add_error(None, "That email and password do not match an account.")
            else:
                login(request, user)
                return redirect(request.GET.get("next") or "web:home")
    return render(request, "web/login.html", {"form": form}, status=200 if not form.errors else 400)


@require_POST
def logout_view(request):
    logout(request)
    return redirect("web:login")


@login_required
@require_POST
def switch_tenant(request):
    tenant = Tenant.objects.active().filter(slug=request.POST.get("tenant", "")).first()
    if tenant is None or not account_selectors.can_enter_tenant(request.user, tenant):
        messages.error(request, "You are not a member of that business.")
    else:
        request.session[SESSION_TENANT_KEY] = tenant.pk
        messages.success(request, f"Now working in {tenant.name}.")
    return redirect("web:home")


@login_required
def home(request):
    return render(request, "web/home.html", {})

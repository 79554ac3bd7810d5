"""Demo data: one business per vertical, a person in every role, customers, and the platform admin.

Idempotent: running it again refreshes nothing that exists and prints the same logins. Verticals add
their own data through an optional `holdfast.verticals.<name>.demo.seed(tenant, users)` function.
"""
from __future__ import annotations

import importlib
import random

from django.db import transaction

from holdfast.core.accounts.models import Membership, Role, User
from holdfast.core.accounts.services import ensure_builtin_roles, ensure_platform_roles, provision_tenant
from holdfast.core.customers.models import Customer
from holdfast.core.customers.services import create_customer
from holdfast.core.tenancy.models import Tenant

DEMO_PASSWORD = "holdfast-demo"
PLATFORM_ADMIN_EMAIL = "root@holdfast.demo"

# slug, name, vertical, currency, time zone, country, region, roles used by that business
BUSINESSES = [
    ("harbour-estates", "Harbour Estates", "estate", "USD", "America/New_York", "US", "NY", ["admin", "manager", "agent", "customer"]),
    ("skyline-apartments", "Skyline Apartments", "apartments", "EUR", "Europe/Berlin", "DE", "BE", ["admin", "sales", "customer"]),
    ("palletpoint", "PalletPoint Storage", "storage", "MYR", "Asia/Kuala_Lumpur", "MY", "Selangor", ["admin", "manager", "staff", "customer"]),
    ("pawtimation", "Pawtimation Dog Walking", "petcare", "GBP", "Europe/London", "GB", "", ["admin", "staff", "customer"]),
    ("seaside-hotel", "Seaside Hotel", "hotel", "EUR", "Europe/Lisbon", "PT", "Lisboa", ["admin", "manager", "staff"]),
]

FIRST = ["Ada", "Grace", "Alan", "Linus", "Edsger", "Barbara", "Ken", "Margaret", "Donald", "Radia", "Tim", "Frances"]
LAST = ["Lovelace", "Hopper", "Turing", "Torvalds", "Dijkstra", "Liskov", "Thompson", "Hamilton", "Knuth", "Perlman", "Berners-Lee", "Allen"]


def _user(email: str, full_name: str) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=DEMO_PASSWORD, full_name=full_name)
    return user


def _demo_steps(verticals=None):
    yield "platform admin", _seed_platform_admin
    for spec in BUSINESSES:
        if verticals is None or spec[2] in verticals:
            yield f"{spec[1]}", lambda spec=spec: _seed_business(*spec)


def _seed_platform_admin() -> list[tuple[str, str, str]]:
    user = _user(PLATFORM_ADMIN_EMAIL, "Platform Admin")
    user.is_staff = user.is_superuser = True  # opens Django's back office; holdfast rights come from the membership
    user.save(update_fields=["is_staff", "is_superuser"])
    Membership.objects.update_or_create(user=user, tenant=None, defaults={"role": ensure_platform_roles(), "is_active": True})
    return [("platform", "Super Admin", PLATFORM_ADMIN_EMAIL)]


def _seed_business(slug, name, vertical, currency, tz, country, region, role_keys) -> list[tuple[str, str, str]]:
    tenant = Tenant.objects.filter(slug=slug).first()
    if tenant is None:
        tenant = provision_tenant(name=name, slug=slug, currency=currency, time_zone=tz, country=country, region=region, enabled_verticals=[vertical])
    roles = ensure_builtin_roles(tenant)
    logins = []
    users = {}
    for key in role_keys:
        email = f"{key}@{slug}.demo"
        user = _user(email, f"{Role.objects.get(tenant=tenant, key=key).name} of {name}")
        Membership.objects.get_or_create(user=user, tenant=tenant, defaults={"role": roles[key]})
        if key == "admin" and not user.is_staff:
            user.is_staff = True  # the back office shows an Admin only their own business (web/admin_scoping)
            user.save(update_fields=["is_staff"])
        users[key] = user
        logins.append((name, roles[key].name, email))
    admin = users["admin"]
    rng = random.Random(slug)
    if not Customer.objects.for_tenant(tenant).exists():
        for i in range(12):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            create_customer(
                tenant=tenant, actor=admin, name=f"{first} {last}", email=f"{first.lower()}.{last.lower()}{i}@example.com",
                phone=f"+1 555 {rng.randint(1000000, 9999999)}", is_verified=i % 3 != 0,
                address={"line1": f"{rng.randint(1, 200)} Harbour Street", "city": "Springfield", "country": country},
            )
        if "customer" in users:
            portal = Customer.objects.for_tenant(tenant).order_by("id").first()
            portal.user = users["customer"]
            portal.email = users["customer"].email
            portal.save(update_fields=["user", "email"])
    try:
        module = importlib.import_module(f"holdfast.verticals.{vertical}.demo")
    except ModuleNotFoundError as exc:
        if exc.name != f"holdfast.verticals.{vertical}.demo":
            raise
    else:
        module.seed(tenant, users)
    return logins


def load_demo(progress=None, verticals=None) -> list[tuple[str, str, str]]:
    """Create everything; returns (business, role, email) logins. `progress` wraps an iterable (tqdm).
    `verticals` (names) limits it to those businesses and the platform admin (tests that need only one)."""
    steps = list(_demo_steps(verticals))
    iterator = progress(steps) if progress else steps
    logins = []
    for label, step in iterator:
        if hasattr(iterator, "set_description"):
            iterator.set_description(f"demo: {label}")
        with transaction.atomic():
            logins.extend(step())
    return logins

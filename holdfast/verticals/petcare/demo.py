"""Demo data for a dog-walking business: four services, four walkers with weekly availability, twenty
clients with dogs, and three months of history (so every chart has data) plus two weeks ahead.

History is produced by the real services with the business clock moved back: jobs booked, completed
(creating their invoice items) or cancelled; each month's items batched into invoices that were sent
and paid (older months) or left pending (some now overdue); the last weeks' items wait to be
invoiced (at least the last week's, whatever the date); a few client requests are still PENDING. Idempotent: a tenant with services is left alone.
"""
from __future__ import annotations

import datetime as dt
import random
from unittest import mock

from django.contrib.auth import get_user_model

from holdfast.core.accounts.models import Membership, Role
from holdfast.core.billing import services as billing
from holdfast.core.customers.models import Customer
from holdfast.kit import clock
from holdfast.kit.errors import DomainError

from . import services
from .models import COMPLETED, ITEM_SOURCE, Job, Service

PAST_DAYS, FUTURE_DAYS = 92, 14
UNBILLED_DAYS = 7  # completed jobs of the last week are left for the office to batch
SERVICES = [("Group walk", 1500, 60), ("Solo walk", 2500, 30), ("Puppy visit", 1200, 30), ("Half-day care", 4000, 240)]
WALKERS = [("staff", "Sam Walker"), ("walker.priya", "Priya Patel"), ("walker.tom", "Tom Reid"), ("walker.ines", "Inês Costa")]
DOGS = [("Rex", "Beagle"), ("Bella", "Labrador"), ("Milo", "Cockapoo"), ("Luna", "Border Collie"), ("Biscuit", "Dachshund"), ("Poppy", "Spaniel"),
        ("Bruno", "Boxer"), ("Daisy", "Whippet"), ("Teddy", "Shih Tzu"), ("Willow", "Greyhound")]
EXTRA_CLIENTS = ["Harriet Lane", "George Ashby", "Fatima Khan", "Oliver Price", "Ruby Chen", "Arthur Bell", "Isla Moore", "Leo Grant", "Maya Ward", "Jack Turner",
                 "Zara Hughes", "Noah Clarke", "Evie Walsh", "Oscar Reed", "Amelia Shaw", "Theo Hart", "Lily Barnes", "Freddie Cole", "Ava Mills", "Henry Doyle"]
HOURS = [8, 9, 10, 11, 13, 14, 15, 16]


def _at(moment: dt.datetime):
    return mock.patch.object(clock, "now", lambda: moment)


def seed(tenant, users) -> None:
    if Service.objects.for_tenant(tenant).exists():
        return
    with mock.patch("holdfast.core.events.services._email_after_commit", lambda *a, **k: None), mock.patch("holdfast.verticals.petcare.services.invoices._email_invoice", lambda *a, **k: None):
        _seed(tenant, users)


def _seed(tenant, users) -> None:
    admin = users["admin"]
    rng = random.Random(f"{tenant.slug}-petcare")
    tenant.settings = {**(tenant.settings or {}), "brand_name": tenant.name, "staff_may_complete_jobs": True, "staff_may_approve": False, "payment_terms_days": 14}
    tenant.save(update_fields=["settings"])
    catalogue = [services.create_service(tenant=tenant, actor=admin, name=n, price_minor=p, duration_minutes=d, description=f"{d} minutes") for n, p, d in SERVICES]
    walkers = []
    staff_role = Role.objects.get(tenant=tenant, key="staff")
    for n, (key, name) in enumerate(WALKERS):
        user = users.get(key)
        if user is None:
            email = f"{key}@{tenant.slug}.demo"
            user = get_user_model().objects.filter(email=email).first() or get_user_model().objects.create_user(email=email, password="holdfast-demo", full_name=name)
            Membership.objects.get_or_create(user=user, tenant=tenant, defaults={"role": staff_role})
        walker = services.create_walker(tenant=tenant, actor=admin, user_id=user.pk, name=name, phone=f"07700 90{n:04d}", years_experience=2 + n, skills=["first aid"] if n % 2 == 0 else [],
                                        service_ids=[s.pk for s in catalogue] if n else [catalogue[0].pk, catalogue[1].pk, catalogue[2].pk])
        windows = [{"day": d, "start": "08:00", "end": "18:00"} for d in range(5)] + ([{"day": 5, "start": "09:00", "end": "13:00"}] if n == 1 else [])
        services.set_availability(tenant=tenant, actor=admin, walker_id=walker.pk, windows=windows)
        walkers.append(walker)
    existing = list(Customer.objects.for_tenant(tenant).order_by("id"))
    for name in [n for n in EXTRA_CLIENTS if n not in {c.name for c in existing}][: max(0, 20 - len(existing))]:
        first, last = name.split()
        existing.append(services.create_client(tenant=tenant, actor=admin, name=name, email=f"{first.lower()}.{last.lower()}@example.com", phone=f"07700 9{rng.randint(10000, 99999)}",
                                               address={"line1": f"{rng.randint(1, 90)} Elm Road", "city": "London"}))
    clients = []
    for i, customer in enumerate(existing[:20]):
        services.update_client(tenant=tenant, actor=admin, customer_id=customer.pk, vet_details="Park Vets, 020 7946 0000" if i % 4 else "", emergency_contact=f"Next of kin {i}, 07700 900{i:03d}")
        dogs = [services.add_dog(tenant=tenant, actor=admin, customer_id=customer.pk, name=DOGS[(i + k) % len(DOGS)][0], breed=DOGS[(i + k) % len(DOGS)][1]) for k in range(1 + i % 2)]
        clients.append((customer, dogs))
    _history(tenant, admin, rng, catalogue, walkers, clients)
    services.submit_feedback(tenant=tenant, actor=admin, category="IDEA", message="Could clients choose their favourite walker when they request a walk?")


def _history(tenant, admin, rng, catalogue, walkers, clients) -> None:
    zone = clock.zone(tenant.time_zone)
    today = clock.local_today(tenant.time_zone)
    real_now = clock.now()
    for offset in range(-PAST_DAYS, FUTURE_DAYS + 1):
        day = today + dt.timedelta(days=offset)
        if day.weekday() >= 5:
            continue
        for hour in rng.sample(HOURS, 3 + rng.randint(0, 2)):
            customer, dogs = rng.choice(clients)
            service = rng.choice(catalogue[:3]) if rng.random() < 0.9 else catalogue[3]
            start = dt.datetime.combine(day, dt.time(hour, rng.choice([0, 30])), tzinfo=zone)
            if service.duration_minutes > 60 and hour > 13:
                continue
            booked_at = min(real_now, start - dt.timedelta(days=rng.randint(1, 10)))
            walker = rng.choice(walkers)
            try:
                with _at(booked_at):
                    if offset >= 0 and rng.random() < 0.2:
                        job = services.request_job(tenant=tenant, actor=None, customer_id=customer.pk, service_id=service.pk, starts_at=start, dog_ids=[d.pk for d in dogs])
                        continue
                    job = services.create_job(tenant=tenant, actor=admin, customer_id=customer.pk, service_id=service.pk, starts_at=start, walker_id=walker.pk,
                                              dog_ids=[d.pk for d in dogs], price_minor=service.price_minor + 500 if rng.random() < 0.05 else None)
            except DomainError:
                continue  # that walker is busy then: the demo simply books fewer walks
            end = start + dt.timedelta(minutes=service.duration_minutes)
            if end < real_now:
                with _at(end + dt.timedelta(minutes=20)):
                    if rng.random() < 0.07:
                        services.cancel_job(tenant=tenant, actor=admin, job_id=job.pk, reason=rng.choice(["client away", "dog unwell", "weather"]))
                    else:
                        services.complete_job(tenant=tenant, actor=walker.user, job_id=job.pk)
    _invoices(tenant, admin, rng, today)


def _invoices(tenant, admin, rng, today) -> None:
    """Each past month's completed jobs are invoiced on the 1st of the next month; most are paid."""
    from holdfast.core.billing.models import InvoiceItem

    month_start = today.replace(day=1)
    zone = clock.zone(tenant.time_zone)
    for months_back in (3, 2, 1):
        first = month_start
        for _ in range(months_back):
            first = (first - dt.timedelta(days=1)).replace(day=1)
        end = (first + dt.timedelta(days=32)).replace(day=1)
        issue_at = dt.datetime.combine(end, dt.time(9), tzinfo=zone)
        # The last week's completed jobs are still being checked: they wait on "Items to invoice" whatever the day of the month.
        items = (InvoiceItem.objects.for_tenant(tenant).filter(source=ITEM_SOURCE, status=InvoiceItem.PENDING, service_date__gte=first, service_date__lt=min(end, today - dt.timedelta(days=UNBILLED_DAYS)))
                 .order_by("customer_id", "pk"))
        by_customer: dict[int, list[int]] = {}
        for item in items:
            by_customer.setdefault(item.customer_id, []).append(item.pk)
        for customer_id, ids in by_customer.items():
            with _at(issue_at):
                invoice = services.generate_invoice(tenant=tenant, actor=admin, customer_id=customer_id, item_ids=ids)
                invoice = services.send_invoice(tenant=tenant, actor=admin, invoice_id=invoice.pk)
            unpaid = months_back == 1 and rng.random() < 0.5 or rng.random() < 0.08
            if not unpaid:
                paid_at = issue_at + dt.timedelta(days=rng.randint(1, 12), hours=rng.randint(0, 8))
                if paid_at < clock.now():
                    with _at(paid_at):
                        billing.mark_invoice_paid(tenant=tenant, actor=admin, invoice_id=invoice.pk, method=rng.choice(["CARD", "CASH", "BANK_TRANSFER"]), paid_at=paid_at)


def job_count(tenant) -> int:
    return Job.objects.for_tenant(tenant).count()


def completed_count(tenant) -> int:
    return Job.objects.for_tenant(tenant).filter(booking__status=COMPLETED).count()

"""Demo data for an estate tenant (called by `holdfast demo` for harbour-estates): two projects with
units in every state, leads in every stage, bookings with payments and reminders, reviews.
Idempotent: does nothing when the tenant already has projects."""
from __future__ import annotations

import datetime as dt

from django.utils import timezone

from holdfast.core.customers.models import Customer

from . import services
from .models import Project


def seed(tenant, users) -> None:
    if Project.objects.for_tenant(tenant).exists():
        return
    admin, manager, agent, portal_user = users["admin"], users["manager"], users["agent"], users.get("customer")
    marina = services.create_project(tenant=tenant, actor=admin, name="Marina Towers", city="Harbour City", down_payment_percent="10",
                                     description="Two towers on the waterfront with sea-view apartments.")
    garden = services.create_project(tenant=tenant, actor=admin, name="Garden Row", city="Old Town", down_payment_percent="20", description="Townhouses around a shared garden.")
    units = []
    for i, (floor, beds, price) in enumerate([(1, 1, 310_000), (2, 2, 420_000), (3, 2, 445_000), (4, 3, 560_000), (5, 3, 590_000), (6, 4, 780_000)]):
        units.append(services.create_unit(tenant=tenant, actor=admin, project_id=marina.pk, code=f"A-{floor}0{i % 2 + 1}", price_minor=price * 100, bedrooms=beds, floor=floor))
    for i in range(4):
        units.append(services.create_unit(tenant=tenant, actor=admin, project_id=garden.pk, code=f"G-{i + 1}", price_minor=(650_000 + i * 25_000) * 100, bedrooms=3 + i % 2))

    customers = list(Customer.objects.for_tenant(tenant).filter(is_verified=True).order_by("id"))
    portal = Customer.objects.for_tenant(tenant).filter(user=portal_user).first() if portal_user else None
    if portal is not None and not portal.is_verified:
        services_verify(tenant, admin, portal)
    buyers = [c for c in customers if c != portal][:4]

    def hold(unit, customer):
        return services.create_hold(tenant=tenant, actor=admin, unit_id=unit.pk, customer_id=customer.pk)

    # Sold: approved, down payment received, completed; an instalment expected with a reminder sent.
    sold = hold(units[0], buyers[0])
    services.approve_hold(tenant=tenant, actor=manager, booking_id=sold.pk)
    services.record_payment(tenant=tenant, actor=manager, booking_id=sold.pk, amount_minor=31_000_00, method="BANK_TRANSFER", reference="DP-1001")
    services.complete_booking(tenant=tenant, actor=manager, booking_id=sold.pk)
    balance = services.expect_payment(tenant=tenant, actor=manager, booking_id=sold.pk, amount_minor=279_000_00, due_date=timezone.localdate() + dt.timedelta(days=30), kind="BALANCE")
    services.create_payment_reminder(tenant=tenant, actor=manager, payment_id=balance.pk, send_at=timezone.now() + dt.timedelta(days=20), message="Your balance is due next month.")

    # Booking confirmed (rule met, not yet completed) with an overdue instalment.
    confirmed = hold(units[1], buyers[1])
    services.approve_hold(tenant=tenant, actor=agent, booking_id=confirmed.pk)
    services.record_payment(tenant=tenant, actor=manager, booking_id=confirmed.pk, amount_minor=42_000_00, method="CARD", reference="DP-1002")
    services.expect_payment(tenant=tenant, actor=manager, booking_id=confirmed.pk, amount_minor=50_000_00, due_date=timezone.localdate() - dt.timedelta(days=5))

    # Payment pending: approved, a token received.
    pending = hold(units[6], buyers[2])
    services.approve_hold(tenant=tenant, actor=manager, booking_id=pending.pk)
    services.record_payment(tenant=tenant, actor=manager, booking_id=pending.pk, amount_minor=5_000_00, kind="TOKEN", method="CASH")

    # Approval in progress: the portal customer's own request, and another.
    if portal is not None:
        services.create_hold(tenant=tenant, actor=portal_user, unit_id=units[2].pk)
    hold(units[7], buyers[3])

    # History: a rejected hold (unit available again).
    rejected = hold(units[3], buyers[1])
    services.reject_hold(tenant=tenant, actor=manager, booking_id=rejected.pk, reason="Financing not confirmed")

    # Leads in every stage, some linked to verified customers.
    for i, (name, stage) in enumerate([("Nina North", "NEW"), ("Omar Ortiz", "CONTACTED"), ("Pia Park", "QUALIFIED"), ("Quinn Quade", "WON"), ("Rosa Reyes", "LOST"), ("Sam Stone", "NEW")]):
        lead = services.create_lead(tenant=tenant, actor=manager, name=name, email=f"{name.split()[0].lower()}@example.com", source=["web", "walk-in", "referral"][i % 3],
                                    project_id=marina.pk if i % 2 == 0 else garden.pk, assigned_agent_id=agent.pk if i % 2 == 0 else manager.pk)
        if stage != "NEW":
            services.move_lead(tenant=tenant, actor=manager, lead_id=lead.pk, stage=stage)
        if stage == "WON":
            services.link_lead_customer(tenant=tenant, actor=manager, lead_id=lead.pk, customer_id=buyers[0].pk)
        services.add_lead_note(tenant=tenant, actor=manager, lead_id=lead.pk, text="Interested in a sea view." if i % 2 == 0 else "Wants a garden.")

    # Reviews: approved, pending and rejected; about projects and the agent.
    if portal_user is not None and portal is not None:
        r1 = services.write_review(tenant=tenant, actor=portal_user, rating=5, project_id=marina.pk, text="Beautiful views and a quick answer from the office.")
        services.moderate_review(tenant=tenant, actor=manager, review_id=r1.pk, approve=True)
        r2 = services.write_review(tenant=tenant, actor=portal_user, rating=4, agent_id=agent.pk, text="Very helpful agent.")
        services.moderate_review(tenant=tenant, actor=manager, review_id=r2.pk, approve=True)
        services.write_review(tenant=tenant, actor=portal_user, rating=3, project_id=garden.pk, text="Nice, but the garden is still a building site.")
        r4 = services.write_review(tenant=tenant, actor=portal_user, rating=1, project_id=garden.pk, text="spam spam")
        services.moderate_review(tenant=tenant, actor=manager, review_id=r4.pk, approve=False)


def services_verify(tenant, actor, customer) -> None:
    from holdfast.core.customers.services import verify_customer

    verify_customer(tenant=tenant, actor=actor, customer_id=customer.pk)

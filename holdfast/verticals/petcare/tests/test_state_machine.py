"""Random walking days: clients request walks, admins book, approve, decline, assign and reassign,
walkers accept, decline and complete, prices change (with and without adjusting billing), jobs are
cancelled, items are invoiced, invoices sent, paid or voided — in any order. After every step every
petcare (seed 003 §10), engine and billing invariant holds: a walker is never in two jobs at once, a
completed job has exactly one live invoice item at its price, revenue is PAID money only."""
from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from holdfast.core.billing import doctor as billing_doctor
from holdfast.core.billing import services as billing
from holdfast.core.billing.models import Invoice, InvoiceItem
from holdfast.core.bookings import doctor as booking_doctor
from holdfast.core.inventory import doctor as inventory_doctor
from holdfast.kit.errors import DomainError
from holdfast.verticals.petcare import doctor as petcare_doctor
from holdfast.verticals.petcare import services
from holdfast.verticals.petcare.models import COMPLETED, Job

from .conftest import make_client, make_walker, next_weekday_at

CHECKS = [
    inventory_doctor.no_overlapping_blocks,
    inventory_doctor.hold_blocks_consistent,
    booking_doctor.history_consistent,
    booking_doctor.hold_matches_status,
    petcare_doctor.completed_job_has_item,
    petcare_doctor.items_only_for_completed_jobs,
    petcare_doctor.job_agrees_with_engine,
    petcare_doctor.cancelled_jobs_hold_no_walker,
    petcare_doctor.assigned_jobs_block_walker,
    billing_doctor.invoice_totals,
    billing_doctor.allocations_within_limits,
    billing_doctor.paid_invoices_covered,
    billing_doctor.items_billed_on_invoice,
]


class WalkingDay(RuleBasedStateMachine):
    world: dict = {}

    def __init__(self):
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        w = self.world
        self.tenant, self.admin, self.walkers, self.clients, self.service = w["tenant"], w["admin"], w["walkers"], w["clients"], w["service"]
        self.base = next_weekday_at(self.tenant, 9)

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    def _try(self, fn, actor, **kwargs):
        try:
            with transaction.atomic():
                return fn(tenant=self.tenant, actor=actor, **kwargs)
        except DomainError:
            return None

    def _job(self, index):
        ids = list(Job.objects.filter(tenant=self.tenant).order_by("pk").values_list("pk", flat=True))
        return ids[index % len(ids)] if ids else None

    def _start(self, slot):
        return self.base + dt.timedelta(minutes=30 * slot)

    # ---------------------------------------------------------------- rules

    @rule(slot=st.integers(0, 12), who=st.integers(0, 1), walker=st.integers(-1, 1))
    def admin_books(self, slot, who, walker):
        self._try(services.create_job, self.admin, customer_id=self.clients[who][1].pk, service_id=self.service.pk, starts_at=self._start(slot),
                  walker_id=self.walkers[walker].pk if walker >= 0 else None)

    @rule(slot=st.integers(0, 12), who=st.integers(0, 1))
    def client_requests(self, slot, who):
        self._try(services.request_job, self.clients[who][0], service_id=self.service.pk, starts_at=self._start(slot))

    @rule(index=st.integers(0, 20), walker=st.integers(-1, 1))
    def admin_approves(self, index, walker):
        if (job := self._job(index)) is not None:
            self._try(services.approve_job, self.admin, job_id=job, walker_id=self.walkers[walker].pk if walker >= 0 else None)

    @rule(index=st.integers(0, 20), walker=st.integers(0, 1))
    def admin_assigns(self, index, walker):
        if (job := self._job(index)) is not None:
            self._try(services.assign_walker, self.admin, job_id=job, walker_id=self.walkers[walker].pk)

    @rule(index=st.integers(0, 20), walker=st.integers(0, 1), accept=st.booleans())
    def walker_responds(self, index, walker, accept):
        if (job := self._job(index)) is not None:
            self._try(services.respond_to_assignment, self.walkers[walker].user, job_id=job, accept=accept)

    @rule(index=st.integers(0, 20), walker=st.integers(0, 1), by_admin=st.booleans())
    def complete(self, index, walker, by_admin):
        if (job := self._job(index)) is not None:
            self._try(services.complete_job, self.admin if by_admin else self.walkers[walker].user, job_id=job)

    @rule(index=st.integers(0, 20), actor=st.sampled_from(["admin", "walker", "client"]))
    def cancel(self, index, actor):
        if (job := self._job(index)) is not None:
            who = {"admin": self.admin, "walker": self.walkers[0].user, "client": self.clients[0][0]}[actor]
            self._try(services.cancel_job, who, job_id=job, reason="random")

    @rule(index=st.integers(0, 20), price=st.one_of(st.none(), st.integers(0, 100_000)), adjust=st.booleans())
    def reprice(self, index, price, adjust):
        if (job := self._job(index)) is not None:
            self._try(services.change_job_price, self.admin, job_id=job, price_minor=price, adjust_billing=adjust)

    @rule(index=st.integers(0, 20), slot=st.integers(0, 12))
    def reschedule(self, index, slot):
        if (job := self._job(index)) is not None:
            self._try(services.reschedule_job, self.admin, job_id=job, starts_at=self._start(slot))

    @rule(who=st.integers(0, 1), issue=st.booleans())
    def invoice_items(self, who, issue):
        customer = self.clients[who][1]
        ids = list(InvoiceItem.objects.filter(tenant=self.tenant, customer=customer, status=InvoiceItem.PENDING).values_list("pk", flat=True))
        if ids:
            self._try(services.generate_invoice, self.admin, customer_id=customer.pk, item_ids=ids, issue=issue)

    @rule(index=st.integers(0, 10), step=st.sampled_from(["send", "paid", "void"]))
    def invoice_step(self, index, step):
        ids = list(Invoice.objects.filter(tenant=self.tenant).order_by("pk").values_list("pk", flat=True))
        if not ids:
            return
        invoice = ids[index % len(ids)]
        if step == "send":
            self._try(services.send_invoice, self.admin, invoice_id=invoice)
        elif step == "paid":
            self._try(services.mark_paid, self.admin, invoice_id=invoice, method="CARD")
        else:
            self._try(billing.void_invoice, self.admin, invoice_id=invoice, reason="random")

    # ---------------------------------------------------------------- invariants

    @invariant()
    def every_invariant_holds(self):
        for check in CHECKS:
            findings = check()
            assert not findings, f"{check.__name__}: {[f.message for f in findings]}"

    @invariant()
    def completed_items_carry_the_job_price_unless_billed_before_a_change(self):
        for job in Job.objects.filter(tenant=self.tenant, booking__status=COMPLETED).select_related("service"):
            item = InvoiceItem.objects.filter(booking_id=job.pk).exclude(status=InvoiceItem.VOID).get()
            if item.status == InvoiceItem.PENDING:
                assert item.unit_price_minor == job.effective_price_minor, (job.pk, item.unit_price_minor, job.effective_price_minor)


@pytest.mark.django_db
def test_random_walking_days_keep_every_invariant(tenant, owner, walk, mailoutbox):
    tenant.settings = {**tenant.settings, "staff_may_complete_jobs": True}
    tenant.save()
    WalkingDay.world = {"tenant": tenant, "admin": owner, "service": walk,
                        "walkers": [make_walker(tenant, owner, f"w{n}@paw.test", f"W{n}") for n in range(2)],
                        "clients": [make_client(tenant, owner, f"c{n}@example.com", f"C{n}") for n in range(2)]}
    run_state_machine_as_test(WalkingDay, settings=settings(max_examples=12, stateful_step_count=35, deadline=None, suppress_health_check=list(HealthCheck)))

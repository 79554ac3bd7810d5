"""Seed 003 §4: every job transition with its side effects, and the role boundaries of §8."""
from __future__ import annotations

import datetime as dt

import pytest

from holdfast.core.audit.models import AuditEntry
from holdfast.core.billing.models import InvoiceItem
from holdfast.core.events.models import Notification, OutboxEvent
from holdfast.core.inventory.models import Block
from holdfast.kit.errors import Conflict, NotFound, PermissionDenied
from holdfast.verticals.petcare import services
from holdfast.verticals.petcare.models import BOOKED, CANCELLED, COMPLETED, PENDING, Job, TimeOff

pytestmark = pytest.mark.django_db


def _events(tenant, name):
    return OutboxEvent.objects.filter(tenant=tenant, event_type=name)


def live_items(job):
    return InvoiceItem.objects.filter(booking_id=job.pk).exclude(status=InvoiceItem.VOID)


def test_admin_job_is_booked_and_blocks_the_walker(tenant, owner, walk, walker, client_user, tuesday_10):
    before = _events(tenant, "stats:changed").count()
    job = services.create_job(tenant=tenant, actor=owner, customer_id=client_user[1].pk, service_id=walk.pk, starts_at=tuesday_10, walker_id=walker.pk, dog_ids=[client_user[2].pk])
    assert job.status == BOOKED
    assert job.booking.ends_at - job.booking.starts_at == dt.timedelta(minutes=60)
    assert Block.objects.filter(resource=walker.resource, active=True, starts_at=tuesday_10).count() == 1
    assert _events(tenant, "booking:created").filter(payload__booking_id=job.pk).exists()
    assert _events(tenant, "stats:changed").count() > before
    assert Notification.objects.filter(recipient=walker.user, title__icontains="assigned").exists()


def test_client_request_is_pending_with_no_walker_and_admins_are_told(tenant, owner, walk, client_user, tuesday_10):
    job = services.request_job(tenant=tenant, actor=client_user[0], service_id=walk.pk, starts_at=tuesday_10, dog_ids=[client_user[2].pk])
    assert job.status == PENDING and job.booking.resource_id is None
    assert job.booking.customer_id == client_user[1].pk
    assert Notification.objects.filter(recipient=owner, title__icontains="request").exists()


def test_approve_with_walker_books_and_client_is_told(tenant, owner, walk, walker, client_user, tuesday_10):
    job = services.request_job(tenant=tenant, actor=client_user[0], service_id=walk.pk, starts_at=tuesday_10)
    job = services.approve_job(tenant=tenant, actor=owner, job_id=job.pk, walker_id=walker.pk)
    assert job.status == BOOKED and job.booking.resource_id == walker.resource_id
    assert Notification.objects.filter(recipient=client_user[0], title__icontains="confirmed").exists()
    assert not InvoiceItem.objects.filter(booking_id=job.pk).exists()  # §4.2: no invoice item yet


def test_second_job_for_a_busy_walker_is_refused_with_walker_busy(tenant, owner, walk, walker, client_user, client2, tuesday_10):
    services.create_job(tenant=tenant, actor=owner, customer_id=client_user[1].pk, service_id=walk.pk, starts_at=tuesday_10, walker_id=walker.pk)
    with pytest.raises(Conflict) as exc:
        services.create_job(tenant=tenant, actor=owner, customer_id=client2[1].pk, service_id=walk.pk, starts_at=tuesday_10 + dt.timedelta(minutes=30), walker_id=walker.pk)
    assert exc.value.code == "walker_busy"
    assert Job.objects.count() == 1


def test_job_outside_availability_is_refused_unless_overridden_and_audited(tenant, owner, walk, walker, client_user, tuesday_10):
    evening = tuesday_10.replace(hour=20)
    with pytest.raises(Conflict) as exc:
        services.create_job(tenant=tenant, actor=owner, customer_id=client_user[1].pk, service_id=walk.pk, starts_at=evening, walker_id=walker.pk)
    assert exc.value.code == "outside_availability"
    job = services.create_job(tenant=tenant, actor=owner, customer_id=client_user[1].pk, service_id=walk.pk, starts_at=evening, walker_id=walker.pk, override=True)
    entry = AuditEntry.objects.get(action="petcare.job.created", entity_id=str(job.pk))
    assert entry.diff["override"] == [None, "outside_availability"]


def test_job_on_approved_time_off_is_refused(tenant, owner, walk, walker, client_user, tuesday_10):
    off = services.request_time_off(tenant=tenant, actor=walker.user, walker_id=walker.pk, starts_at=tuesday_10 - dt.timedelta(hours=2), ends_at=tuesday_10 + dt.timedelta(hours=5))
    services.decide_time_off(tenant=tenant, actor=owner, time_off_id=off.pk, approve=True)
    with pytest.raises(Conflict) as exc:
        services.create_job(tenant=tenant, actor=owner, customer_id=client_user[1].pk, service_id=walk.pk, starts_at=tuesday_10, walker_id=walker.pk)
    assert exc.value.code == "walker_time_off"


def test_approving_time_off_lists_the_jobs_to_reassign(tenant, owner, walk, walker, client_user, tuesday_10):
    job = services.create_job(tenant=tenant, actor=owner, customer_id=client_user[1].pk, service_id=walk.pk, starts_at=tuesday_10, walker_id=walker.pk)
    off = services.request_time_off(tenant=tenant, actor=walker.user, walker_id=walker.pk, starts_at=tuesday_10 - dt.timedelta(hours=1), ends_at=tuesday_10 + dt.timedelta(hours=8))
    off, clashes = services.decide_time_off(tenant=tenant, actor=owner, time_off_id=off.pk, approve=True)
    assert off.status == TimeOff.APPROVED
    assert [j.pk for j in clashes] == [job.pk]
    assert Notification.objects.filter(recipient=owner, title__icontains="need another walker").exists()


def test_reassign_moves_the_block_and_tells_both_walkers(tenant, owner, walk, walker, walker2, client_user, tuesday_10):
    job = services.create_job(tenant=tenant, actor=owner, customer_id=client_user[1].pk, service_id=walk.pk, starts_at=tuesday_10, walker_id=walker.pk)
    job = services.assign_walker(tenant=tenant, actor=owner, job_id=job.pk, walker_id=walker2.pk)
    assert job.booking.resource_id == walker2.resource_id
    assert not Block.objects.filter(resource=walker.resource, active=True).exists()
    assert Block.objects.filter(resource=walker2.resource, active=True).count() == 1
    assert AuditEntry.objects.filter(action="petcare.job.reassigned", entity_id=str(job.pk)).exists()
    assert Notification.objects.filter(recipient=walker.user, title__icontains="reassigned").exists()


def test_walker_declining_frees_their_time_and_tells_admins(tenant, owner, walk, walker, client_user, tuesday_10):
    job = services.create_job(tenant=tenant, actor=owner, customer_id=client_user[1].pk, service_id=walk.pk, starts_at=tuesday_10, walker_id=walker.pk)
    job = services.respond_to_assignment(tenant=tenant, actor=walker.user, job_id=job.pk, accept=False, reason="vet appointment")
    assert job.booking.resource_id is None and job.staff_response == Job.DECLINED and job.status == BOOKED
    assert not Block.objects.filter(resource=walker.resource, active=True).exists()
    assert Notification.objects.filter(recipient=owner, title__icontains="declined").exists()


def test_another_walker_cannot_respond_to_a_job(tenant, owner, walk, walker, walker2, client_user, tuesday_10):
    job = services.create_job(tenant=tenant, actor=owner, customer_id=client_user[1].pk, service_id=walk.pk, starts_at=tuesday_10, walker_id=walker.pk)
    with pytest.raises(NotFound):
        services.respond_to_assignment(tenant=tenant, actor=walker2.user, job_id=job.pk, accept=True)


def test_completing_creates_exactly_one_pending_item_at_the_job_price(tenant, owner, walk, walker, client_user, tuesday_10):
    job = services.create_job(tenant=tenant, actor=owner, customer_id=client_user[1].pk, service_id=walk.pk, starts_at=tuesday_10, walker_id=walker.pk, price_minor=1800)
    job = services.complete_job(tenant=tenant, actor=walker.user, job_id=job.pk)
    assert job.status == COMPLETED and job.completed_at is not None
    items = list(live_items(job))
    assert len(items) == 1
    assert items[0].status == InvoiceItem.PENDING and items[0].unit_price_minor == 1800 and items[0].customer_id == client_user[1].pk
    assert items[0].source_ref == f"job:{job.pk}" and items[0].staff_id == walker.pk


def test_completion_uses_the_service_price_without_a_job_price(tenant, owner, walk, walker, client_user, tuesday_10):
    job = services.create_job(tenant=tenant, actor=owner, customer_id=client_user[1].pk, service_id=walk.pk, starts_at=tuesday_10, walker_id=walker.pk)
    services.complete_job(tenant=tenant, actor=owner, job_id=job.pk)
    assert live_items(job).get().unit_price_minor == walk.price_minor


def test_staff_cannot_complete_someone_elses_job(tenant, owner, walk, walker, walker2, client_user, tuesday_10):
    job = services.create_job(tenant=tenant, actor=owner, customer_id=client_user[1].pk, service_id=walk.pk, starts_at=tuesday_10, walker_id=walker.pk)
    with pytest.raises(NotFound):
        services.complete_job(tenant=tenant, actor=walker2.user, job_id=job.pk)


def test_staff_completion_is_refused_when_the_business_disallows_it(tenant, owner, walk, walker, client_user, tuesday_10):
    tenant.settings = {**tenant.settings, "staff_may_complete_jobs": False}
    tenant.save()
    job = services.create_job(tenant=tenant, actor=owner, customer_id=client_user[1].pk, service_id=walk.pk, starts_at=tuesday_10, walker_id=walker.pk)
    with pytest.raises(Conflict) as exc:
        services.complete_job(tenant=tenant, actor=walker.user, job_id=job.pk)
    assert exc.value.code == "staff_completion_disabled"


def test_client_cannot_complete_or_reassign(tenant, owner, walk, walker, client_user, tuesday_10):
    job = services.create_job(tenant=tenant, actor=owner, customer_id=client_user[1].pk, service_id=walk.pk, starts_at=tuesday_10, walker_id=walker.pk)
    with pytest.raises(PermissionDenied):
        services.complete_job(tenant=tenant, actor=client_user[0], job_id=job.pk)
    with pytest.raises(PermissionDenied):
        services.assign_walker(tenant=tenant, actor=client_user[0], job_id=job.pk, walker_id=walker.pk)
    with pytest.raises(PermissionDenied):
        services.change_job_price(tenant=tenant, actor=client_user[0], job_id=job.pk, price_minor=1)


def test_staff_cannot_create_invoices_or_edit_clients(tenant, owner, walk, walker, client_user):
    with pytest.raises(PermissionDenied):
        services.generate_invoice(tenant=tenant, actor=walker.user, customer_id=client_user[1].pk, item_ids=[1])
    with pytest.raises(PermissionDenied):
        services.update_client(tenant=tenant, actor=walker.user, customer_id=client_user[1].pk, vet_details="x")


def test_client_cancels_own_pending_request_but_not_a_booked_job(tenant, owner, walk, walker, client_user, tuesday_10):
    pending = services.request_job(tenant=tenant, actor=client_user[0], service_id=walk.pk, starts_at=tuesday_10)
    pending = services.cancel_job(tenant=tenant, actor=client_user[0], job_id=pending.pk, reason="changed plans")
    assert pending.status == CANCELLED and pending.cancelled_at and pending.cancellation_reason == "changed plans"
    booked = services.create_job(tenant=tenant, actor=owner, customer_id=client_user[1].pk, service_id=walk.pk, starts_at=tuesday_10, walker_id=walker.pk)
    with pytest.raises(Conflict) as exc:
        services.cancel_job(tenant=tenant, actor=client_user[0], job_id=booked.pk)
    assert exc.value.code == "client_cancels_pending_only"


def test_client_cannot_cancel_another_clients_request(tenant, walk, client_user, client2, tuesday_10):
    job = services.request_job(tenant=tenant, actor=client2[0], service_id=walk.pk, starts_at=tuesday_10)
    with pytest.raises(NotFound):
        services.cancel_job(tenant=tenant, actor=client_user[0], job_id=job.pk)


def test_cancelling_a_completed_job_voids_its_item_and_frees_the_walker(tenant, owner, walk, walker, client_user, tuesday_10):
    job = services.create_job(tenant=tenant, actor=owner, customer_id=client_user[1].pk, service_id=walk.pk, starts_at=tuesday_10, walker_id=walker.pk)
    services.complete_job(tenant=tenant, actor=owner, job_id=job.pk)
    services.cancel_job(tenant=tenant, actor=owner, job_id=job.pk, reason="walk did not happen")
    assert not live_items(job).exists()
    assert InvoiceItem.objects.get(booking_id=job.pk).status == InvoiceItem.VOID
    assert not Block.objects.filter(resource=walker.resource, active=True).exists()


def test_cancelling_a_completed_job_whose_item_is_billed_is_refused(tenant, owner, walk, walker, client_user, tuesday_10):
    job = services.create_job(tenant=tenant, actor=owner, customer_id=client_user[1].pk, service_id=walk.pk, starts_at=tuesday_10, walker_id=walker.pk)
    services.complete_job(tenant=tenant, actor=owner, job_id=job.pk)
    services.generate_invoice(tenant=tenant, actor=owner, customer_id=client_user[1].pk, item_ids=[live_items(job).get().pk])
    with pytest.raises(Conflict) as exc:
        services.cancel_job(tenant=tenant, actor=owner, job_id=job.pk)
    assert exc.value.code == "item_billed"
    assert Job.objects.get(pk=job.pk).status == COMPLETED


def test_price_edit_after_completion_is_refused_unless_billing_is_adjusted(tenant, owner, walk, walker, client_user, tuesday_10):
    job = services.create_job(tenant=tenant, actor=owner, customer_id=client_user[1].pk, service_id=walk.pk, starts_at=tuesday_10, walker_id=walker.pk)
    services.complete_job(tenant=tenant, actor=owner, job_id=job.pk)
    with pytest.raises(Conflict) as exc:
        services.change_job_price(tenant=tenant, actor=owner, job_id=job.pk, price_minor=2000)
    assert exc.value.code == "price_locked_after_completion"
    job = services.change_job_price(tenant=tenant, actor=owner, job_id=job.pk, price_minor=2000, adjust_billing=True, reason="longer walk")
    item = live_items(job).get()
    assert job.price_minor == 2000 and item.unit_price_minor == 2000 and item.amount_minor == 2000
    assert AuditEntry.objects.filter(action="petcare.job.price_changed", entity_id=str(job.pk)).exists()


def test_price_edit_before_completion_changes_the_later_item(tenant, owner, walk, walker, client_user, tuesday_10):
    job = services.create_job(tenant=tenant, actor=owner, customer_id=client_user[1].pk, service_id=walk.pk, starts_at=tuesday_10, walker_id=walker.pk)
    services.change_job_price(tenant=tenant, actor=owner, job_id=job.pk, price_minor=999)
    services.complete_job(tenant=tenant, actor=owner, job_id=job.pk)
    assert live_items(job).get().unit_price_minor == 999


def test_staff_confirms_pending_job_only_when_the_business_allows(tenant, owner, walk, walker, client_user, tuesday_10):
    job = services.request_job(tenant=tenant, actor=client_user[0], service_id=walk.pk, starts_at=tuesday_10)
    services.assign_walker(tenant=tenant, actor=owner, job_id=job.pk, walker_id=walker.pk)
    with pytest.raises(Conflict) as exc:
        services.approve_job(tenant=tenant, actor=walker.user, job_id=job.pk)
    assert exc.value.code == "staff_approval_disabled"
    tenant.settings = {**tenant.settings, "staff_may_approve": True}
    tenant.save()
    assert services.approve_job(tenant=tenant, actor=walker.user, job_id=job.pk).status == BOOKED


def test_reschedule_onto_a_busy_slot_changes_nothing(tenant, owner, walk, walker, client_user, client2, tuesday_10):
    services.create_job(tenant=tenant, actor=owner, customer_id=client_user[1].pk, service_id=walk.pk, starts_at=tuesday_10, walker_id=walker.pk)
    other = services.create_job(tenant=tenant, actor=owner, customer_id=client2[1].pk, service_id=walk.pk, starts_at=tuesday_10 + dt.timedelta(hours=3), walker_id=walker.pk)
    with pytest.raises(Conflict) as exc:
        services.reschedule_job(tenant=tenant, actor=owner, job_id=other.pk, starts_at=tuesday_10 + dt.timedelta(minutes=15))
    assert exc.value.code == "walker_busy"
    assert Job.objects.get(pk=other.pk).booking.starts_at == tuesday_10 + dt.timedelta(hours=3)


def test_outsider_cannot_touch_a_job(tenant, other_tenant, outsider, owner, walk, walker, client_user, tuesday_10):
    job = services.create_job(tenant=tenant, actor=owner, customer_id=client_user[1].pk, service_id=walk.pk, starts_at=tuesday_10, walker_id=walker.pk)
    with pytest.raises(NotFound):
        services.complete_job(tenant=other_tenant, actor=outsider, job_id=job.pk)

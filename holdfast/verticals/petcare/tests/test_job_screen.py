"""The job screen: its flow buttons are the engine's answer (selectors.job_transitions → the flow's
permissions and guards), and its forms carry the booking version so a stale page is refused."""
from __future__ import annotations

import pytest
from django.urls import reverse

from holdfast.verticals.petcare import selectors, services

pytestmark = pytest.mark.django_db

FLOW_BUTTONS = ("approve", "decline", "complete", "cancel")


def _buttons(page, job):
    r = page.get(reverse("petcare:job", args=[job.pk]))
    assert r.status_code == 200
    return {name for name in FLOW_BUTTONS if r.context["can"][name]}


def _set(tenant, **switches):
    tenant.settings = {**(tenant.settings or {}), **switches}
    tenant.save(update_fields=["settings"])


def test_a_client_is_offered_cancel_only_on_a_pending_request(web_as, tenant, owner, walk, walker, client_user, tuesday_10):
    user, customer, dog = client_user
    job = services.request_job(tenant=tenant, actor=user, service_id=walk.pk, starts_at=tuesday_10, dog_ids=[dog.pk])
    assert _buttons(web_as(user), job) == {"cancel"}
    assert job.pk in selectors.client_portal(tenant, user)["cancellable"]
    services.approve_job(tenant=tenant, actor=owner, job_id=job.pk, walker_id=walker.pk)
    assert _buttons(web_as(user), job) == set()
    assert selectors.client_portal(tenant, user)["cancellable"] == set()


def test_the_walker_sees_complete_and_approve_only_when_the_business_allows_it(web_as, tenant, owner, walk, walker, client_user, tuesday_10):
    _set(tenant, staff_may_approve=False, staff_may_complete_jobs=False)
    pending = services.create_job(tenant=tenant, actor=owner, customer_id=client_user[1].pk, service_id=walk.pk, starts_at=tuesday_10, walker_id=walker.pk, status="PENDING")
    assert "approve" not in _buttons(web_as(walker.user), pending)
    _set(tenant, staff_may_approve=True)
    assert "approve" in _buttons(web_as(walker.user), pending)
    services.approve_job(tenant=tenant, actor=owner, job_id=pending.pk)
    assert "complete" not in _buttons(web_as(walker.user), pending)
    _set(tenant, staff_may_complete_jobs=True)
    assert {"complete", "cancel"} <= _buttons(web_as(walker.user), pending)


def test_the_admin_is_not_offered_cancel_on_a_job_whose_item_is_invoiced(web_as, tenant, owner, walk, walker, client_user, tuesday_10):
    job = services.create_job(tenant=tenant, actor=owner, customer_id=client_user[1].pk, service_id=walk.pk, starts_at=tuesday_10, walker_id=walker.pk)
    assert _buttons(web_as(owner), job) == {"complete", "cancel"}
    services.complete_job(tenant=tenant, actor=owner, job_id=job.pk)
    assert _buttons(web_as(owner), job) == {"cancel"}
    from holdfast.verticals.petcare.flows import live_item_of

    services.generate_invoice(tenant=tenant, actor=owner, customer_id=client_user[1].pk, item_ids=[live_item_of(tenant, job.pk).pk])
    assert _buttons(web_as(owner), job) == set()  # item_not_billed: the engine would refuse it, so no button


def test_a_stale_job_form_is_refused_readably_and_changes_nothing(web_as, tenant, owner, walk, walker, walker2, client_user, tuesday_10):
    job = services.create_job(tenant=tenant, actor=owner, customer_id=client_user[1].pk, service_id=walk.pk, starts_at=tuesday_10, walker_id=walker.pk)
    first, second = web_as(owner), web_as(owner)
    page = second.get(reverse("petcare:job", args=[job.pk])).content.decode()
    seen = job.booking.version
    assert f'name="version" value="{seen}"' in page
    r = first.post(reverse("petcare:job_action", args=[job.pk, "assign"]), {"walker_id": walker2.pk, "version": seen})  # the first admin acts
    assert r.status_code == 302
    job.refresh_from_db()
    moved = job.booking.version
    assert moved > seen and selectors.walker_of_job(job).pk == walker2.pk
    r = second.post(reverse("petcare:job_action", args=[job.pk, "cancel"]), {"reason": "client phoned", "version": seen}, follow=True)  # from the old page
    assert r.status_code == 200 and "changed by someone else" in r.content.decode() and "Reload" in r.content.decode()
    job.refresh_from_db()
    assert job.booking.status == "BOOKED" and job.booking.version == moved and selectors.walker_of_job(job).pk == walker2.pk
    r = second.post(reverse("petcare:job_action", args=[job.pk, "cancel"]), {"reason": "client phoned", "version": moved}, follow=True)  # after reloading
    job.refresh_from_db()
    assert job.booking.status == "CANCELLED" and "Job cancelled." in r.content.decode()


def test_the_api_refuses_a_stale_version_with_a_problem_body(api_as, tenant, owner, walk, walker, client_user, tuesday_10):
    job = services.create_job(tenant=tenant, actor=owner, customer_id=client_user[1].pk, service_id=walk.pk, starts_at=tuesday_10, walker_id=walker.pk)
    api = api_as(owner, tenant)
    seen = api.get(f"/api/v1/petcare/jobs/{job.pk}").json()["version"]
    r = api.post(f"/api/v1/petcare/jobs/{job.pk}/cancel", {"reason": "x", "version": seen + 5})
    assert r.status_code == 409 and r.json()["code"] == "stale_version" and r.json()["current_version"] == seen
    assert api.post(f"/api/v1/petcare/jobs/{job.pk}/cancel", {"reason": "x", "version": seen}).json()["status"] == "CANCELLED"

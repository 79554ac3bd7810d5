"""A walker's iCal link can be rotated (by the walker or a staff-managing admin): audited, and every
older link — including ones signed before links had a version — answers 404 afterwards."""
from __future__ import annotations

import pytest
from django.core import signing
from django.urls import reverse

from holdfast.core.audit.models import AuditEntry
from holdfast.kit.errors import PermissionDenied
from holdfast.verticals.petcare import selectors, services

pytestmark = pytest.mark.django_db


def _feed_path(page):
    return page.context["ical"].replace("http://testserver", "")


def test_the_walker_rotates_their_link_and_the_old_one_stops_working(web_as, tenant, owner, walk, walker, client_user, tuesday_10):
    services.create_job(tenant=tenant, actor=owner, customer_id=client_user[1].pk, service_id=walk.pk, starts_at=tuesday_10, walker_id=walker.pk)
    me = web_as(walker.user)
    page = me.get(reverse("petcare:schedule"))
    assert b'id="rotate-ical"' in page.content
    old = _feed_path(page)
    assert me.get(old).status_code == 200
    legacy = reverse("petcare:ical", args=[signing.dumps({"w": walker.pk, "t": tenant.pk}, salt=selectors.ICAL_SALT)])  # a link from before versions
    assert me.get(legacy).status_code == 200
    r = me.post(reverse("petcare:rotate_ical"), {"walker_id": walker.pk}, follow=True)
    assert r.status_code == 200 and "old one no longer works" in r.content.decode()
    new = _feed_path(r)
    assert new != old
    assert me.get(old).status_code == 404 and me.get(legacy).status_code == 404
    feed = me.get(new)
    assert feed.status_code == 200 and "Group walk: Cleo Client" in feed.content.decode()
    entry = AuditEntry.objects.get(action="petcare.walker.ical_rotated")
    assert entry.tenant_id == tenant.pk and entry.diff["ical_token_version"] == [1, 2]


def test_an_admin_rotates_a_walkers_link_but_another_walker_may_not(web_as, tenant, owner, walker, walker2):
    page = web_as(owner).get(reverse("petcare:schedule") + f"?walker={walker.pk}")
    assert b'id="rotate-ical"' in page.content
    old = _feed_path(page)
    r = web_as(owner).post(reverse("petcare:rotate_ical"), {"walker_id": walker.pk})
    assert r.status_code == 302 and f"walker={walker.pk}" in r["Location"]
    assert web_as(owner).get(old).status_code == 404
    walker.refresh_from_db()
    assert walker.ical_token_version == 2
    with pytest.raises(PermissionDenied):
        services.rotate_ical_link(tenant=tenant, actor=walker2.user, walker_id=walker.pk)
    web_as(walker2.user).post(reverse("petcare:rotate_ical"), {"walker_id": walker.pk})
    walker.refresh_from_db()
    assert walker.ical_token_version == 2  # refused: nothing changed


def test_a_walker_of_another_business_is_not_found(tenant, other_tenant, owner, walker, outsider):
    from holdfast.kit.errors import NotFound

    with pytest.raises(NotFound):
        services.rotate_ical_link(tenant=other_tenant, actor=outsider, walker_id=walker.pk)

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from holdfast.core.inventory import selectors
from holdfast.core.inventory.models import Block

from .factories import BlockFactory, CapacityPoolFactory, ResourceFactory, ResourceTypeFactory, SiteFactory

pytestmark = pytest.mark.django_db
BASE = "/api/v1/inventory"


def test_site_resource_and_hold_through_the_api(owner_api):
    site = owner_api.post(f"{BASE}/sites", {"name": "Harbour Tower", "kind": "PROJECT", "time_zone": "Asia/Kolkata", "latitude": "12.971599", "longitude": "77.594566", "cutoff_time": "17:00", "media": [{"url": "https://x/1.jpg"}]})
    assert site.status_code == 201, site.json()
    assert site.json()["time_zone"] == "Asia/Kolkata"
    rtype = owner_api.post(f"{BASE}/resource-types", {"name": "2BHK", "site_id": site.json()["id"]}).json()
    unit = owner_api.post(f"{BASE}/resources", {"site_id": site.json()["id"], "name": "A-101", "resource_type_id": rtype["id"]})
    assert unit.status_code == 201
    uid = unit.json()["id"]
    body = {"resource_ids": [uid], "starts_at": "2030-01-01T00:00:00Z", "ends_at": None, "ttl_minutes": 15}
    hold = owner_api.post(f"{BASE}/holds", body)
    assert hold.status_code == 201, hold.json()
    again = owner_api.post(f"{BASE}/holds", body)
    assert again.status_code == 409 and again.json()["code"] == "resource_unavailable"
    free = owner_api.get(f"{BASE}/availability/resources/{uid}", {"starts_at": "2031-01-01T00:00:00Z", "ends_at": "2031-01-02T00:00:00Z"})
    assert free.json() == {"resource_id": uid, "free": False}
    released = owner_api.post(f"{BASE}/holds/{hold.json()['id']}/release", {"reason": "test"})
    assert released.json()["status"] == "RELEASED"


def test_bad_site_input_is_a_422_with_fields(owner_api):
    response = owner_api.post(f"{BASE}/sites", {"name": "X", "time_zone": "Mars/Olympus"})
    assert response.status_code == 422 and "time_zone" in response.json()["errors"]


def test_staff_can_read_but_not_manage(staff_api, tenant):
    assert staff_api.get(f"{BASE}/sites").status_code == 200
    assert staff_api.post(f"{BASE}/sites", {"name": "Nope"}).status_code == 403


def test_other_tenants_resource_is_404(owner_api, other_tenant):
    foreign = ResourceFactory(site=SiteFactory(tenant=other_tenant))
    assert owner_api.get(f"{BASE}/resources/{foreign.pk}").status_code == 404
    response = owner_api.post(f"{BASE}/holds", {"resource_ids": [foreign.pk], "starts_at": "2030-01-01T00:00:00Z", "ends_at": "2030-01-02T00:00:00Z"})
    assert response.status_code == 404


def test_capacity_through_the_api(owner_api, tenant):
    pool = CapacityPoolFactory(site=SiteFactory(tenant=tenant), default_capacity=8)
    put = owner_api.put(f"{BASE}/pools/{pool.pk}/capacity", {"start_date": "2030-02-01", "end_date": "2030-02-03", "capacity": 5})
    assert [d["capacity"] for d in put.json()] == [5, 5]
    hold = owner_api.post(f"{BASE}/holds", {"pool_id": pool.pk, "quantity": 4, "start_date": "2030-02-01", "end_date": "2030-02-04"})
    assert hold.status_code == 201
    days = owner_api.get(f"{BASE}/availability/pools/{pool.pk}", {"start_date": "2030-02-01", "end_date": "2030-02-04", "quantity": 2}).json()
    assert [(d["remaining"], d["fits"]) for d in days] == [(1, False), (1, False), (4, True)]
    over = owner_api.post(f"{BASE}/holds", {"pool_id": pool.pk, "quantity": 2, "start_date": "2030-02-01", "end_date": "2030-02-02"})
    assert over.status_code == 409 and over.json()["code"] == "capacity_exceeded"


def test_nights_across_dst_keep_their_local_midnights(tenant):
    site = SiteFactory(tenant=tenant, time_zone="Europe/Berlin")
    room = ResourceFactory(site=site)
    # Berlin switches to summer time in the night of 2030-03-31: that night is 23 hours long.
    start, end = dt.datetime(2030, 3, 30, 23, 0, tzinfo=dt.UTC), dt.datetime(2030, 3, 31, 22, 0, tzinfo=dt.UTC)
    BlockFactory(resource=room, starts_at=start, ends_at=end)
    days = selectors.free_counts_per_day(tenant, site, dt.date(2030, 3, 30), dt.date(2030, 4, 2))
    assert [d["free"] for d in days] == [1, 0, 1]
    matrix = selectors.calendar_matrix(tenant, site, dt.date(2030, 3, 30), 3)
    assert [c is not None for c in matrix["resources"][0]["cells"]] == [False, True, False]


def test_free_by_type_and_calendar_use_a_constant_number_of_queries(tenant):
    site = SiteFactory(tenant=tenant, time_zone="America/New_York")
    types = [ResourceTypeFactory(site=site, tenant=tenant) for _ in range(2)]
    rooms = [ResourceFactory(site=site, resource_type=types[i % 2]) for i in range(12)]
    for room in rooms[:5]:
        BlockFactory(resource=room, starts_at=dt.datetime(2030, 7, 2, 4, tzinfo=dt.UTC), ends_at=dt.datetime(2030, 7, 3, 4, tzinfo=dt.UTC))
    with CaptureQueriesContext(connection) as by_type:
        result = selectors.free_by_type(tenant, site, dt.date(2030, 7, 1), dt.date(2030, 7, 4))
    assert sum(r["free"] for r in result) == 7
    assert len(by_type.captured_queries) == 1
    with CaptureQueriesContext(connection) as cal:
        matrix = selectors.calendar_matrix(tenant, site, dt.date(2030, 7, 1), 31)
    assert len(cal.captured_queries) == 2
    assert sum(1 for r in matrix["resources"] for c in r["cells"] if c) == 5


def test_maintenance_block_api(owner_api, tenant):
    room = ResourceFactory(site=SiteFactory(tenant=tenant))
    created = owner_api.post(f"{BASE}/blocks", {"resource_id": room.pk, "starts_at": "2030-01-01T00:00:00Z", "ends_at": "2030-01-05T00:00:00Z", "kind": "MAINTENANCE"})
    assert created.status_code == 201
    overlapping = owner_api.post(f"{BASE}/blocks", {"resource_id": room.pk, "starts_at": "2030-01-04T00:00:00Z", "ends_at": "2030-01-06T00:00:00Z", "kind": "HOUSE_USE"})
    assert overlapping.status_code == 409
    assert owner_api.delete(f"{BASE}/blocks/{created.json()['id']}").json()["active"] is False
    assert not Block.objects.filter(active=True).exists()


def test_a_hold_past_its_expiry_reads_as_expired_before_the_sweeper_runs(owner_api, tenant):
    """Issue 14: the stored row still says ACTIVE until the sweep; the API answers what it is."""
    from holdfast.core.inventory.models import Hold

    unit = ResourceFactory(site=SiteFactory(tenant=tenant))
    hold = owner_api.post(f"{BASE}/holds", {"resource_ids": [unit.pk], "starts_at": "2030-01-01T00:00:00Z", "ends_at": None, "ttl_minutes": 15}).json()
    assert owner_api.get(f"{BASE}/holds/{hold['id']}").json()["status"] == "ACTIVE"
    Hold.objects.filter(pk=hold["id"]).update(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
    assert Hold.objects.get(pk=hold["id"]).status == "ACTIVE"  # not swept yet
    assert owner_api.get(f"{BASE}/holds/{hold['id']}").json()["status"] == "EXPIRED"

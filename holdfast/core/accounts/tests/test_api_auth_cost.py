"""An API call pays two queries for authentication and permissions together (token, memberships), and
the idempotency middleware does not look the token up a second time."""
from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext


def _auth_queries(ctx) -> list[str]:
    # Reads only: the token's last_used_at is written at most every five minutes.
    return [q["sql"] for q in ctx.captured_queries if "accounts_" in q["sql"] and q["sql"].startswith("SELECT")]


def test_a_token_request_resolves_token_memberships_and_permission_in_two_queries(owner_api, customer):
    with CaptureQueriesContext(connection) as ctx:
        assert owner_api.get("/api/v1/customers").status_code == 200
    assert len(_auth_queries(ctx)) == 2


def test_an_idempotent_post_does_not_resolve_the_token_twice(owner_api, tenant):
    with CaptureQueriesContext(connection) as ctx:
        assert owner_api.post("/api/v1/customers", {"name": "Grace"}, headers={"Idempotency-Key": "once"}).status_code == 201
    assert len(_auth_queries(ctx)) == 2


def test_a_token_of_someone_who_left_the_business_stops_working(owner_api, owner, tenant):
    from holdfast.core.accounts.models import Membership

    Membership.objects.filter(user=owner, tenant=tenant).update(is_active=False)
    assert owner_api.get("/api/v1/customers").status_code == 401

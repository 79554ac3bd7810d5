"""Append-only records on PostgreSQL (issue 16 item 4): audit entries, booking status history, ledger
entries, lead activity and the room status log refuse UPDATE, DELETE and TRUNCATE; and the restricted
application role (README) can neither rewrite them nor switch the triggers off."""
from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from holdfast.kit.append_only import TABLES, grants_sql

pytestmark = [pytest.mark.pg_only, pytest.mark.django_db]


def _refused(sql: str) -> str:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL holdfast.allow_truncate = 'off'")
            cursor.execute(sql)
    except DatabaseError as exc:
        return str(exc)
    return ""


def _make_row(table, tenant, owner):
    """One real row of each append-only table."""
    import datetime as dt

    from holdfast.core.audit.services import log_action
    from holdfast.core.billing.models import LedgerEntry
    from holdfast.core.billing.tests.factories import LedgerAccountFactory
    from holdfast.core.bookings.tests.factories import BookingFactory, BookingStatusHistoryFactory
    from holdfast.verticals.estate.tests.factories import LeadActivityFactory
    from holdfast.verticals.hotel.models import RoomStatusLog
    from holdfast.verticals.hotel.tests.factories import RoomFactory

    if table == "audit_auditentry":
        log_action(tenant=tenant, actor=owner, entity=tenant, action="test.append_only", diff={})
    elif table == "bookings_bookingstatushistory":
        BookingStatusHistoryFactory(tenant=tenant, booking=BookingFactory(tenant=tenant), to_status="HELD", transition="create")
    elif table == "billing_ledgerentry":
        LedgerEntry.objects.create(tenant=tenant, account=LedgerAccountFactory(tenant=tenant), entry_type="CHARGE", description="night", amount_minor=100)
    elif table == "estate_leadactivity":
        LeadActivityFactory(tenant=tenant)
    elif table == "hotel_roomstatuslog":
        room = RoomFactory(room_type__property__tenant=tenant)
        RoomStatusLog.objects.create(tenant=room.tenant, property=room.room_type.property, room=room, business_date=dt.date(2030, 1, 1), from_status="VACANT_CLEAN", to_status="VACANT_DIRTY")
    else:
        raise AssertionError(f"no row maker for {table}")


@pytest.mark.parametrize("table", TABLES)
def test_row_changes_are_refused_on_a_real_row(table, tenant, owner):
    _make_row(table, tenant, owner)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        assert cursor.fetchone()[0] >= 1
    for sql in (f"UPDATE {table} SET id = id", f"DELETE FROM {table}"):
        message = _refused(sql)
        assert "append-only" in message, (table, sql, message)


def test_truncate_is_refused_unless_the_session_allows_it():
    for table in TABLES:
        message = _refused(f"TRUNCATE {table} CASCADE")
        assert "append-only" in message, (table, message)


def test_the_restricted_role_cannot_rewrite_history_nor_disable_triggers(tenant, owner):
    from holdfast.core.audit.services import log_action

    log_action(tenant=tenant, actor=owner, entity=tenant, action="test.append_only", diff={})
    with connection.cursor() as cursor:
        cursor.execute("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'holdfast_app_test') THEN CREATE ROLE holdfast_app_test NOLOGIN; END IF; END $$")
        cursor.execute(grants_sql("holdfast_app_test"))
    attempts = {
        "update": "UPDATE audit_auditentry SET action = 'rewritten'",
        "delete": "DELETE FROM audit_auditentry",
        "truncate": "TRUNCATE audit_auditentry",
        "disable trigger": "ALTER TABLE audit_auditentry DISABLE TRIGGER USER",
        "drop trigger": "DROP TRIGGER audit_auditentry_append_only_truncate ON audit_auditentry",
    }
    for what, sql in attempts.items():
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL ROLE holdfast_app_test")
                cursor.execute(sql)
        except DatabaseError as exc:
            assert "permission denied" in str(exc) or "must be owner" in str(exc), (what, str(exc))
        else:
            pytest.fail(f"the restricted role could {what}")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL ROLE holdfast_app_test")
        cursor.execute("INSERT INTO audit_auditentry (tenant_id, actor_label, entity_type, entity_id, action, diff, correlation_id, occurred_at) VALUES (%s, 'x', 'x', '1', 'x', '{}', '', now())", [tenant.pk])
        cursor.execute("SELECT count(*) FROM audit_auditentry")
        assert cursor.fetchone()[0] >= 2  # it still writes and reads as the application needs

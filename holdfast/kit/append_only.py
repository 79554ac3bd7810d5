"""Append-only tables on PostgreSQL: a row trigger refuses UPDATE and DELETE, a statement trigger
refuses TRUNCATE. Used by migrations (`install(table)` / `uninstall(table)` as SQL).

TRUNCATE is let through only in a session that sets `holdfast.allow_truncate = on` — the test
settings do, because Django's test flush empties every table with TRUNCATE. Nobody else should: the
application's own database role (README "A restricted database role") has no TRUNCATE, UPDATE or
DELETE on these tables at all, and cannot disable triggers because it owns nothing.
"""
from __future__ import annotations

FUNCTION = """
CREATE OR REPLACE FUNCTION holdfast_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' AND coalesce(current_setting('holdfast.allow_truncate', true), '') = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION '%% is append-only (%% refused)', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""

# Every append-only table; scripts/app-role-grants and the tests read this list.
TABLES = ["audit_auditentry", "bookings_bookingstatushistory", "billing_ledgerentry", "estate_leadactivity", "hotel_roomstatuslog"]


def install(table: str, *, rows: bool = True) -> str:
    sql = FUNCTION + f"""
DROP TRIGGER IF EXISTS {table}_append_only_truncate ON {table};
CREATE TRIGGER {table}_append_only_truncate BEFORE TRUNCATE ON {table} FOR EACH STATEMENT EXECUTE FUNCTION holdfast_append_only();
"""
    if rows:
        sql += f"""
DROP TRIGGER IF EXISTS {table}_append_only_rows ON {table};
CREATE TRIGGER {table}_append_only_rows BEFORE UPDATE OR DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION holdfast_append_only();
"""
    return sql


def uninstall(table: str) -> str:
    return f"DROP TRIGGER IF EXISTS {table}_append_only_truncate ON {table}; DROP TRIGGER IF EXISTS {table}_append_only_rows ON {table};"


def grants_sql(role: str, tables: list[str] | None = None) -> str:
    """SQL (run as the owner, after migrate) that lets `role` use every table but never rewrite history."""
    lines = [
        f"GRANT USAGE ON SCHEMA public TO {role};",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role};",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role};",
    ]
    lines += [f"REVOKE UPDATE, DELETE, TRUNCATE ON {t} FROM {role};" for t in (tables or TABLES)]
    return "\n".join(lines)

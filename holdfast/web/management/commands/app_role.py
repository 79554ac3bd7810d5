"""holdfast app_role ROLE: print the SQL that gives the application's own database role what it needs
and no more — it owns nothing (so it cannot drop or disable triggers) and has no UPDATE, DELETE or
TRUNCATE on the append-only tables. Run the output as the owner after `migrate` (README)."""
from __future__ import annotations

import re

from django.core.management.base import BaseCommand, CommandError

from holdfast.kit.append_only import grants_sql


class Command(BaseCommand):
    help = "Print GRANT/REVOKE SQL for a restricted application role (PostgreSQL)."

    def add_arguments(self, parser):
        parser.add_argument("role", help="the role the web and worker processes connect as, e.g. holdfast_app")

    def handle(self, *args, role, **options):
        if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", role):
            raise CommandError("A role name is lower-case letters, digits and underscores.")
        self.stdout.write(f"-- as the owner of the holdfast database, after migrate:\nDO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN CREATE ROLE {role} LOGIN; END IF; END $$;")
        self.stdout.write(grants_sql(role))

"""holdfast doctor: run every registered invariant check; --repair applies the repairs checks offer."""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from holdfast.kit.doctor import REGISTRY
from holdfast.web.doctor_discovery import discover


class Command(BaseCommand):
    help = "Check every invariant of every seed on this database; exit 1 when one fails."

    def add_arguments(self, parser):
        parser.add_argument("--repair", action="store_true", help="apply the repairs that failing checks offer, then check again")
        parser.add_argument("--only", action="append", default=[], help="run only checks whose name starts with this (repeatable)")

    def handle(self, *args, repair=False, only=(), **options):
        discover()
        checks = [c for name, c in sorted(REGISTRY.items()) if not only or any(name.startswith(o) for o in only)]
        failing = 0
        for chk in checks:
            findings = chk.run()
            if findings and repair and chk.repair is not None:
                fixed = chk.repair(findings)
                self.stdout.write(f"  repaired {fixed} for {chk.name}")
                findings = chk.run()
            if findings:
                failing += 1
                self.stdout.write(self.style.ERROR(f"FAIL {chk.name}: {chk.description} ({len(findings)} finding(s))"))
                for finding in findings[:50]:
                    where = f"[tenant {finding.tenant_id}] " if finding.tenant_id else ""
                    self.stdout.write(f"     - {where}{finding.message}")
                if len(findings) > 50:
                    self.stdout.write(f"     … and {len(findings) - 50} more")
                if chk.repair is not None and not repair:
                    self.stdout.write("     (repairable: run `holdfast doctor --repair`)")
            else:
                self.stdout.write(self.style.SUCCESS(f"ok   {chk.name}: {chk.description}"))
        self.stdout.write(f"{len(checks)} check(s), {failing} failing")
        if failing:
            raise CommandError(f"{failing} invariant check(s) failed", returncode=1)

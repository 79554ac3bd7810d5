"""holdfast demo: load the demo businesses and print their logins."""
from __future__ import annotations

import sys

from django.core.management.base import BaseCommand
from tqdm import tqdm

from holdfast.web.demo_data import DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = "Create one demo business per vertical with a user in every role, and print the logins."

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true", help="no progress bar")

    def handle(self, *args, quiet=False, **options):
        progress = None if quiet else (lambda steps: tqdm(steps, unit="step", file=sys.stderr, ncols=80))
        logins = load_demo(progress)
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Demo logins (password for all: {DEMO_PASSWORD})"))
        width = max(len(b) for b, _, _ in logins)
        for business, role, email in logins:
            self.stdout.write(f"  {business:<{width}}  {role:<12} {email}")
        self.stdout.write("")

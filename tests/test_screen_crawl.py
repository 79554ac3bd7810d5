"""Every screen of the demo, and every form on it, answers without a 500 (DESIGN rule 10 for the web UI).

The demo businesses are loaded; an Admin of the estate and the hotel business and an estate customer
each crawl the pages they can reach from their home page (links on the same site), then submit every
POST form found: once as rendered (the values a person would send) and once with bad values in every
field (empty, far too long, wrong types, impossible dates). Refusals must be pages or redirects with a
message, never a server error. Screens added later are crawled without editing this file.
"""
from __future__ import annotations

import io
import re
from collections import Counter
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.core.management import call_command
from django.test import Client

from holdfast.core.accounts.models import User

SKIP_PREFIXES = ("/api/", "/admin/", "/static/", "/events/stream", "/logout", "/accounts/logout")
SKIP_FORM_ACTIONS = ("logout", "/password", "/tenant/delete", "/platform/")
MAX_PAGES = 250
PER_SHAPE = 3  # /customers/1/, /customers/2/, … : a few of each kind of page, so every kind is reached
BAD_VALUES = ["", "x" * 3000, "-1", "9999-99-99", "\x00", "1e999"]


class PageParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            self._form = {"method": (a.get("method") or "get").lower(), "action": a.get("action") or "", "fields": {}}
        elif self._form is not None and tag in ("input", "textarea") and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                self._form["fields"].setdefault(a["name"], None)
                return
            self._form["fields"][a["name"]] = a.get("value", "")
        elif self._form is not None and tag == "select" and a.get("name"):
            self._select = a["name"]
            self._form["fields"].setdefault(a["name"], "")
        elif self._form is not None and tag == "option" and self._select:
            if not self._form["fields"][self._select] or "selected" in a:
                self._form["fields"][self._select] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None
        elif tag == "select":
            self._select = None


def crawl(client: Client) -> tuple[list[str], list[tuple[str, dict]]]:
    """(pages visited, POST forms found as (action, fields)). Fails on any 5xx page."""
    queue, seen, forms, failures, shapes = ["/"], set(), {}, [], Counter()
    while queue and len(seen) < MAX_PAGES:
        path = queue.pop(0)
        shape = re.sub(r"\d+", "#", path.split("?")[0])
        if path in seen or shapes[shape] >= PER_SHAPE:
            continue
        seen.add(path)
        shapes[shape] += 1
        response = client.get(path, follow=True)
        if response.status_code >= 500:
            failures.append(f"GET {path} -> {response.status_code}")
            continue
        if "html" not in response.get("Content-Type", ""):
            continue
        page = response.redirect_chain[-1][0] if response.redirect_chain else path
        parser = PageParser()
        parser.feed(response.content.decode(errors="replace"))
        for href in parser.links:
            target = urlsplit(urljoin(page, href))
            if target.scheme or target.netloc or not target.path.startswith("/") or target.path.startswith(SKIP_PREFIXES):
                continue
            url = target.path + (f"?{target.query}" if target.query else "")
            if url not in seen:
                queue.append(url)
        for form in parser.forms:
            action = urlsplit(urljoin(page, form["action"] or page)).path
            if form["method"] == "post" and not any(skip in action for skip in SKIP_FORM_ACTIONS):
                forms.setdefault(re.sub(r"\d+", "#", action), (action, {k: v for k, v in form["fields"].items() if v is not None}))
    assert not failures, "\n".join(failures)
    return sorted(seen), sorted(forms.values())


@pytest.mark.django_db
@pytest.mark.parametrize(("email", "at_least"), [("admin@harbour-estates.demo", 30), ("admin@seaside-hotel.demo", 30), ("customer@harbour-estates.demo", 5)])
def test_every_screen_and_form_answers_without_a_server_error(email, at_least):
    call_command("demo", "--quiet", stdout=io.StringIO())
    client = Client(raise_request_exception=False)
    client.force_login(User.objects.get(email=email))
    pages, forms = crawl(client)
    assert len(pages) >= at_least, f"the crawl reached too few pages: {pages}"
    failures = []
    for action, fields in forms:
        tries = [fields] + [{name: bad for name in fields if name != "csrfmiddlewaretoken"} for bad in BAD_VALUES]
        for data in tries:
            response = client.post(action, data)
            if response.status_code >= 500:
                failures.append(f"POST {action} {str(data)[:120]} -> {response.status_code}")
    assert len(forms) >= 2, f"the crawl found too few forms: {forms}"
    assert not failures, f"{len(failures)} form posts failed:\n" + "\n".join(failures[:40])

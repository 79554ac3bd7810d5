"""Extension points other apps plug into billing without billing importing them.

The booking engine (or a vertical) registers a cancellation check so that a payment arriving for a
cancelled booking is kept and flagged for refund instead of being applied:

    from holdfast.core.billing.hooks import register_cancellation_check
    register_cancellation_check(lambda tenant, source, booking_id: ...)   # True when cancelled
"""
from __future__ import annotations

from collections.abc import Callable

CANCELLATION_CHECKS: list[Callable] = []


def register_cancellation_check(fn: Callable) -> Callable:
    if fn not in CANCELLATION_CHECKS:
        CANCELLATION_CHECKS.append(fn)
    return fn


def booking_is_cancelled(tenant, source: str, booking_id) -> bool:
    if booking_id is None:
        return False
    return any(check(tenant, source, booking_id) for check in CANCELLATION_CHECKS)


# A vertical names the staff behind its invoice lines (`staff_id` is the vertical's own id — a walker,
# an agent), so the business-wide finance screen can say who earned what:
#     register_staff_names(lambda tenant, ids: {walker.pk: walker.name for walker in ...})
STAFF_NAMERS: list[Callable] = []


def register_staff_names(fn: Callable) -> Callable:
    if fn not in STAFF_NAMERS:
        STAFF_NAMERS.append(fn)
    return fn


def staff_names(tenant, ids) -> dict:
    ids = {i for i in ids if i is not None}
    names: dict = {}
    for namer in STAFF_NAMERS:
        if ids - set(names):
            names.update(namer(tenant, ids - set(names)) or {})
    return names


# Where invoice items come from (issue 15 item 8): each vertical says, in its business's words, which of
# its steps create billable items (or that it invoices at once and why this screen stays empty), and how
# to reach the object an item came from. The "Items to invoice" screen shows the business's own:
#     register_item_origin(ItemOrigin(vertical="petcare", source="petcare.job", label="Completed job",
#                                     creates="Marking a job Completed ...", when_empty="Complete a job ...",
#                                     links=lambda tenant, items: {item.pk: (url, text)}))
class ItemOrigin:
    """One vertical's (or core's) account of its invoice items. `source` is the items' source code ("" when
    the vertical creates none that wait here); `links(tenant, items)` maps item ids to (url, link text)."""

    def __init__(self, *, vertical: str, label: str, creates: str, when_empty: str, source: str = "", links: Callable | None = None):
        self.vertical, self.source, self.label, self.creates, self.when_empty, self.links = vertical, source, label, creates, when_empty, links

    def __repr__(self) -> str:
        return f"ItemOrigin({self.vertical!r}, {self.source!r})"


ITEM_ORIGINS: list[ItemOrigin] = []


def links_to_booking_page(url_name: str, text: str) -> Callable:
    """`links` for an origin whose items open the vertical's page of their booking (keyed by the engine
    booking id, like apartments:booking and petcare:job)."""
    from django.urls import reverse

    def links(tenant, items) -> dict:
        return {item.pk: (reverse(url_name, args=[item.booking_id]), text) for item in items if item.booking_id}

    return links


def register_item_origin(origin: ItemOrigin) -> ItemOrigin:
    for i, known in enumerate(ITEM_ORIGINS):
        if (known.vertical, known.source) == (origin.vertical, origin.source):
            ITEM_ORIGINS[i] = origin  # re-registering (app reloads in tests) replaces
            return origin
    ITEM_ORIGINS.append(origin)
    return origin


def item_origins(verticals, waiting=None) -> list[ItemOrigin]:
    """The origins of a business's enabled verticals, then core's own (vertical "") for the sources no
    enabled vertical describes in its own words — with `waiting` (the sources of items now waiting),
    core's own only when some of its items wait, so a business is not told about steps it never uses."""
    wanted = set(verticals or [])
    own = [o for o in ITEM_ORIGINS if o.vertical in wanted]
    covered = {o.source for o in own if o.source}
    return own + [o for o in ITEM_ORIGINS if not o.vertical and o.source not in covered and (waiting is None or o.source in waiting)]


def item_links(tenant, items) -> dict:
    """{item id: (url, text)} for the items whose origin can name the object they came from."""
    by_source: dict[str, list] = {}
    for item in items:
        by_source.setdefault(item.source, []).append(item)
    links: dict = {}
    for origin in sorted(item_origins(tenant.enabled_verticals), key=lambda o: bool(o.vertical)):  # a vertical's links win over core's
        if origin.links and origin.source in by_source:
            links.update(origin.links(tenant, by_source[origin.source]) or {})
    return links

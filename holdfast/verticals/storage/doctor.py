"""Seed 002 consistency risks, checked on a live database (`holdfast doctor`). Slot counters against
their holds are the engine's check (inventory.capacity_counters, with --repair recounting them)."""
from __future__ import annotations

from django.db.models import Count, F, Sum

from holdfast.core.billing.models import PriceQuote
from holdfast.core.bookings.models import BookingStatusHistory
from holdfast.core.inventory.models import Hold
from holdfast.kit.doctor import Finding, check

from .models import CANCELLED, CONFIRMED, EXPIRED, HELD, SOURCE, StorageBooking

HOLD_OF_STATUS = {HELD: [Hold.ACTIVE], CONFIRMED: [Hold.CONVERTED], CANCELLED: [Hold.RELEASED], EXPIRED: [Hold.EXPIRED]}


@check("storage.booking_agrees_with_engine", "Each storage booking is a storage-flow engine booking of its facility's pool, customer and tenant")
def booking_agrees_with_engine():
    bad = StorageBooking.objects.exclude(booking__pool_id=F("facility__pool_id")) | StorageBooking.objects.exclude(booking__customer_id=F("customer_id")) \
        | StorageBooking.objects.exclude(booking__tenant_id=F("tenant_id")) | StorageBooking.objects.exclude(booking__flow="storage")
    return [Finding(f"storage booking {b.pk} disagrees with its engine booking", tenant_id=b.tenant_id) for b in bad.distinct()]


@check("storage.hold_follows_status", "A HELD booking has a live hold, a CONFIRMED one a converted hold, an ended one a released or expired hold")
def hold_follows_status():
    findings = []
    for pk, tenant_id, status, hold_status in StorageBooking.objects.values_list("pk", "tenant_id", "booking__status", "booking__hold__status"):
        if status in HOLD_OF_STATUS and hold_status not in HOLD_OF_STATUS[status] and not (status == CANCELLED and hold_status == Hold.RELEASED):
            findings.append(Finding(f"storage booking {pk} is {status} but its hold is {hold_status}", tenant_id=tenant_id))
    return findings


@check("storage.price_aggregates", "A booking's price totals equal the sum of its pricing rows; a confirmed booking's price is locked")
def price_aggregates():
    findings = []
    quotes = PriceQuote.objects.filter(source=SOURCE).annotate(lines_sub=Sum("lines__amount_minor"), lines_tax=Sum("lines__tax_minor"))
    for q in quotes:
        if (q.lines_sub or 0) != q.subtotal_minor or (q.lines_tax or 0) != q.tax_minor:
            findings.append(Finding(f"price of booking {q.booking_id}: totals {q.subtotal_minor}/{q.tax_minor}, rows say {q.lines_sub or 0}/{q.lines_tax or 0}", tenant_id=q.tenant_id))
    locked = dict(PriceQuote.objects.filter(source=SOURCE).values_list("booking_id", "locked"))
    for pk, tenant_id in StorageBooking.objects.filter(booking__status=CONFIRMED).values_list("pk", "tenant_id"):
        if not locked.get(pk):
            findings.append(Finding(f"confirmed storage booking {pk} has no locked price snapshot", tenant_id=tenant_id))
    return findings


@check("storage.history_complete", "Every storage booking's status changes are in its history, ending at its status")
def history_complete():
    findings = []
    last = {}
    for booking_id, to_status in BookingStatusHistory.objects.filter(booking__flow="storage").order_by("booking_id", "id").values_list("booking_id", "to_status"):
        last[booking_id] = to_status
    counts = dict(BookingStatusHistory.objects.filter(booking__flow="storage").values("booking_id").annotate(n=Count("id")).values_list("booking_id", "n"))
    for pk, tenant_id, status in StorageBooking.objects.values_list("pk", "tenant_id", "booking__status"):
        if last.get(pk) != status or counts.get(pk, 0) < 2:
            findings.append(Finding(f"storage booking {pk} is {status} but its history ends at {last.get(pk)!r}", tenant_id=tenant_id))
    return findings

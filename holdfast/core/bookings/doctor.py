"""Engine invariants of bookings: history consistent with status, status consistent with the hold."""
from __future__ import annotations

from collections import defaultdict

from holdfast.core.inventory.models import Hold
from holdfast.kit.doctor import Finding, check

from .flows import get_flow
from .models import Booking, BookingStatusHistory


@check("bookings.history_consistent", "Every booking's status history is an unbroken chain of its flow's transitions ending in its status")
def history_consistent():
    chains: dict[int, list] = defaultdict(list)
    for row in BookingStatusHistory.objects.order_by("booking_id", "id").values_list("booking_id", "from_status", "to_status"):
        chains[row[0]].append(row[1:])
    findings = []
    for booking in Booking.objects.values("id", "tenant_id", "flow", "status").iterator():
        chain = chains.get(booking["id"], [])
        spec = get_flow(booking["flow"])
        problem = None
        if not chain:
            problem = "has no status history"
        elif chain[-1][1] != booking["status"]:
            problem = f"is {booking['status']} but its history ends in {chain[-1][1]}"
        else:
            previous = ""
            for frm, to in chain:
                if frm != previous:
                    problem = f"history jumps from {previous or 'nothing'} to a change from {frm}"
                    break
                if spec is not None and (frm, to) not in spec.reachable():
                    problem = f"history has {frm or 'creation'} -> {to}, which flow {spec.name} does not allow"
                    break
                previous = to
        if problem:
            findings.append(Finding(f"booking {booking['id']} {problem}", tenant_id=booking["tenant_id"]))
    return findings


@check("bookings.hold_matches_status", "A booking holds inventory exactly while its flow says it should")
def hold_matches_status():
    findings = []
    for booking in Booking.objects.filter(hold__isnull=False).select_related("hold").iterator():
        spec = get_flow(booking.flow)
        if spec is None:
            findings.append(Finding(f"booking {booking.pk} uses unknown flow {booking.flow}", tenant_id=booking.tenant_id))
            continue
        if booking.status in spec.holding:
            wanted = {Hold.ACTIVE}
        elif booking.status in spec.booked:
            wanted = {Hold.CONVERTED}
        else:
            wanted = {Hold.RELEASED, Hold.EXPIRED}
        if booking.hold.status not in wanted:
            findings.append(Finding(f"booking {booking.pk} is {booking.status} but its hold is {booking.hold.status}", tenant_id=booking.tenant_id))
    return findings


@check("bookings.exclusive_key_matches_flow", "A booking carries its resource's exclusive key exactly while its flow's exclusive states say so")
def exclusive_key_matches_flow():
    findings = []
    flows_with_keys = [name for name in Booking.objects.values_list("flow", flat=True).distinct() if get_flow(name) and get_flow(name).exclusive]
    suspects = Booking.objects.filter(exclusive_key__isnull=False) | Booking.objects.filter(flow__in=flows_with_keys)
    for booking in suspects.only("id", "tenant_id", "flow", "status", "resource_id", "exclusive_key").iterator():
        spec = get_flow(booking.flow)
        wanted = spec.exclusive_key(booking) if spec else None
        if booking.exclusive_key != wanted:
            findings.append(Finding(f"booking {booking.pk} ({booking.status}) has exclusive key {booking.exclusive_key!r}, its flow says {wanted!r}", tenant_id=booking.tenant_id))
    return findings

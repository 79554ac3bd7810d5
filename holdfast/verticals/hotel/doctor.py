"""Hotel invariants for `holdfast doctor`: read models equal a recomputation; rooms' flags agree; folio totals."""
from __future__ import annotations

from holdfast.kit.doctor import Finding, check, repair

from .models import Property, Reservation, Room
from .services.readmodels import drift, rebuild_read_models


@check("hotel.read_models", "Calendar segments and daily occupancy equal a recomputation from reservations and blocks")
def read_models():
    findings = []
    for prop in Property.objects.select_related("site"):
        problems = drift(prop)
        if problems:
            findings.append(Finding(f"property {prop.pk}: {len(problems)} read-model rows differ, e.g. {problems[0]}", tenant_id=prop.tenant_id, data={"property_id": prop.pk}))
    return findings


@repair("hotel.read_models")
def rebuild(findings):
    done = 0
    for f in findings:
        prop = Property.objects.select_related("tenant").get(pk=f.data["property_id"])
        rebuild_read_models(tenant=prop.tenant, property_id=prop.pk)
        done += 1
    return done


@check("hotel.reservation_room_claims", "Active reservations with a room hold a live claim on exactly that room; others hold none")
def reservation_room_claims():
    findings = []
    qs = Reservation.objects.select_related("hold", "room").filter(status__in=Reservation.ACTIVE)
    for res in qs.iterator():
        claimed = ("ACTIVE", "CONVERTED") if res.status == Reservation.HOLD else ("CONVERTED",)  # a HOLD claims through a live engine hold (CONVERTED: booked before expiry existed)
        if res.room_id and (res.hold is None or res.hold.status not in claimed or not res.hold.blocks.filter(active=True, resource_id=res.room.resource_id).exists()):
            findings.append(Finding(f"reservation {res.pk} has room {res.room_id} without a live claim on it", tenant_id=res.tenant_id))
        # A roomless reservation may keep a hold whose only claim is its expiry (converted on confirm): no blocks.
        if not res.room_id and res.hold_id and res.hold.status in ("ACTIVE", "CONVERTED") and res.hold.blocks.filter(active=True).exists():
            findings.append(Finding(f"reservation {res.pk} has no room but still holds blocks", tenant_id=res.tenant_id))
    for res in Reservation.objects.select_related("hold").filter(status__in=[Reservation.CANCELLED, Reservation.NO_SHOW], hold__status__in=["CONVERTED", "ACTIVE"]):
        findings.append(Finding(f"reservation {res.pk} is {res.status} but still holds its room", tenant_id=res.tenant_id))
    return findings


@check("hotel.room_in_house", "A room is OCCUPIED exactly when a guest is checked in to it")
def room_in_house():
    findings = []
    in_house = set(Reservation.objects.filter(status=Reservation.CHECKED_IN, room__isnull=False).values_list("room_id", flat=True))
    for room in Room.objects.values("id", "tenant_id", "status"):
        occupied = room["status"] == Room.OCCUPIED
        if occupied != (room["id"] in in_house):
            findings.append(Finding(f"room {room['id']} is {room['status']} but {'has' if room['id'] in in_house else 'has no'} guest in house", tenant_id=room["tenant_id"]))
    return findings

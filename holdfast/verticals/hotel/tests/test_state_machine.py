"""Random front-desk days: book (with or without a room, held or confirmed), assign and move rooms,
extend and shorten stays, confirm, cancel, check in and out, take payments, block rooms and take them
out of order — in any order. After every step every hotel, engine and billing invariant holds (the
doctor's checks): no overlapping room blocks, claims where the reservation says, read models equal to
a recomputation, occupied rooms exactly where guests are, folios that add up. Refusals are fine; a
refused step must change nothing the checks could see. Runs on PostgreSQL and SQLite."""
from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from holdfast.core.billing import doctor as billing_doctor
from holdfast.core.bookings import doctor as booking_doctor
from holdfast.core.inventory import doctor as inventory_doctor
from holdfast.kit.errors import DomainError
from holdfast.verticals.hotel import doctor as hotel_doctor
from holdfast.verticals.hotel import services
from holdfast.verticals.hotel.models import Reservation, Room

from .factories import hotel, today

CHECKS = [
    inventory_doctor.no_overlapping_blocks,
    inventory_doctor.hold_blocks_consistent,
    booking_doctor.history_consistent,
    booking_doctor.hold_matches_status,
    booking_doctor.exclusive_key_matches_flow,
    hotel_doctor.read_models,
    hotel_doctor.reservation_room_claims,
    hotel_doctor.room_in_house,
    billing_doctor.ledger_balances,
    billing_doctor.desk_money_on_ledger,
]
ROOMS = ["101", "102", "201", "202"]


class FrontDesk(RuleBasedStateMachine):
    world: dict = {}

    def __init__(self):
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.tenant, self.actor = self.world["tenant"], self.world["actor"]
        self.h = hotel(self.tenant)
        self.ids: list[int] = []

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    def _try(self, step, **kw):
        try:
            return step(tenant=self.tenant, actor=self.actor, **kw)
        except DomainError:
            return None  # a refusal; the invariants below show it changed nothing

    def _res(self, index) -> int | None:
        return self.ids[index % len(self.ids)] if self.ids else None

    # ---------------------------------------------------------------- rules

    @rule(start=st.integers(0, 5), nights=st.integers(1, 4), room=st.sampled_from([None, *ROOMS]), held=st.booleans())
    def book(self, start, nights, room, held):
        room_obj = self.h.rooms[room] if room else None
        room_type = room_obj.room_type if room_obj else self.h.dbl
        res = self._try(services.create_reservation, property_id=self.h.property.pk, room_type_id=room_type.pk, check_in_date=today() + dt.timedelta(days=start),
                        check_out_date=today() + dt.timedelta(days=start + nights), adults=1, guest={"first_name": "Random", "last_name": f"Guest {len(self.ids)}"},
                        room_id=room_obj.pk if room_obj else None, status=Reservation.HOLD if held else Reservation.CONFIRMED)
        if res is not None:
            self.ids.append(res.pk)

    @rule(index=st.integers(0, 20), room=st.sampled_from(ROOMS))
    def assign_or_move(self, index, room):
        if (rid := self._res(index)) is not None:
            self._try(services.assign_room, reservation_id=rid, room_id=self.h.rooms[room].pk)

    @rule(index=st.integers(0, 20), shift_in=st.integers(-1, 2), shift_out=st.integers(-2, 3))
    def resize(self, index, shift_in, shift_out):
        if (rid := self._res(index)) is not None:
            res = Reservation.objects.get(pk=rid)
            self._try(services.resize_reservation, reservation_id=rid, check_in_date=res.check_in_date + dt.timedelta(days=shift_in),
                      check_out_date=res.check_out_date + dt.timedelta(days=shift_out))

    @rule(index=st.integers(0, 20), step=st.sampled_from(["confirm", "cancel", "check_in", "check_out"]))
    def desk_step(self, index, step):
        if (rid := self._res(index)) is None:
            return
        if step == "confirm":
            self._try(services.confirm_reservation, reservation_id=rid)
        elif step == "cancel":
            self._try(services.cancel_reservation, reservation_id=rid, reason="random")
        elif step == "check_in":
            self._try(services.check_in, reservation_id=rid)
        else:
            self._try(services.check_out, reservation_id=rid, allow_balance=True)

    @rule(index=st.integers(0, 20), cents=st.integers(1, 30_000))
    def take_payment(self, index, cents):
        if (rid := self._res(index)) is not None:
            self._try(services.record_folio_payment, reservation_id=rid, amount_cents=cents, method="CARD")

    @rule(room=st.sampled_from(ROOMS), start=st.integers(0, 6), nights=st.integers(1, 3))
    def block_room(self, room, start, nights):
        self._try(services.add_room_block, room_id=self.h.rooms[room].pk, start_date=today() + dt.timedelta(days=start), end_date=today() + dt.timedelta(days=start + nights),
                  reason="random works")

    @rule(room=st.sampled_from(ROOMS), status=st.sampled_from([Room.OUT_OF_ORDER, Room.VACANT_CLEAN, Room.VACANT_DIRTY]))
    def housekeeping(self, room, status):
        self._try(services.set_room_status, room_id=self.h.rooms[room].pk, status=status, reason="random")

    # ---------------------------------------------------------------- invariants

    @invariant()
    def every_invariant_holds(self):
        for check in CHECKS:
            findings = check()
            assert not findings, f"{check.__name__}: {[f.message for f in findings]}"


@pytest.mark.django_db
def test_random_front_desk_days_keep_every_invariant(tenant, owner):
    FrontDesk.world = {"tenant": tenant, "actor": owner}
    run_state_machine_as_test(FrontDesk, settings=settings(max_examples=12, stateful_step_count=25, deadline=None, suppress_health_check=list(HealthCheck)))

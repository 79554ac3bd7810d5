"""Random sequences of hold / approve / confirm / cancel / expire / sweep / release, checking every engine
invariant (the doctor checks) after each step. Runs on PostgreSQL and SQLite."""
from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from holdfast.core.bookings import doctor as booking_doctor
from holdfast.core.bookings import services as bookings
from holdfast.core.bookings.flows import GENERIC
from holdfast.core.bookings.models import Booking
from holdfast.core.inventory import doctor as inventory_doctor
from holdfast.core.inventory import selectors
from holdfast.core.inventory import services as inventory
from holdfast.core.inventory.models import Block, Hold
from holdfast.core.inventory.tests.factories import CapacityPoolFactory, ResourceFactory, SiteFactory
from holdfast.kit.errors import Conflict

T0 = dt.datetime(2031, 1, 1, 14, 0, tzinfo=dt.UTC)
D0 = dt.date(2031, 1, 1)

CHECKS = [
    inventory_doctor.no_overlapping_blocks,
    inventory_doctor.capacity_counters,
    inventory_doctor.hold_blocks_consistent,
    booking_doctor.history_consistent,
    booking_doctor.hold_matches_status,
]


class EngineMachine(RuleBasedStateMachine):
    world: dict = {}

    def __init__(self):
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        w = self.world
        self.tenant, self.actor = w["tenant"], w["actor"]
        site = SiteFactory(tenant=self.tenant)
        self.rooms = [ResourceFactory(site=site) for _ in range(2)]
        self.pool = CapacityPoolFactory(site=site, default_capacity=5)
        self.booking_ids: list[int] = []
        self.free_hold_ids: list[int] = []

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # ---------------------------------------------------------------- rules

    @initialize(qty=st.integers(1, 5), room=st.integers(0, 1))
    def start_with_one_booking_of_each_kind(self, qty, room):
        self.hold_room(room, 0, 2)
        self.hold_capacity(qty, 0, 2)

    @rule(room=st.integers(0, 1), day=st.integers(0, 6), nights=st.integers(1, 3))
    def hold_room(self, room, day, nights):
        start, end = T0 + dt.timedelta(days=day), T0 + dt.timedelta(days=day + nights)
        free = selectors.is_resource_free(self.tenant, self.rooms[room].pk, start, end)
        try:
            booking = bookings.create_booking(tenant=self.tenant, actor=self.actor, resource_id=self.rooms[room].pk, starts_at=start, ends_at=end)
        except Conflict as exc:
            assert not free, f"refused ({exc.code}) although the room was free"
        else:
            assert free, "a hold was placed on a room that was taken"
            self.booking_ids.append(booking.pk)

    @rule(qty=st.integers(1, 4), day=st.integers(0, 4), nights=st.integers(1, 3))
    def hold_capacity(self, qty, day, nights):
        start, end = D0 + dt.timedelta(days=day), D0 + dt.timedelta(days=day + nights)
        fits = all(d["fits"] for d in selectors.remaining_capacity(self.tenant, self.pool.pk, start, end, quantity=qty))
        try:
            booking = bookings.create_booking(tenant=self.tenant, actor=self.actor, pool_id=self.pool.pk, quantity=qty, start_date=start, end_date=end)
        except Conflict:
            assert not fits, "refused although the capacity was there"
        else:
            assert fits, "capacity was oversold"
            self.booking_ids.append(booking.pk)

    def _move(self, pick: int, name: str):
        if not self.booking_ids:
            return
        # Mostly recent bookings, so lifecycles get long enough to reach every state.
        booking = Booking.objects.select_related("hold").get(pk=self.booking_ids[-1 - pick % min(3, len(self.booking_ids))])
        legal = booking.status in GENERIC.by_name[name].sources
        expired = booking.hold is not None and booking.hold.is_expired()
        try:
            moved = bookings.transition(tenant=self.tenant, actor=self.actor, booking_id=booking.pk, name=name)
        except Conflict as exc:
            assert (not legal and exc.code == "illegal_transition") or (legal and expired and exc.code == "hold_expired"), exc.code
            assert Booking.objects.get(pk=booking.pk).version == booking.version
        else:
            assert legal and moved.status == GENERIC.by_name[name].target

    @rule(pick=st.integers(0, 2))
    def approve(self, pick):
        self._move(pick, "approve")

    @rule(pick=st.integers(0, 2))
    def confirm(self, pick):
        self._move(pick, "confirm")

    @rule(pick=st.integers(0, 2))
    def cancel(self, pick):
        self._move(pick, "cancel")

    @rule(data=st.data())
    def time_passes_for_a_hold(self, data):
        live = list(Hold.objects.filter(tenant=self.tenant, status=Hold.ACTIVE).values_list("pk", flat=True))
        if not live:
            return
        pk = data.draw(st.sampled_from(sorted(live)))
        past = timezone.now() - dt.timedelta(seconds=1)
        Hold.objects.filter(pk=pk).update(expires_at=past)
        Block.objects.filter(hold_id=pk).update(expires_at=past)

    @rule()
    def sweep(self):
        inventory.expire_due_holds()
        assert not Hold.objects.filter(status=Hold.ACTIVE, expires_at__lte=timezone.now()).exists()

    @rule(qty=st.integers(1, 3), day=st.integers(0, 4))
    def standalone_hold(self, qty, day):
        try:
            hold = inventory.place_hold(tenant=self.tenant, actor=self.actor, pool_id=self.pool.pk, quantity=qty, start_date=D0 + dt.timedelta(days=day), end_date=D0 + dt.timedelta(days=day + 2))
        except Conflict:
            return
        self.free_hold_ids.append(hold.pk)

    @rule(data=st.data())
    def release(self, data):
        if not self.free_hold_ids:
            return
        pk = data.draw(st.sampled_from(self.free_hold_ids))
        inventory.release_hold(tenant=self.tenant, actor=self.actor, hold_id=pk)
        assert Hold.objects.get(pk=pk).status in (Hold.RELEASED, Hold.EXPIRED)

    # ---------------------------------------------------------------- invariants

    @invariant()
    def engine_invariants_hold(self):
        for check in CHECKS:
            findings = check()
            assert not findings, f"{check.__name__}: {[f.message for f in findings]}"


@pytest.mark.django_db
def test_random_engine_sequences_keep_every_invariant(tenant, owner):
    EngineMachine.world = {"tenant": tenant, "actor": owner}
    run_state_machine_as_test(
        EngineMachine,
        settings=settings(max_examples=15, stateful_step_count=30, deadline=None, suppress_health_check=list(HealthCheck)),
    )

"""`make soak`: crash proof (issue 14 deliverable 2). Not part of `make test`; bounded in time, loopback only.

Starts the product on a fresh PostgreSQL database `<DATABASE_URL name>_soak` with gunicorn (as
scripts/serve runs it) and one `holdfast worker`, drives mixed API load from client threads (holds
placed, extended, moved and released on the engine; hotel reservations; billing payments) and, in
rounds, `kill -9`s the web processes, the worker or both at a random moment and restarts them. A local
webhook receiver counts deliveries and verifies their signatures; for SOAK_OUTAGE_SECONDS in the middle
it stops listening (a receiver outage) and comes back.

Every write carries an Idempotency-Key and a client retries it with the same key until it gets an
answer (a dead server, a 5xx, a 409 idempotency_in_progress are retried), as an integrator would. So
each write ends acknowledged (2xx) or refused (4xx), and the checks are exact:

- lost: an acknowledged write whose effect is not in the database (a hold, its extension count, its
  room after a move, its release; a reservation; a payment);
- violations: a write applied twice (a payment reference stored twice, more extensions than
  acknowledged), overlapping blocks (a double sale), a failing doctor check, a webhook with a bad
  signature;
- lost events: an outbox event the endpoint should get that the receiver never received.

Prints rounds, writes, lost, violations, events and writes bench/results/soak-<UTC timestamp>.json.
Exit status 1 when anything was lost or violated. SOAK_ROUNDS (10), SOAK_ROUND_SECONDS (6),
SOAK_CLIENTS (6), SOAK_OUTAGE_SECONDS (60), SOAK_DRAIN_SECONDS (300) tune it.
"""
from __future__ import annotations

import datetime as dt
import http.client
import http.server
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

from . import setup_db

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
ROUNDS = int(os.environ.get("SOAK_ROUNDS", "10"))
ROUND_SECONDS = float(os.environ.get("SOAK_ROUND_SECONDS", "6"))
CLIENTS = int(os.environ.get("SOAK_CLIENTS", "6"))
OUTAGE_SECONDS = float(os.environ.get("SOAK_OUTAGE_SECONDS", "60"))
DRAIN_SECONDS = float(os.environ.get("SOAK_DRAIN_SECONDS", "300"))
RETRY_FOR_SECONDS = 120  # a client gives a write up after this long without an answer (counted, never expected)
RESOURCES, ROOMS = 30, 12
BASE_DAY = dt.datetime(2034, 1, 1, 14, 0, tzinfo=dt.UTC)


def soak_url(base_url: str) -> str:
    return setup_db.bench_url(base_url).removesuffix("_bench") + "_soak"


# --- the webhook receiver -------------------------------------------------------------------------

class Receiver:
    """A loopback HTTP server that verifies each delivery's signature and records the event ids it got.
    `outage()` closes the listening socket (connections are refused) until `restore()`."""

    def __init__(self, secret: str = ""):
        self.secret = secret
        self.lock = threading.Lock()
        self.received: dict[int, int] = {}  # event id -> deliveries (at least once: a retry may repeat one)
        self.bad_signatures = 0
        self.requests = 0
        self.port = None
        self.server = None

    def handler(self):
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                from holdfast.core.events.dispatcher import verify_signature

                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                ok = verify_signature(receiver.secret, body, self.headers.get("X-Holdfast-Signature", ""))
                with receiver.lock:
                    receiver.requests += 1
                    if not ok:
                        receiver.bad_signatures += 1
                    else:
                        event_id = int(json.loads(body)["id"])
                        receiver.received[event_id] = receiver.received.get(event_id, 0) + 1
                self.send_response(204 if ok else 401)
                self.end_headers()

            def log_message(self, *args):  # quiet
                pass

        return Handler

    def start(self, port: int = 0) -> int:
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port or self.port or 0), self.handler())
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self.port

    def outage(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def restore(self) -> None:
        self.start(self.port)


# --- processes ------------------------------------------------------------------------------------

class Product:
    """gunicorn and the worker, each in its own process group so kill -9 takes every process of it."""

    def __init__(self, env: dict, port: int):
        self.env, self.port = env, port
        self.web = self.worker = None
        self.log = open(HERE / "results" / "soak-processes.log", "w")  # noqa: SIM115 - lives as long as the run

    def start_web(self) -> None:
        self.web = subprocess.Popen(
            [str(ROOT / ".venv/bin/gunicorn"), "holdfast.config.wsgi:application", "--bind", f"127.0.0.1:{self.port}", "--worker-class", "gthread",
             "--workers", "2", "--threads", "8", "--backlog", "2048", "--timeout", "60", "--log-level", "warning"],
            env=self.env, cwd=ROOT, start_new_session=True, stdout=self.log, stderr=self.log)

    def start_worker(self) -> None:
        self.worker = subprocess.Popen([str(ROOT / ".venv/bin/holdfast"), "worker", "--interval", "0.2"], env=self.env, cwd=ROOT,
                                       start_new_session=True, stdout=self.log, stderr=self.log)

    @staticmethod
    def kill(proc) -> None:
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=30)

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/")
                conn.getresponse().read()
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not come up")

    def stop(self) -> None:
        self.kill(self.web)
        self.kill(self.worker)
        self.log.close()


# --- the clients ----------------------------------------------------------------------------------

class Ledger:
    """What the clients were told: acknowledged writes (facts to find in the database) and counts."""

    def __init__(self):
        self.lock = threading.Lock()
        self.facts: list[dict] = []
        self.writes = 0
        self.refused = 0
        self.retries = 0
        self.unanswered = 0
        self.server_errors = 0
        self.refusals: dict[str, int] = {}  # "409:resource_unavailable" -> count: what the refused writes were

    def add(self, **fact) -> None:
        with self.lock:
            self.facts.append(fact)

    def count(self, name: str, n: int = 1) -> None:
        with self.lock:
            setattr(self, name, getattr(self, name) + n)


def send(port: int, token: str, path: str, body: dict, ledger: Ledger, stop_by: float):
    """POST with one Idempotency-Key until the server answers below 500 (not `in progress`): (status, json)."""
    key = str(uuid.uuid4())
    raw = json.dumps(body)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json", "Idempotency-Key": key}
    deadline = time.monotonic() + RETRY_FOR_SECONDS
    first = True
    while time.monotonic() < deadline:
        if not first:
            ledger.count("retries")
            time.sleep(0.3)
        first = False
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("POST", path, body=raw, headers=headers)
            response = conn.getresponse()
            status, payload = response.status, response.read()
            conn.close()
        except (OSError, http.client.HTTPException):
            continue  # the server died or is restarting: retry with the same key
        data = json.loads(payload) if payload else {}
        if status >= 500:
            ledger.count("server_errors")
            continue
        if status == 409 and data.get("code") == "idempotency_in_progress":
            continue
        ledger.count("writes" if status < 300 else "refused")
        if status >= 300:
            with ledger.lock:
                label = f"{status}:{data.get('code')}"
                ledger.refusals[label] = ledger.refusals.get(label, 0) + 1
        return status, data
    ledger.count("unanswered")
    return None, {}


def random_period(rng: random.Random):
    start = BASE_DAY + dt.timedelta(days=rng.randrange(120))
    return start, start + dt.timedelta(days=rng.randint(1, 4))


def client_loop(world: dict, ledger: Ledger, stop: threading.Event, seed: int) -> None:
    rng = random.Random(seed)
    port, token = world["port"], world["token"]
    n = 0
    while not stop.is_set():
        n += 1
        kind = rng.choices(["hold", "reservation", "payment"], weights=[6, 2, 2])[0]
        if kind == "hold":
            resource = rng.choice(world["resources"])
            starts, ends = random_period(rng)
            status, data = send(port, token, "/api/v1/inventory/holds", {"resource_ids": [resource], "starts_at": starts.isoformat(), "ends_at": ends.isoformat()}, ledger, 0)
            if status != 201:
                continue
            fact = {"kind": "hold", "id": data["id"], "resource": resource, "extensions": 0, "released": False}
            ledger.add(**{**fact})  # the hold itself, even if a later step of its chain is never answered
            for _ in range(rng.randint(0, 2)):
                status, data = send(port, token, f"/api/v1/inventory/holds/{fact['id']}/extend", {"minutes": 10}, ledger, 0)
                if status == 200:
                    fact["extensions"] += 1
            if rng.random() < 0.5:
                target = rng.choice(world["resources"])
                status, data = send(port, token, f"/api/v1/inventory/holds/{fact['id']}/move", {"resource_ids": [target]}, ledger, 0)
                if status == 200:
                    fact["resource"] = target
            if rng.random() < 0.5:
                status, data = send(port, token, f"/api/v1/inventory/holds/{fact['id']}/release", {"reason": "soak"}, ledger, 0)
                if status == 200:
                    fact["released"] = True
            ledger.add(**fact, final=True)
        elif kind == "reservation":
            check_in = world["today"] + dt.timedelta(days=1 + rng.randrange(90))
            nights = rng.randint(1, 3)
            status, data = send(port, token, "/api/v1/hotel/reservations", {
                "property_id": world["property_id"], "room_type_id": world["room_type_id"], "room_id": rng.choice(world["rooms"]),
                "check_in_date": check_in.isoformat(), "check_out_date": (check_in + dt.timedelta(days=nights)).isoformat(),
                "adults": 2, "guest": {"first_name": "Soak", "last_name": f"Guest {seed}-{n}"}}, ledger, 0)
            if status == 201:
                ledger.add(kind="reservation", id=data["id"], check_in=check_in.isoformat())
        else:
            reference = f"soak-{seed}-{n}"
            amount = rng.randint(100, 50_000)
            status, data = send(port, token, "/api/v1/billing/payments", {"customer_id": world["customer_id"], "amount_minor": amount, "method": "CASH",
                                                                          "currency": "EUR", "reference": reference}, ledger, 0)
            if status == 201:
                ledger.add(kind="payment", id=data["id"], reference=reference, amount=amount)


# --- the checks -----------------------------------------------------------------------------------

def check_facts(tenant, facts: list[dict]) -> tuple[list[str], list[str]]:
    """(lost, violations) for the acknowledged writes: each must be in the database exactly once."""
    from django.db.models import Count

    from holdfast.core.billing.models import Payment
    from holdfast.core.inventory.models import Block, Hold
    from holdfast.verticals.hotel.models import Reservation

    lost, violations = [], []
    holds = {h.pk: h for h in Hold.objects.filter(tenant=tenant)}
    live_blocks = {}
    for block in Block.objects.filter(tenant=tenant, hold_id__isnull=False, active=True):
        live_blocks.setdefault(block.hold_id, []).append(block.resource_id)
    finals = {f["id"]: f for f in facts if f["kind"] == "hold" and f.get("final")}
    for fact in facts:
        if fact["kind"] != "hold" or fact.get("final"):
            continue
        hold = holds.get(fact["id"])
        if hold is None:
            lost.append(f"hold {fact['id']} was acknowledged but is not stored")
            continue
        final = finals.get(fact["id"])
        if final is None:
            continue  # its chain never finished (a write given up): only its existence is known
        if hold.extensions != final["extensions"]:
            (lost if hold.extensions < final["extensions"] else violations).append(
                f"hold {hold.pk} has {hold.extensions} extensions, {final['extensions']} acknowledged")
        if final["released"]:
            if hold.status != "RELEASED" or hold.pk in live_blocks:
                lost.append(f"hold {hold.pk} was released (acknowledged) but reads {hold.status} with live blocks {live_blocks.get(hold.pk)}")
        elif hold.status == "ACTIVE" and live_blocks.get(hold.pk) != [final["resource"]]:
            lost.append(f"hold {hold.pk} should block resource {final['resource']}, blocks {live_blocks.get(hold.pk)}")
    reservation_ids = set(Reservation.objects.filter(tenant=tenant).values_list("pk", flat=True))
    for fact in facts:
        if fact["kind"] == "reservation" and fact["id"] not in reservation_ids:
            lost.append(f"reservation {fact['id']} was acknowledged but is not stored")
    payments = {p.pk: p for p in Payment.objects.filter(tenant=tenant, reference__startswith="soak-")}
    for fact in facts:
        if fact["kind"] != "payment":
            continue
        payment = payments.get(fact["id"])
        if payment is None:
            lost.append(f"payment {fact['id']} ({fact['reference']}) was acknowledged but is not stored")
        elif payment.amount_minor != fact["amount"] or payment.reference != fact["reference"]:
            violations.append(f"payment {payment.pk} stored {payment.amount_minor} {payment.reference}, acknowledged {fact['amount']} {fact['reference']}")
    for row in Payment.objects.filter(tenant=tenant, reference__startswith="soak-").values("reference").annotate(n=Count("id")).filter(n__gt=1):
        violations.append(f"payment {row['reference']} stored {row['n']} times (one request)")
    return lost, violations


def run_doctor() -> list[str]:
    from holdfast.kit.doctor import REGISTRY
    from holdfast.web.doctor_discovery import discover

    discover()
    failing = []
    for name, chk in sorted(REGISTRY.items()):
        findings = chk.run()
        if findings:
            failing.append(f"doctor {name}: {len(findings)} finding(s), e.g. {findings[0].message}")
    return failing


def expected_events(tenant, endpoint) -> set[int]:
    from holdfast.core.events.dispatcher import endpoint_wants
    from holdfast.core.events.models import OutboxEvent

    return {e.pk for e in OutboxEvent.objects.filter(tenant=tenant, occurred_at__gte=endpoint.created_at) if endpoint_wants(endpoint, e)}


def retried_deliveries(endpoint) -> int:
    """Deliveries that needed more than one attempt (the outage, a worker killed mid-call): the retry path was used."""
    from holdfast.core.events.models import WebhookDelivery

    return WebhookDelivery.objects.filter(endpoint=endpoint, attempts__gt=1).count()


def undelivered(tenant, endpoint) -> tuple[int, int]:
    """(events not yet fanned out, deliveries not yet delivered) for this tenant."""
    from holdfast.core.events.models import OutboxEvent, WebhookDelivery

    pending_events = OutboxEvent.objects.filter(tenant=tenant, processed_at__isnull=True).count()
    pending = WebhookDelivery.objects.filter(endpoint=endpoint).exclude(state=WebhookDelivery.DELIVERED).count()
    return pending_events, pending


# --- the run --------------------------------------------------------------------------------------

def seed(user_tenant_token):
    from holdfast.core.events.services import create_webhook_endpoint

    from . import verticals

    tenant, user, token = user_tenant_token
    _, resources = setup_db.seed_resources(tenant, "soak", RESOURCES)
    hotel = verticals.seed_hotel(tenant, user, rooms=ROOMS)
    customer = verticals.verified_customer(tenant, "Soak Payer")
    return tenant, user, {"token": token, "resources": resources, "customer_id": customer.pk, **hotel}, create_webhook_endpoint


def main() -> int:
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/holdfast")
    url = soak_url(base)
    (HERE / "results").mkdir(exist_ok=True)
    os.environ["HOLDFAST_WEBHOOK_ALLOW_PRIVATE"] = "1"  # the receiver is on loopback
    setup_db.recreate_database(url)
    setup_db.django_setup(url)
    from django.db import connection

    from holdfast.core.events.models import WebhookEndpoint

    tenant, user, world, create_webhook_endpoint = seed(setup_db.seed_tenant())
    receiver = Receiver()
    receiver.start()
    endpoint = create_webhook_endpoint(tenant=tenant, actor=user, url=f"http://127.0.0.1:{receiver.port}/hook", description="soak receiver")
    receiver.secret = WebhookEndpoint.objects.get(pk=endpoint.pk).secret
    connection.close()

    from .__main__ import free_port

    world["port"] = free_port()
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "0", "DB_CONN_MAX_AGE": "0", "LOG_LEVEL": "ERROR", "DJANGO_SETTINGS_MODULE": "holdfast.config.settings",
           "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend", "HOLDFAST_WEBHOOK_ALLOW_PRIVATE": "1", "WEBHOOK_TIMEOUT_SECONDS": "3",
           "WEBHOOK_MAX_ATTEMPTS": "12"}
    product = Product(env, world["port"])
    product.start_web()
    product.start_worker()
    product.wait_ready()

    ledger, stop = Ledger(), threading.Event()
    clients = [threading.Thread(target=client_loop, args=(world, ledger, stop, 1000 + i), daemon=True) for i in range(CLIENTS)]
    started = time.monotonic()
    for thread in clients:
        thread.start()
    rng = random.Random(7)
    kills = {"web": 0, "worker": 0}
    outage = {"started_round": 2, "seconds": OUTAGE_SECONDS}
    outage_timer = None
    for round_no in range(ROUNDS):
        time.sleep(ROUND_SECONDS * rng.uniform(0.5, 1.5))
        if round_no == outage["started_round"]:
            receiver.outage()
            outage_timer = threading.Timer(OUTAGE_SECONDS, receiver.restore)
            outage_timer.start()
        victims = [["web"], ["worker"], ["web", "worker"]][round_no % 3]
        for victim in victims:
            Product.kill(getattr(product, victim))
            kills[victim] += 1
        print(f"round {round_no + 1}/{ROUNDS}: kill -9 {' and '.join(victims)}; {ledger.writes} writes acknowledged so far", flush=True)
        time.sleep(rng.uniform(0.5, 2.0))
        if "web" in victims:
            product.start_web()
        if "worker" in victims:
            product.start_worker()
        product.wait_ready()
    stop.set()
    for thread in clients:
        thread.join(timeout=RETRY_FOR_SECONDS + 30)
    load_seconds = time.monotonic() - started
    if outage_timer is not None:
        outage_timer.join()

    # Drain: the worker fans every event out and the receiver gets every delivery (back-off after the outage).
    deadline = time.monotonic() + DRAIN_SECONDS
    while time.monotonic() < deadline:
        pending_events, pending = undelivered(tenant, endpoint)
        if not pending_events and not pending:
            break
        time.sleep(2)
    drain_seconds = round(time.monotonic() - started - load_seconds, 1)
    time.sleep(1)  # the receiver's last handler threads finish recording
    product.stop()

    lost, violations = check_facts(tenant, ledger.facts)
    violations += run_doctor()
    if receiver.bad_signatures:
        violations.append(f"{receiver.bad_signatures} webhook request(s) with a bad signature")
    if ledger.unanswered:
        violations.append(f"{ledger.unanswered} write(s) never answered within {RETRY_FOR_SECONDS} s")
    expected = expected_events(tenant, endpoint)
    missing_events = sorted(expected - set(receiver.received))
    retried = retried_deliveries(endpoint)
    connection.close()

    result = {
        "kind": "soak",
        "when": dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ"),
        "rounds": ROUNDS, "kills": kills, "clients": CLIENTS,
        "load_seconds": round(load_seconds, 1), "drain_seconds": drain_seconds,
        "receiver_outage_seconds": OUTAGE_SECONDS,
        "writes_acknowledged": ledger.writes, "writes_refused": ledger.refused, "refusals": ledger.refusals, "retries": ledger.retries, "server_errors_retried": ledger.server_errors,
        "lost": len(lost), "lost_examples": lost[:20],
        "violations": len(violations), "violation_examples": violations[:20],
        "events_expected": len(expected), "events_received": len(expected & set(receiver.received)), "events_lost": len(missing_events),
        "events_lost_examples": missing_events[:20], "deliveries_repeated": sum(n - 1 for n in receiver.received.values()),
        "deliveries_retried": retried,
        "load_average": os.getloadavg(),
    }
    path = HERE / "results" / f"soak-{result['when']}.json"
    path.write_text(json.dumps(result, indent=2))
    print(f"\nsoak: {ROUNDS} rounds ({kills['web']} web kills, {kills['worker']} worker kills), {ledger.writes} writes acknowledged, {ledger.refused} refused, "
          f"{ledger.retries} retries")
    print(f"lost = {len(lost)}, violations = {len(violations)}, events: {result['events_received']}/{len(expected)} received, lost = {len(missing_events)}, "
          f"deliveries retried = {retried}, repeated = {result['deliveries_repeated']}")
    for line in (lost + violations)[:20]:
        print("  -", line)
    print(f"written to {path.relative_to(ROOT)}")
    failed = lost or violations or missing_events or ROUNDS < 10
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

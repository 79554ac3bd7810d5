"""Load generators: HTTP requests against a running server, and the same transaction as raw psycopg."""
from __future__ import annotations

import datetime as dt
import http.client
import json
import random
import statistics
import threading
import time

import psycopg

BASE_DAY = dt.datetime(2034, 1, 1, 14, 0, tzinfo=dt.UTC)


def random_period(rng: random.Random, days: int = 365):
    start = BASE_DAY + dt.timedelta(days=rng.randrange(days))
    return start, start + dt.timedelta(days=rng.randint(1, 3))


def summarize(latencies: list[float], ok: int, seconds: float) -> dict:
    lat = sorted(latencies)
    pick = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000 if lat else None  # noqa: E731
    return {"requests": len(lat), "committed": ok, "per_second": round(ok / seconds, 1), "requests_per_second": round(len(lat) / seconds, 1),
            "p50_ms": round(pick(0.50), 1) if lat else None, "p99_ms": round(pick(0.99), 1) if lat else None,
            "mean_ms": round(statistics.fmean(lat) * 1000, 1) if lat else None}


class UnexpectedStatus(RuntimeError):
    """An answer a contested write must never give; its first argument ("HTTP 404:vertical_not_enabled") keys the error count."""


def outcome(status: int, payload: bytes):
    """True for a write that committed (201), "409:<code>" / "503:<code>" for a refusal under contention;
    anything else (a 404 from a vertical the tenant has not enabled, a 400, a 5xx) raises, so the phase
    counts it as an error instead of silently timing refusals."""
    if status == 201:
        return True
    if status in (409, 503):
        try:
            code = json.loads(payload).get("code")
        except ValueError:
            code = None
        return f"{status}:{code}"
    try:
        code = json.loads(payload).get("code")
    except (ValueError, AttributeError):
        code = None
    raise UnexpectedStatus(f"HTTP {status}:{code}", payload[:200])


def post(port: int, path: str, body: str, headers: dict, timeout: float = 30):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        return outcome(response.status, response.read())
    finally:
        conn.close()


def run_threads(concurrency: int, seconds: float, make_worker):
    """make_worker(i) -> callable() returning True (committed) / False (refused); timed per call."""
    stop = time.monotonic() + seconds
    lock = threading.Lock()
    latencies: list[float] = []
    counts = {"ok": 0, "refused": 0, "errors": 0, "codes": {}}

    def loop(i):
        call = make_worker(i)
        local, ok, refused, errors, codes = [], 0, 0, 0, {}
        while time.monotonic() < stop:
            t0 = time.perf_counter()
            try:
                result = call()
            except Exception as exc:  # counted, never hidden
                errors += 1
                key = exc.args[0] if isinstance(exc, UnexpectedStatus) else type(exc).__name__
                codes[key] = codes.get(key, 0) + 1
                continue
            local.append(time.perf_counter() - t0)
            if result is True:
                ok += 1
            else:
                refused += 1
                codes[str(result)] = codes.get(str(result), 0) + 1
        with lock:
            latencies.extend(local)
            counts["ok"] += ok
            counts["refused"] += refused
            counts["errors"] += errors
            for k, v in codes.items():
                counts["codes"][k] = counts["codes"].get(k, 0) + v

    started = time.monotonic()
    threads = [threading.Thread(target=loop, args=(i,)) for i in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    out = summarize(latencies, counts["ok"], elapsed)
    out.update({"refused": counts["refused"], "errors": counts["errors"], "outcomes": counts["codes"], "seconds": round(elapsed, 1), "concurrency": concurrency})
    return out


def http_hold_worker(port: int, token: str, resource_ids: list[int], seed: int):
    rng = random.Random(seed)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def call():
        start, end = random_period(rng)
        body = json.dumps({"resource_ids": [rng.choice(resource_ids)], "starts_at": start.isoformat(), "ends_at": end.isoformat(), "ttl_minutes": 30})
        return post(port, "/api/v1/inventory/holds", body, headers)

    return call


def http_read_worker(port: int, token: str, resource_ids: list[int], seed: int):
    rng = random.Random(seed)
    headers = {"Authorization": f"Bearer {token}"}

    def call():
        start, end = random_period(rng)
        path = f"/api/v1/inventory/availability/resources/{rng.choice(resource_ids)}?starts_at={start.isoformat().replace('+', '%2B')}&ends_at={end.isoformat().replace('+', '%2B')}"
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
        finally:
            conn.close()
        if response.status != 200:
            raise RuntimeError(f"HTTP {response.status}")
        return True

    return call


RAW_HOLD = [
    "SELECT set_config('lock_timeout', '2000ms', true)",
    "SELECT id, status, site_id FROM inventory_resource WHERE tenant_id = %(tenant)s AND id = %(resource)s FOR UPDATE",
    "SELECT id, expires_at, hold_id FROM inventory_block WHERE resource_id = %(resource)s AND active AND (ends_at IS NULL OR ends_at > %(start)s) AND starts_at < %(end)s",
]


def raw_hold_worker(url: str, tenant_id: int, resource_ids: list[int], seed: int):
    """The same hold transaction as the service, hand-written in SQL over one psycopg connection."""
    rng = random.Random(seed)
    conn = psycopg.connect(url)

    def call():
        start, end = random_period(rng)
        args = {"tenant": tenant_id, "resource": rng.choice(resource_ids), "start": start, "end": end}
        now = dt.datetime.now(dt.UTC)
        with conn.transaction():
            cur = conn.cursor()
            cur.execute(RAW_HOLD[0])
            cur.execute(RAW_HOLD[1], args)
            cur.fetchone()
            cur.execute(RAW_HOLD[2], args)
            if any(row[1] is None or row[1] > now for row in cur.fetchall()):
                return "409:resource_unavailable"
            cur.execute(
                "INSERT INTO inventory_hold (tenant_id, status, expires_at, extensions, quantity, reason, created_at) VALUES (%s, 'ACTIVE', %s, 0, 0, '', %s) RETURNING id",
                [tenant_id, now + dt.timedelta(minutes=30), now],
            )
            hold_id = cur.fetchone()[0]
            cur.execute(
                "INSERT INTO inventory_block (tenant_id, resource_id, starts_at, ends_at, kind, active, expires_at, hold_id, reason, created_at) VALUES (%s, %s, %s, %s, 'HOLD', true, %s, %s, '', %s)",
                [tenant_id, args["resource"], start, end, now + dt.timedelta(minutes=30), hold_id, now],
            )
            cur.execute(
                "INSERT INTO audit_auditentry (tenant_id, actor_id, actor_label, entity_type, entity_id, action, diff, correlation_id, occurred_at) VALUES (%s, NULL, 'bench', 'inventory.hold', %s, 'inventory.hold.placed', '{}', '', %s)",
                [tenant_id, str(hold_id), now],
            )
            cur.execute(
                "INSERT INTO events_outboxevent (tenant_id, event_type, payload, occurred_at, attempts, last_error) VALUES (%s, 'hold:placed', %s, %s, 0, '')",
                [tenant_id, json.dumps({"hold_id": hold_id}), now],
            )
        return True

    return call

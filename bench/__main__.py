"""`make bench`: engine benchmarks against PostgreSQL, each beside its raw-SQL baseline.

Runs in a fresh database `<DATABASE_URL name>_bench` (dropped and recreated), prints a table and
writes bench/results/<UTC timestamp>.json. BENCH_SECONDS (default 8) sets each load phase's length;
BENCH_MILLION=0 skips the 1M-block phase. Phase (h) (bench/storage.py) races storage pallet bookings,
(i) (bench/verticals.py) each remaining vertical's hot write; bench/targets.py turns the figures into met/missed.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

from . import load, petcare, setup_db, targets

HERE = Path(__file__).resolve().parent
SECONDS = float(os.environ.get("BENCH_SECONDS", "8"))
WORKERS = int(os.environ.get("BENCH_WEB_WORKERS", "8"))  # sync workers wait on the database most of a request
MILLION = os.environ.get("BENCH_MILLION", "1") != "0"


def timed(fn, repeat: int) -> dict:
    fn()  # warm
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    return {"mean_ms": round(statistics.fmean(samples), 2), "p50_ms": round(samples[len(samples) // 2], 2), "max_ms": round(samples[-1], 2), "runs": repeat}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(url: str, port: int) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "0", "DB_CONN_MAX_AGE": "600", "DJANGO_SETTINGS_MODULE": "holdfast.config.settings", "LOG_LEVEL": "ERROR",
           "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend"}  # notification emails are built, not printed
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    proc = subprocess.Popen([gunicorn, "bench.wsgi:application", "--preload", "-w", str(WORKERS), "-b", f"127.0.0.1:{port}", "--backlog", "2048", "--log-level", "warning"], env=env)
    for _ in range(150):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("gunicorn did not start")


def worker_peak_rss_mb(master_pid: int) -> float:
    peaks = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if fields.get("PPid", "").strip() == str(master_pid):
            peaks.append(int(fields["VmHWM"].split()[0]) / 1024)
    return round(max(peaks), 1) if peaks else None


def double_sales() -> int:
    from holdfast.core.inventory.doctor import no_overlapping_blocks

    return len(no_overlapping_blocks())


def count_statements(fn) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        fn()
    # Transaction control (BEGIN/COMMIT/SAVEPOINT) is not counted: it is not work the engine asks for.
    return len([q for q in ctx.captured_queries if not q["sql"].upper().startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "BEGIN", "COMMIT", "ROLLBACK"))])


def statements(tenant, user, token) -> dict:
    from django.test import Client

    from holdfast.core.bookings import services as bookings
    from holdfast.core.inventory import selectors, services

    site, ids = setup_db.seed_resources(tenant, "stmt", 20, types=2)
    pool = services.create_pool(tenant=tenant, actor=user, site_id=site.pk, name="pallets", default_capacity=100)
    services.set_capacity(tenant=tenant, actor=user, pool_id=pool.pk, start_date=dt.date(2034, 1, 1), end_date=dt.date(2034, 2, 1), capacity=100)
    t0 = dt.datetime(2034, 1, 1, 14, tzinfo=dt.UTC)
    t1 = t0 + dt.timedelta(days=3)
    out = {}
    out["hold (resource, service)"] = count_statements(lambda: services.place_hold(tenant=tenant, actor=user, resource_ids=[ids[0]], starts_at=t0, ends_at=t1))
    out["hold (capacity, service)"] = count_statements(lambda: services.place_hold(tenant=tenant, actor=user, pool_id=pool.pk, quantity=2, start_date=dt.date(2034, 1, 1), end_date=dt.date(2034, 1, 4)))
    box = {}
    out["booking with hold (service)"] = count_statements(lambda: box.setdefault("b", bookings.create_booking(tenant=tenant, actor=user, resource_id=ids[1], starts_at=t0, ends_at=t1)))
    out["confirmation (transition)"] = count_statements(lambda: bookings.transition(tenant=tenant, actor=user, booking_id=box["b"].pk, name="confirm"))
    user = type(user).objects.get(pk=user.pk)  # no permission cache: count it as a fresh request would
    out["availability read: resource free"] = count_statements(lambda: selectors.is_resource_free(tenant, ids[2], t0, t1))
    out["availability read: free by type"] = count_statements(lambda: selectors.free_by_type(tenant, site, dt.date(2034, 1, 1), dt.date(2034, 1, 4)))
    out["availability read: capacity per day"] = count_statements(lambda: selectors.remaining_capacity(tenant, pool.pk, dt.date(2034, 1, 1), dt.date(2034, 1, 8)))
    out["calendar matrix"] = count_statements(lambda: selectors.calendar_matrix(tenant, site, dt.date(2034, 1, 1), 31))
    client = Client()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    body = json.dumps({"resource_ids": [ids[3]], "starts_at": t0.isoformat(), "ends_at": t1.isoformat()})
    out["HTTP POST /holds (incl. auth)"] = count_statements(lambda: client.post("/api/v1/inventory/holds", body, content_type="application/json", **headers))
    out["HTTP GET availability (incl. auth)"] = count_statements(lambda: client.get(f"/api/v1/inventory/availability/resources/{ids[4]}", {"starts_at": t0.isoformat(), "ends_at": t1.isoformat()}, **headers))
    return out


def booking_cost(tenant, user, ids, day_offset: int, n: int = 150) -> dict:
    """Mean cost of create booking + confirm on resources whose block table holds many rows."""
    from holdfast.core.bookings import services as bookings

    samples = []
    for i in range(n):
        start = dt.datetime(2036, 1, 1, 14, tzinfo=dt.UTC) + dt.timedelta(days=day_offset + 4 * (i // len(ids)))
        t0 = time.perf_counter()
        b = bookings.create_booking(tenant=tenant, actor=user, resource_id=ids[i % len(ids)], starts_at=start, ends_at=start + dt.timedelta(days=3))
        bookings.transition(tenant=tenant, actor=user, booking_id=b.pk, name="confirm")
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    return {"mean_ms": round(statistics.fmean(samples), 2), "p50_ms": round(samples[len(samples) // 2], 2), "p99_ms": round(samples[int(len(samples) * 0.99)], 2), "bookings": n}


def main() -> int:
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/holdfast")
    if not base.startswith("postgres"):
        print("bench needs PostgreSQL: DATABASE_URL=postgres://…", file=sys.stderr)
        return 2
    url = setup_db.bench_url(base)
    print(f"benchmark database: {url} (recreated)")
    setup_db.recreate_database(url)
    setup_db.django_setup(url)
    from django.db import connection

    from holdfast.core.inventory import selectors
    from holdfast.core.inventory.models import Block

    tenant, user, token = setup_db.seed_tenant()
    results: dict = {"started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "cpus": os.cpu_count(), "web_workers": WORKERS, "seconds_per_phase": SECONDS,
                     "load_average_start": targets.load_average()}  # a busy machine shows in its own JSON
    run_started = time.monotonic()

    print("(e) counting SQL statements …")
    results["statements"] = statements(tenant, user, token)

    print("(d) booking cost with 10k blocks …")
    _, d_ids = setup_db.seed_resources(tenant, "scale", 100)
    setup_db.seed_blocks(tenant.pk, d_ids, 100, "1990-01-01")
    results["booking_cost_10k"] = {**booking_cost(tenant, user, d_ids, 0), "blocks_in_table": Block.objects.count()}

    print("(a) contested holds over HTTP …")
    pet_http = petcare.seed(tenant, user)
    pet_raw = {**pet_http, "walkers": petcare.seed_raw_walkers(tenant, user)}
    _, http_ids = setup_db.seed_resources(tenant, "http", 100)
    _, raw_ids = setup_db.seed_resources(tenant, "raw", 100)
    connection.close()
    port = free_port()
    server = start_server(url, port)
    try:
        # Warm every worker (imports, connections) so start-up is not measured.
        load.run_threads(WORKERS * 2, 4, lambda i: load.http_read_worker(port, token, http_ids, seed=i))
        contested = {}
        for c in (16, 64):
            h = load.run_threads(c, SECONDS, lambda i, c=c: load.http_hold_worker(port, token, http_ids, seed=1000 * c + i))
            r = load.run_threads(c, SECONDS, lambda i, c=c: load.raw_hold_worker(url, tenant.pk, raw_ids, seed=1000 * c + i))
            contested[str(c)] = {"http": h, "raw_sql": r, "ratio_to_raw": round(h["per_second"] / r["per_second"], 2) if r["per_second"] else None}
        results["contested_holds"] = contested
        results["double_sales"] = double_sales()
        print("(a') availability reads over HTTP …")
        results["availability_reads_http_c16"] = load.run_threads(16, SECONDS, lambda i: load.http_read_worker(port, token, http_ids, seed=7 + i))
        print("(g) contested walker assignments over HTTP …")
        pet = {}
        for c in (16, 64):
            h = load.run_threads(c, SECONDS, lambda i, c=c: petcare.http_worker(port, token, pet_http, seed=2000 * c + i))
            r = load.run_threads(c, SECONDS, lambda i, c=c: petcare.raw_worker(url, tenant.pk, pet_raw, seed=2000 * c + i))
            pet[str(c)] = {"http": h, "raw_sql": r, "ratio_to_raw": round(h["per_second"] / r["per_second"], 2) if r["per_second"] else None}
        results["contested_walker_jobs"] = pet
        results["walker_double_bookings"] = petcare.double_bookings()
        results["web_worker_peak_rss_mb"] = worker_peak_rss_mb(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)

    print("(b) free rooms by type over 1,000 resources with two years of blocks …")
    big_site, big_ids = setup_db.seed_resources(tenant, "big", 1000, types=10)
    setup_db.seed_blocks(tenant.pk, big_ids, 146, "2033-01-01")  # a 3-night stay every 5 days for two years
    start, end = dt.date(2033, 6, 10), dt.date(2033, 6, 13)
    orm = timed(lambda: selectors.free_by_type(tenant, big_site, start, end), 30)
    raw_sql = """
        SELECT r.resource_type_id, count(*) FROM inventory_resource r
        WHERE r.tenant_id = %s AND r.site_id = %s AND r.status = 'AVAILABLE' AND NOT EXISTS (
            SELECT 1 FROM inventory_block b WHERE b.resource_id = r.id AND b.active
              AND (b.expires_at IS NULL OR b.expires_at > now())
              AND (b.ends_at IS NULL OR b.ends_at > %s) AND b.starts_at < %s)
        GROUP BY 1"""
    from holdfast.kit.clock import local_midnight

    lo, hi = local_midnight(start, big_site.time_zone), local_midnight(end, big_site.time_zone)

    def raw():
        with connection.cursor() as cursor:
            cursor.execute(raw_sql, [tenant.pk, big_site.pk, lo, hi])
            return cursor.fetchall()

    rawt = timed(raw, 30)
    results["free_by_type_1000"] = {"orm": orm, "raw_sql": rawt, "ratio_raw_over_orm": round(rawt["mean_ms"] / orm["mean_ms"], 2), "free": sum(r["free"] for r in selectors.free_by_type(tenant, big_site, start, end)), "blocks_in_table": Block.objects.count()}

    print("(c) calendar matrix 200 × 31 …")
    cal_site, cal_ids = setup_db.seed_resources(tenant, "calendar", 200)
    setup_db.seed_blocks(tenant.pk, cal_ids, 146, "2033-01-01")
    results["calendar_200x31"] = timed(lambda: selectors.calendar_matrix(tenant, cal_site, dt.date(2033, 6, 1), 31), 20)

    print("(h) contested multi-day pallet bookings (storage) …")
    from . import storage

    results["storage_pallet_bookings"] = storage.run(url, tenant, user, token, SECONDS, start_server, free_port)

    print("(i) each vertical's hot write at c=64: estate hold, hotel reservation, apartment booking …")
    from . import verticals

    results["vertical_hot_writes"] = verticals.run(url, tenant, user, token, SECONDS, start_server, free_port)

    if MILLION:
        print("(d) booking cost with 1M blocks (seeding …)")
        missing = 1_000_000 - Block.objects.count()
        if missing > 0:
            setup_db.seed_blocks(tenant.pk, d_ids, missing // len(d_ids) + 1, "1700-01-01")
        results["booking_cost_1m"] = {**booking_cost(tenant, user, d_ids, 400), "blocks_in_table": Block.objects.count()}
        results["booking_cost_ratio_1m_over_10k"] = round(results["booking_cost_1m"]["mean_ms"] / results["booking_cost_10k"]["mean_ms"], 2)
    results["double_sales_final"] = double_sales()
    results["load_average_end"] = targets.load_average()
    results["duration_seconds"] = round(time.monotonic() - run_started, 1)
    results["http_errors_total"] = targets.http_errors_total(results)
    results["targets"] = targets.evaluate(results)

    print_table(results)
    print(f"\nload average (1/5/15 min) at start {results['load_average_start']}, at end {results['load_average_end']}; {os.cpu_count()} CPUs; run took {results['duration_seconds']} s\n")
    print(targets.format_table(results["targets"]))
    out = HERE / "results" / f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=str))
    print(f"\nwritten {out.relative_to(HERE.parent)}")
    return 0


def print_table(r: dict) -> None:
    rows = []
    for c, v in r.get("contested_holds", {}).items():
        h, raw = v["http"], v["raw_sql"]
        target = " (target ≥250/s, p99 ≤250 ms, ≥0.5× raw)" if c == "64" else ""
        rows.append((f"(a) contested holds, HTTP, c={c}", f"{h['per_second']}/s committed, p50 {h['p50_ms']} ms, p99 {h['p99_ms']} ms, {h['refused']} refused, {h['errors']} errors{target}"))
        rows.append((f"    same transaction, raw psycopg, c={c}", f"{raw['per_second']}/s, p50 {raw['p50_ms']} ms, p99 {raw['p99_ms']} ms -> ratio {v['ratio_to_raw']}"))
    rows.append(("    double sales", f"{r.get('double_sales')} (after all phases: {r.get('double_sales_final')})"))
    for c, v in r.get("contested_walker_jobs", {}).items():
        h, raw = v["http"], v["raw_sql"]
        rows.append((f"(g) contested walker jobs, HTTP, c={c}", f"{h['per_second']}/s booked, p50 {h['p50_ms']} ms, p99 {h['p99_ms']} ms, {h['refused']} refused ({h['outcomes']}), {h['errors']} errors"))
        rows.append((f"    same transaction, raw psycopg, c={c}", f"{raw['per_second']}/s, p50 {raw['p50_ms']} ms, p99 {raw['p99_ms']} ms -> ratio {v['ratio_to_raw']}"))
    if "walker_double_bookings" in r:
        rows.append(("    walker double bookings", str(r["walker_double_bookings"])))
    if "availability_reads_http_c16" in r:
        a = r["availability_reads_http_c16"]
        rows.append(("(a') availability reads, HTTP, c=16", f"{a['requests_per_second']}/s, p50 {a['p50_ms']} ms, p99 {a['p99_ms']} ms (target ≥800/s)"))
    if "free_by_type_1000" in r:
        f = r["free_by_type_1000"]
        rows.append(("(b) free rooms by type, 1,000 rooms, 3 nights", f"ORM {f['orm']['mean_ms']} ms, raw SQL {f['raw_sql']['mean_ms']} ms ({f['blocks_in_table']} blocks)"))
    if "calendar_200x31" in r:
        rows.append(("(c) calendar matrix 200×31", f"{r['calendar_200x31']['mean_ms']} ms mean, {r['calendar_200x31']['max_ms']} ms max (target ≤30 ms)"))
    if "booking_cost_10k" in r:
        rows.append(("(d) booking+confirm, 10k blocks", f"{r['booking_cost_10k']['mean_ms']} ms mean"))
    if "booking_cost_1m" in r:
        rows.append(("(d) booking+confirm, 1M blocks", f"{r['booking_cost_1m']['mean_ms']} ms mean -> {r['booking_cost_ratio_1m_over_10k']}× (target ≤1.2×)"))
    for k, v in r.get("statements", {}).items():
        rows.append((f"(e) SQL statements: {k}", str(v)))
    for c, v in r.get("storage_pallet_bookings", {}).items():
        if not (isinstance(v, dict) and "http" in v):
            continue
        s, raw = v["http"], v["raw_sql"]
        rows.append((f"(h) contested 3-day pallet holds, HTTP, c={c}", f"{s['per_second']}/s committed, p50 {s['p50_ms']} ms, p99 {s['p99_ms']} ms, {s['refused']} refused, {s['errors']} errors"))
        rows.append((f"    same day-row work, raw psycopg, c={c}", f"{raw['per_second']}/s, p50 {raw['p50_ms']} ms, p99 {raw['p99_ms']} ms -> ratio {v['ratio_to_raw']}, oversold days {v['oversold_days']}"))
    for name, v in r.get("vertical_hot_writes", {}).items():
        h, raw = v["http"], v.get("raw_sql")
        rows.append((f"(i) {name} hot write, HTTP, c={h['concurrency']}", f"{h['per_second']}/s committed, p50 {h['p50_ms']} ms, p99 {h['p99_ms']} ms, {h['refused']} refused, {h['errors']} errors {h['outcomes'] if h['errors'] else ''}".rstrip()))
        if raw:
            rows.append(("    same transaction, raw psycopg", f"{raw['per_second']}/s, p50 {raw['p50_ms']} ms, p99 {raw['p99_ms']} ms -> ratio {v['ratio_to_raw']}"))
        else:
            rows.append(("    same transaction, raw psycopg", "no raw-SQL twin (see bench/README.md)"))
        rows.append(("    double sales", str(v["double_sales"])))
    rows.append(("(f) web worker peak RSS", f"{r.get('web_worker_peak_rss_mb')} MB (target <200 MB)"))
    width = max(len(a) for a, _ in rows)
    print()
    for a, b in rows:
        print(f"{a.ljust(width)}  {b}")


if __name__ == "__main__":
    sys.exit(main())

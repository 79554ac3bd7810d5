"""holdfast worker: runs background tasks (django.tasks, database backend) and the periodic sweeps.

One loop does both: every tick it runs the periodic jobs that are due (registered with
`holdfast.kit.periodic.periodic` in each app's `tasks.py`), then runs the ready `django_tasks_db`
tasks, then sleeps. Several workers may run at once: tasks are claimed with row locks by
django_tasks_db, and every periodic job claims its rows itself (SKIP LOCKED or conditional writes).
SIGTERM/SIGINT finish the current job or task and exit; a second signal exits at once.

    holdfast worker                 # run until stopped
    holdfast worker --once          # run every periodic job once, drain ready tasks, exit (cron, tests)
"""
from __future__ import annotations

import importlib
import logging
import os
import signal
import socket
import sys
import threading
import time

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import close_old_connections, connections
from django.db.utils import OperationalError

from holdfast.kit.context import correlation_scope
from holdfast.kit.periodic import PERIODIC, PeriodicJob

logger = logging.getLogger("holdfast.worker")


def discover_periodic_jobs() -> list[PeriodicJob]:
    """Import every holdfast app's tasks.py so its @periodic jobs register."""
    for config in apps.get_app_configs():
        if not config.name.startswith("holdfast."):
            continue
        try:
            importlib.import_module(f"{config.name}.tasks")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.tasks":
                raise
    return [PERIODIC[name] for name in sorted(PERIODIC)]


def database_task_worker(*, worker_id: str, queue_names: list[str]):
    """A django_tasks_db Worker able to claim and run one task at a time, or None when the
    configured backend is not the database one (e.g. the immediate backend in tests)."""
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.compat import DEFAULT_TASK_BACKEND_ALIAS, task_backends
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult
    from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

    if not isinstance(task_backends[DEFAULT_TASK_BACKEND_ALIAS], DatabaseBackend):
        return None

    class TaskWorker(Worker):
        def run_one(self) -> bool:
            """Claim and run one ready task; False when there was none (or the database was busy)."""
            tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
            if not self.process_all_queues:
                tasks = tasks.filter(queue_name__in=self.queue_names)
            with exclusive_transaction(tasks.db):
                try:
                    task_result = tasks.get_locked()
                    if task_result is not None:
                        task_result.claim(self.worker_id)  # so no other worker runs it
                except OperationalError as exc:
                    if not is_locked_database_exception(exc):
                        raise
                    task_result = None
            if task_result is None:
                return False
            logger.info("running task %s (%s)", task_result.id, task_result.task_path)
            with correlation_scope():  # each task run groups its own audit entries and events
                self.run_task(task_result)
            return True

    return TaskWorker(
        queue_names=queue_names,
        interval=0,
        batch=True,
        backend_name=DEFAULT_TASK_BACKEND_ALIAS,
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    )


def refresh_connections() -> None:
    """Drop broken or expired connections between jobs, as Django does between requests (never inside
    an outer transaction, e.g. when a test calls the command)."""
    if not any(conn.in_atomic_block for conn in connections.all(initialized_only=True)):
        close_old_connections()


class WorkerLoop:
    def __init__(self, *, jobs: list[PeriodicJob], task_worker, interval: float, max_tasks_per_tick: int = 20):
        self.jobs = jobs
        self.task_worker = task_worker
        self.interval = interval
        self.max_tasks_per_tick = max_tasks_per_tick
        self.running = True
        self.next_due = {job.name: 0.0 for job in jobs}

    # -- signals
    def stop(self, signum, frame) -> None:
        if not self.running:
            logger.warning("second %s: exiting now", signal.strsignal(signum))
            sys.exit(1)
        logger.warning("%s: finishing the current job, then stopping (send again to force)", signal.strsignal(signum))
        self.running = False

    def install_signals(self) -> None:
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, self.stop)
            signal.signal(signal.SIGTERM, self.stop)

    # -- work
    def run_job(self, job: PeriodicJob) -> int | str | None:
        refresh_connections()
        started = time.monotonic()
        try:
            # Each run gets its own correlation id; outside a request the id would otherwise be set
            # once and shared by everything this worker process ever writes.
            with correlation_scope():
                handled = job.run()
        except Exception:  # one failing sweep must not stop the worker; it runs again next tick
            logger.exception("periodic job %s failed", job.name)
            return "failed"
        finally:
            refresh_connections()
        level = logging.INFO if handled else logging.DEBUG
        logger.log(level, "periodic job %s handled %s in %.0f ms", job.name, handled, (time.monotonic() - started) * 1000)
        return handled

    def run_due_jobs(self, *, force: bool = False) -> dict[str, int | str | None]:
        results = {}
        for job in self.jobs:
            if not self.running and not force:
                break
            if force or self.next_due[job.name] <= time.monotonic():
                results[job.name] = self.run_job(job)
                self.next_due[job.name] = time.monotonic() + job.every_seconds
        return results

    def run_tasks(self, limit: int | None) -> int:
        if self.task_worker is None:
            return 0
        ran = 0
        while (limit is None or ran < limit) and (self.running or limit is None):
            refresh_connections()
            if not self.task_worker.run_one():
                break
            ran += 1
        return ran

    def sleep(self) -> None:
        wake = min([self.next_due[j.name] for j in self.jobs] + [time.monotonic() + self.interval])
        while self.running and time.monotonic() < wake:
            time.sleep(min(0.2, max(0.0, wake - time.monotonic())))

    def run_once(self) -> dict[str, int | str | None]:
        results = self.run_due_jobs(force=True)
        self.run_tasks(limit=None)
        return results

    def run_forever(self) -> None:
        self.install_signals()
        while self.running:
            self.run_due_jobs()
            self.run_tasks(limit=self.max_tasks_per_tick)
            self.sleep()
        logger.info("worker stopped")


class Command(BaseCommand):
    help = "Run background tasks and the periodic sweeps (hold expiry, reminders, outbox delivery, …)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="run every periodic job once, run the ready tasks, and exit")
        parser.add_argument("--interval", type=float, default=1.0, help="longest sleep between ticks in seconds (default 1)")
        parser.add_argument("--only", action="append", default=[], help="run only periodic jobs whose name starts with this (repeatable)")
        parser.add_argument("--no-tasks", action="store_true", help="run only the periodic jobs, not the django.tasks queue")
        parser.add_argument("--queue-name", default="default", help="task queues to process, comma separated (default: default)")
        parser.add_argument("--worker-id", default=f"{socket.gethostname()}-{os.getpid()}"[:64])

    def handle(self, *args, once=False, interval=1.0, only=(), no_tasks=False, queue_name="default", worker_id="", verbosity=1, **options):
        if not logger.handlers and not logging.getLogger().handlers:
            logger.addHandler(logging.StreamHandler(self.stderr))
        if verbosity >= 1:
            logger.setLevel(logging.DEBUG if verbosity > 1 else logging.INFO)
        jobs = [job for job in discover_periodic_jobs() if not only or any(job.name.startswith(o) for o in only)]
        task_worker = None if no_tasks else database_task_worker(worker_id=worker_id, queue_names=queue_name.split(","))
        loop = WorkerLoop(jobs=jobs, task_worker=task_worker, interval=max(0.05, interval))
        logger.info("worker %s: %d periodic job(s) [%s]; tasks %s", worker_id, len(jobs), ", ".join(j.name for j in jobs), "on" if task_worker else "off")
        if once:
            results = loop.run_once()
            for name, handled in results.items():
                self.stdout.write(f"{name}: {handled}")
            return
        loop.run_forever()

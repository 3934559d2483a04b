"""The fault suite's machinery: its own redis-server (on FAULTS_REDIS_PORT, default 6390) that a
test can stop, hang (SIGSTOP) and bring back, and a real Celery worker on it and on the test
database that a test can kill. Runs only when chosen (`-m faults`), on PostgreSQL, with the test
process's CELERY_BROKER_URL pointing at that Redis (see .ci/run)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import quantiles

import pytest
import redis as redis_client
from django.conf import settings
from django.db import connection

PORT = int(os.environ.get("FAULTS_REDIS_PORT", "6390"))
ROOT = Path(__file__).resolve().parents[2]
# What the suite measured, printed as a table at the end of the run.
MEASURED: dict[str, str] = {}


def pytest_collection_modifyitems(config, items):
    chosen = config.getoption("-m") or ""
    here = [item for item in items if "tests/faults/" in str(item.fspath).replace(os.sep, "/")]
    reason = None
    if "faults" not in chosen or "not faults" in chosen:
        reason = "the fault suite runs only when chosen: -m faults"
    elif connection.vendor != "postgresql":
        reason = "the fault suite runs on PostgreSQL (it cuts connections with pg_terminate_backend)"
    elif f":{PORT}/" not in (settings.CELERY_BROKER_URL or ""):
        reason = f"CELERY_BROKER_URL must point at the suite's own Redis on port {PORT}"
    elif not shutil.which("redis-server"):
        reason = "needs redis-server"
    for item in here:
        item.add_marker(pytest.mark.faults)
        if reason:
            item.add_marker(pytest.mark.skip(reason=reason))


def pytest_terminal_summary(terminalreporter):
    if MEASURED:
        terminalreporter.write_sep("=", "fault suite: measured")
        width = max(map(len, MEASURED))
        for name, value in MEASURED.items():
            terminalreporter.write_line(f"{name.ljust(width)}  {value}")


def percentiles(seconds: list[float]) -> tuple[float, float]:
    """(p50, p95) in seconds."""
    cuts = quantiles(seconds, n=20, method="inclusive")
    return cuts[9], cuts[18]


def wait_until(check, *, within: float, step: float = 0.1, what: str = "the condition"):
    """Poll until check() is truthy; returns the seconds it took."""
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > within:
            raise AssertionError(f"{what} did not happen within {within} s")
        time.sleep(step)
    return time.monotonic() - started


class Redis:
    """The suite's redis-server: no persistence, so a restart is an empty broker."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server"),
                "--port",
                str(PORT),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            cwd=self.workdir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self.answers, within=10, what="redis-server answering")

    def answers(self) -> bool:
        try:
            return redis_client.Redis(port=PORT, socket_timeout=1).ping()
        except redis_client.RedisError:
            return False

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def hang(self) -> None:
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.process.send_signal(signal.SIGCONT)


class Worker:
    """`celery worker` on the suite's Redis and the test database; its own process group, so
    killing it kills the pool's children too, as a lost machine would."""

    def __init__(self, workdir: Path):
        self.log = workdir / "worker.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        # The test database (test_<name>, as pytest-django made it) at the same server.
        server = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
        env = {
            **os.environ,
            "DATABASE_URL": f"{server}/{connection.settings_dict['NAME']}",
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "CELERY_RESULT_BACKEND": "",
            # A dead worker's task comes back within seconds here (production: 40 minutes),
            # still above the rescan's hard limit.
            "RESCAN_SOFT_TIME_LIMIT": "5",
            "RESCAN_TIME_LIMIT": "6",
            "CELERY_VISIBILITY_TIMEOUT": "8",
            "CELERY_UNACKED_RESTORE_SECONDS": "1",
        }
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--concurrency=2",
                "--loglevel=WARNING",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        from config.celery import app

        wait_until(lambda: app.control.ping(timeout=0.5), within=30, what="the worker answering")

    def kill_pool(self) -> None:
        """Kill the pool's processes, not the worker: the worker sees its task's process lost
        and starts new ones."""
        pid = self.process.pid
        for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
            os.kill(int(child), signal.SIGKILL)

    def queued(self) -> int:
        """Tasks waiting on the broker or delivered and not yet acknowledged."""
        broker = redis_client.Redis(port=PORT, socket_timeout=1)
        return broker.llen("celery") + broker.hlen("unacked")

    def kill(self) -> None:
        if self.process is not None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            self.process = None


@pytest.fixture(scope="session")
def fault_dir():
    with tempfile.TemporaryDirectory(prefix="joinedup-faults-") as path:
        yield Path(path)


@pytest.fixture(scope="session")
def redis(fault_dir):
    server = Redis(fault_dir)
    server.start()
    yield server
    if server.process is not None:
        server.resume()
    server.stop()


@pytest.fixture(scope="session")
def worker(django_db_setup, django_db_blocker, redis, fault_dir):
    with django_db_blocker.unblock():
        process = Worker(fault_dir)
        process.start()
    yield process
    process.kill()


@pytest.fixture
def redis_up(redis):
    """Each test starts with Redis answering, whatever the last one left."""
    if redis.process is None:
        redis.start()
    else:
        redis.resume()
    yield redis
    if redis.process is not None:
        redis.resume()

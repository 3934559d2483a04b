"""Work for Celery goes through a transactional outbox, so no request waits on the broker.

A write that needs background work calls `outbox_enqueue` inside its own transaction: the task
is a row committed (or rolled back) with the write. On commit a relay sends it: at once in eager
mode (no broker: the demo and the tests run the task in the request, as before), otherwise from
a background thread of the process, so the request never waits on Redis. A row the broker did not
take stays unsent and is sent by the next relay: the same thread once the broker answers again,
and the `core.relay_outbox` beat task. Sending is at least once (a relay that dies mid-send
leaves a lease that runs out), so every task is idempotent.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from datetime import timedelta
from uuid import UUID

from celery import current_app
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerOperationalError
from redis.exceptions import RedisError

from .models import OutboxMessage

logger = logging.getLogger(__name__)

# What a broker or result backend that is down, refusing or hung raises.
BROKER_ERRORS = (BrokerOperationalError, RedisError, ConnectionError, OSError, TimeoutError)
# A relay holds a row this long while sending; after that another relay may send it again.
LEASE = timedelta(seconds=60)
# After a failed send this process leaves rows to the sweep for this long instead of making
# every write's relay wait on a broker that is known to be down.
PAUSE_AFTER_FAILURE = 5.0
# How often the background relay looks for rows it could not send.
SWEEP_EVERY = 5.0
# Sent rows are kept this long (to see what was queued when), then deleted by the sweep.
KEEP_SENT = timedelta(days=7)


def outbox_enqueue(
    *, task_name: str, kwargs: dict | None = None, task_id: UUID | None = None
) -> OutboxMessage:
    """Queue a task as part of the caller's transaction; it is sent once that commits."""
    message = OutboxMessage.objects.create(
        task_name=task_name, kwargs=kwargs or {}, **({"task_id": task_id} if task_id else {})
    )
    transaction.on_commit(lambda: _relay_soon(message.pk), robust=True)
    return message


def outbox_relay(*, ids: list[int] | None = None, limit: int = 500) -> int:
    """Send unsent rows (those given, or the oldest), oldest first; returns how many were sent.
    Stops at the first broker error and leaves the rest for the next relay."""
    now = timezone.now()
    unsent = OutboxMessage.objects.filter(sent_at__isnull=True).filter(
        Q(leased_until__isnull=True) | Q(leased_until__lt=now)
    )
    if ids is not None:
        unsent = unsent.filter(pk__in=ids)
    with transaction.atomic():
        batch = list(unsent.select_for_update(skip_locked=True).order_by("pk")[:limit])
        OutboxMessage.objects.filter(pk__in=[m.pk for m in batch]).update(leased_until=now + LEASE)
    for index, message in enumerate(batch):
        try:
            _send(message)
        except BROKER_ERRORS as exc:
            OutboxMessage.objects.filter(pk__in=[m.pk for m in batch[index:]]).update(
                leased_until=None, attempts=F("attempts") + 1, last_error=str(exc)[:500]
            )
            _relayer.pause()
            logger.warning(
                "The broker did not take %s; %s rows wait to be sent: %s", message, len(batch) - index, exc
            )
            return index
    return len(batch)


def outbox_sweep() -> int:
    """Send whatever is unsent and forget rows sent long ago (the beat task's work)."""
    OutboxMessage.objects.filter(sent_at__lt=timezone.now() - KEEP_SENT).delete()
    return outbox_relay()


def outbox_waiting(*, task_name: str, since) -> bool:
    """Whether a task of this name was queued since then (sent or not): a caller about to
    queue it again (a catch-up, a button pressed twice) leaves it at that."""
    return OutboxMessage.objects.filter(task_name=task_name, created_at__gte=since).exists()


def _task(name: str):
    if name not in current_app.tasks:
        current_app.loader.import_default_modules()  # autodiscovery runs by itself only in workers
    return current_app.tasks[name]


def _send(message: OutboxMessage) -> None:
    task = _task(message.task_name)
    if current_app.conf.task_always_eager:
        # The task runs here and now; mark it sent first, so that a task that fails (its own
        # error, logged by the commit hook) is not run again by every later relay.
        OutboxMessage.objects.filter(pk=message.pk).update(sent_at=timezone.now(), leased_until=None)
        task.apply_async(kwargs=message.kwargs, task_id=str(message.task_id))
        return
    task.apply_async(kwargs=message.kwargs, task_id=str(message.task_id), retry=False)
    OutboxMessage.objects.filter(pk=message.pk).update(sent_at=timezone.now(), leased_until=None)


def _relay_soon(message_id: int) -> None:
    if current_app.conf.task_always_eager:
        outbox_relay(ids=[message_id])
    else:
        _relayer.submit(message_id)


class _Relayer:
    """The process's background relay: one daemon thread sending the rows of this process's
    commits, pausing after a failure and then sweeping what it could not send."""

    def __init__(self):
        self._queue: queue.Queue[int] = queue.Queue()
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._paused_until = 0.0
        self._behind = False

    def submit(self, message_id: int) -> None:
        with self._lock:
            if self._pid != os.getpid():  # first use, or a forked worker (gunicorn)
                self._queue = queue.Queue()
                self._pid = os.getpid()
                threading.Thread(target=self._run, name="outbox-relay", daemon=True).start()
        self._queue.put(message_id)

    def pause(self) -> None:
        self._paused_until = time.monotonic() + PAUSE_AFTER_FAILURE
        self._behind = True

    def _paused(self) -> bool:
        return time.monotonic() < self._paused_until

    def _run(self) -> None:
        while True:
            try:
                message_id = self._queue.get(timeout=SWEEP_EVERY)
            except queue.Empty:
                message_id = None
            try:
                if message_id is not None and self._paused():
                    self._behind = True  # left for the sweep
                elif message_id is not None:
                    outbox_relay(ids=[message_id])
                elif self._behind and not self._paused():
                    self._behind = False
                    outbox_relay()
            except Exception:  # the thread must outlive a database that is briefly away
                self._behind = True
                logger.exception("The outbox relay failed; it will try again.")
            finally:
                connection.close()  # a fresh one next time: the database may have cut this one


_relayer = _Relayer()

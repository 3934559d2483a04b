"""Audit events: one typed function per kind of write, in the app that makes the write
(`<app>/events.py`), always with the actor, called inside the service's transaction so the
audit row and the change commit together.

A typed function is declared with `@event(Verb.X)` and returns the `Event` it describes;
this module alone writes the row. A verb outside the closed list `Verb`, or one a second
function claims, fails at import, so the trail holds only the verbs listed."""

import functools

from django.core.exceptions import ImproperlyConfigured

from .models import AuditEvent, Verb

# Each verb and the typed function that writes it ("journeys.events.contact_recorded").
WRITERS: dict[Verb, str] = {}


class Event:
    """Who did it (None for the system), to which row, and what else the trail keeps."""

    __slots__ = ("actor", "detail", "obj")

    def __init__(self, actor, obj, /, **detail):
        self.actor, self.obj, self.detail = actor, obj, detail


def event(verb: Verb):
    """Make the decorated function the one writer of `verb`."""
    if verb not in Verb.values:
        raise ImproperlyConfigured(f"{verb!r} is not an audit verb: add it to core.models.Verb.")

    def declare(describe):
        name = f"{describe.__module__}.{describe.__qualname__}"
        if WRITERS.setdefault(Verb(verb), name) != name:
            raise ImproperlyConfigured(f"{verb} is already written by {WRITERS[verb]}.")

        @functools.wraps(describe)
        def record(**kwargs) -> AuditEvent:
            return _write(verb, describe(**kwargs))

        return record

    return declare


def _write(verb: Verb, event: Event) -> AuditEvent:
    actor = event.actor
    return AuditEvent.objects.create(
        actor=actor if actor and actor.is_authenticated else None,
        verb=verb,
        object_type=event.obj._meta.label_lower,
        object_id=event.obj.pk,
        detail=event.detail,
    )

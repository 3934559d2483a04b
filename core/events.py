"""Audit events: one function per kind of write, always with the actor (called inside the
service's transaction, so the audit row and the change commit together)."""

from .models import AuditEvent


def record_event(*, actor, verb: str, obj, **detail) -> AuditEvent:
    return AuditEvent.objects.create(
        actor=actor if actor and actor.is_authenticated else None,
        verb=verb,
        object_type=obj._meta.label_lower,
        object_id=obj.pk,
        detail=detail,
    )

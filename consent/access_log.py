"""The access log's hash chain: each entry carries the hash of the one before, so any edit
or deletion shows as a broken link."""

import hashlib
import json

from django.db import connection, transaction
from django.utils import timezone

from .models import AccessLog, AccessLogHead

GENESIS = "0" * 64


def _payload(entry: AccessLog) -> str:
    return json.dumps(
        {
            "at": entry.at.isoformat(),
            "user": entry.user_id,
            "user_label": entry.user_label,
            "agency": entry.agency_id,
            "role": entry.role,
            "subject": entry.subject_id,
            "shown": entry.shown,
            "bases": entry.bases,
            "prev": entry.prev_hash,
        },
        sort_keys=True,
        separators=(",", ":"),
    )


def entry_hash(entry: AccessLog) -> str:
    return hashlib.sha256(_payload(entry).encode()).hexdigest()


def _locked_head() -> AccessLogHead:
    """The head row, locked. A migration creates it, but a database flush (as between
    transactional tests) removes it: then it is made again from the newest entry."""
    try:
        return AccessLogHead.objects.select_for_update().get(pk=1)
    except AccessLogHead.DoesNotExist:
        newest = AccessLog.objects.order_by("-id").values_list("hash", flat=True).first()
        AccessLogHead.objects.get_or_create(pk=1, defaults={"last_hash": newest or GENESIS})
        return AccessLogHead.objects.select_for_update().get(pk=1)


def append(*, user, agency_id, role, subject_id, shown, bases) -> AccessLog:
    """Add one entry at the end of the chain. The head row is locked for the length of the
    transaction, so two writers can never both link to the same previous entry."""
    entry = AccessLog(
        at=timezone.now(),
        user=user,
        user_label=user.get_full_name() or user.get_username(),
        agency_id=agency_id,
        role=role or "",
        subject_id=subject_id,
        shown=shown,
        bases=bases,
    )
    if connection.vendor == "postgresql" and _append_in_one_statement(entry):
        return entry
    with transaction.atomic():
        entry.prev_hash = _locked_head().last_hash
        entry.hash = entry_hash(entry)
        entry.save()
        AccessLogHead.objects.filter(pk=1).update(last_hash=entry.hash)
    return entry


# Every record view passes through the head row, so on PostgreSQL the lock, the new entry and
# the head's update are one statement: one round trip, and the lock is held for no longer
# than the statement (or the caller's transaction). The hash is computed by the database over
# the same payload entry_hash() reads, with the previous hash put in where "@" stands.
_PREV_MARK = '"prev":"@"'
_APPEND_SQL = """
WITH head AS (
    SELECT last_hash FROM consent_accessloghead WHERE id = 1 FOR UPDATE
), entry AS (
    INSERT INTO consent_accesslog
        (at, user_id, user_label, agency_id, role, subject_id, shown, bases, prev_hash, hash)
    SELECT %(at)s, %(user_id)s, %(user_label)s, %(agency_id)s, %(role)s, %(subject_id)s,
           %(shown)s, %(bases)s::jsonb, head.last_hash,
           encode(sha256(convert_to(%(before)s || head.last_hash || %(after)s, 'UTF8')), 'hex')
    FROM head
    RETURNING id, prev_hash, hash
)
UPDATE consent_accessloghead SET last_hash = entry.hash FROM entry
WHERE consent_accessloghead.id = 1
RETURNING entry.id, entry.prev_hash, entry.hash
"""


def _append_in_one_statement(entry: AccessLog) -> bool:
    """Write the entry in one statement; False when the head row is missing (after a flush),
    for the caller to take the path that makes it again."""
    entry.prev_hash = "@"
    before, after = _payload(entry).split(_PREV_MARK)
    with connection.cursor() as cursor:
        cursor.execute(
            _APPEND_SQL,
            {
                "at": entry.at,
                "user_id": entry.user_id,
                "user_label": entry.user_label,
                "agency_id": entry.agency_id,
                "role": entry.role,
                "subject_id": entry.subject_id,
                "shown": entry.shown,
                "bases": json.dumps(entry.bases),
                "before": before + '"prev":"',
                "after": '"' + after,
            },
        )
        row = cursor.fetchone()
    if row is None:
        return False
    entry.id, entry.prev_hash, entry.hash = row
    return True


def first_broken(batch_size: int = 5000) -> AccessLog | None:
    """The first entry whose hash or link does not match, or None when the chain is whole."""
    previous = GENESIS
    for entry in AccessLog.objects.order_by("id").iterator(chunk_size=batch_size):
        if entry.prev_hash != previous or entry_hash(entry) != entry.hash:
            return entry
        previous = entry.hash
    head = AccessLogHead.objects.filter(pk=1).values_list("last_hash", flat=True).first()
    if head is not None and head != previous:
        # The newest entries were deleted: the head still names a hash no entry carries.
        return AccessLog(id=None, hash=head, prev_hash=previous)
    return None

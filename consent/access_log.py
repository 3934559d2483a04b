"""The access log's hash chain: each entry carries the hash of the one before, so any edit
or deletion shows as a broken link."""

import hashlib
import json

from django.db import transaction
from django.utils import timezone

from .models import AccessLog, AccessLogHead

GENESIS = "0" * 64


def entry_hash(entry: AccessLog) -> str:
    payload = json.dumps(
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
    return hashlib.sha256(payload.encode()).hexdigest()


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
    with transaction.atomic():
        head = _locked_head()
        entry = AccessLog(
            at=timezone.now(),
            user=user,
            user_label=user.get_full_name() or user.get_username(),
            agency_id=agency_id,
            role=role or "",
            subject_id=subject_id,
            shown=shown,
            bases=bases,
            prev_hash=head.last_hash,
        )
        entry.hash = entry_hash(entry)
        entry.save()
        AccessLogHead.objects.filter(pk=1).update(last_hash=entry.hash)
    return entry


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

"""The access log's chain: each entry carries an HMAC of its payload and of the entry before,
keyed by a secret the database never holds, so an edit, a deletion or a log rebuilt with
new hashes shows as a broken link to anyone who holds the key. Anchors written outside the
database (a file and an email) catch what no chain can: its newest entries deleted together
with the head row."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.utils import timezone

from core.mail import email_queue

from . import events
from .models import AccessLog, AccessLogHead

if TYPE_CHECKING:
    from .policy import Basis

GENESIS = "0" * 64
ANCHOR_FILE = "access-log-anchors.jsonl"


def _key() -> bytes:
    """The chain's key, from the environment; refused when empty (the system check says so
    first), since an unkeyed chain can be rebuilt by anyone."""
    key = settings.ACCESS_LOG_KEY
    if not key:
        raise ImproperlyConfigured("ACCESS_LOG_KEY must be set to write or check the access log.")
    return key.encode()


def _payload(entry: AccessLog) -> str:
    return json.dumps(
        {
            "at": entry.at.isoformat(),
            "user": entry.user_ref,
            "username": entry.username,
            "user_label": entry.user_label,
            "agency": entry.agency_id,
            "role": entry.role,
            "subject": entry.subject_id,
            "shown": entry.shown,
            "withheld_shown": entry.withheld_shown,
            "bases": entry.bases,
            "prev": entry.prev_hash,
        },
        sort_keys=True,
        separators=(",", ":"),
    )


def entry_hash(entry: AccessLog) -> str:
    return hmac.new(_key(), _payload(entry).encode(), hashlib.sha256).hexdigest()


def _locked_head() -> AccessLogHead:
    """The head row, locked. A migration creates it, but a database flush (as between
    transactional tests) removes it: then it is made again from the newest entry."""
    try:
        return AccessLogHead.objects.select_for_update().get(pk=1)
    except AccessLogHead.DoesNotExist:
        newest = AccessLog.objects.order_by("-id").values_list("hash", flat=True).first()
        AccessLogHead.objects.get_or_create(pk=1, defaults={"last_hash": newest or GENESIS})
        return AccessLogHead.objects.select_for_update().get(pk=1)


def records_told(contacts, assessments) -> tuple[str, int]:
    """The words of an entry for the contacts and assessments shown, each given as (agency id,
    withheld from the subject), and how many withheld records were shown besides. The subject
    reads the words in "who looked", so they count only the records the subject may know of
    (rule 6); the rest go to the entry's withheld_shown, for information governance."""
    told = [agency for agency, withheld in contacts if not withheld]
    told_assessments = [agency for agency, withheld in assessments if not withheld]
    words = (
        f"{len(told)} contacts and {len(told_assessments)} assessments"
        f" from {len(set(told) | set(told_assessments))} agencies"
    )
    return words, len(contacts) - len(told) + len(assessments) - len(told_assessments)


def append(
    *, user, agency_id, role, subject_id, shown, bases: Iterable[Basis], withheld_shown: int = 0
) -> AccessLog:
    """Add one entry at the end of the chain. The head row is locked until the transaction
    ends, so two writers can never both link to the same previous entry. The bases are kept
    in one order (kind, then reference), so the same reasons always read and hash alike.

    The HMAC is computed here, between reading the head and writing the entry, rather than
    by pgcrypto inside one statement: Django binds parameters on the client, into the
    statement's text, so a key passed to the database would show in pg_stat_activity and in
    the statement logs (bound parameters are logged too), to the very administrator the key
    guards against. The lock then spans the head's read, a hash of a few hundred bytes and
    one more statement."""
    entry = AccessLog(
        at=timezone.now(),
        user=user,
        user_ref=user.pk,
        username=user.get_username(),
        user_label=user.get_full_name() or user.get_username(),
        agency_id=agency_id,
        role=role or "",
        subject_id=subject_id,
        shown=shown,
        withheld_shown=withheld_shown,
        bases=sorted((b.as_dict() for b in bases), key=lambda b: (b["kind"], b["ref"] or 0)),
    )
    with transaction.atomic():
        entry.prev_hash = _locked_head().last_hash
        entry.hash = entry_hash(entry)
        if connection.vendor == "postgresql":
            _insert_and_move_head(entry)
        else:
            entry.save()
            AccessLogHead.objects.filter(pk=1).update(last_hash=entry.hash)
    return entry


# On PostgreSQL the entry and the head's move are one statement, so the lock taken by
# _locked_head() is held for one round trip more than the hash, not two.
_INSERT_SQL = """
WITH entry AS (
    INSERT INTO consent_accesslog (at, user_id, user_ref, username, user_label, agency_id, role,
                                   subject_id, shown, withheld_shown, bases, prev_hash, hash)
    VALUES (%(at)s, %(user_id)s, %(user_ref)s, %(username)s, %(user_label)s, %(agency_id)s,
            %(role)s, %(subject_id)s, %(shown)s, %(withheld_shown)s, %(bases)s::jsonb,
            %(prev_hash)s, %(hash)s)
    RETURNING id, hash
)
UPDATE consent_accessloghead SET last_hash = entry.hash FROM entry
WHERE consent_accessloghead.id = 1
RETURNING entry.id
"""


def _insert_and_move_head(entry: AccessLog) -> None:
    fields = ("at", "user_id", "user_ref", "username", "user_label", "agency_id", "role", "subject_id")
    params = {name: getattr(entry, name) for name in fields}
    params.update(
        shown=entry.shown,
        withheld_shown=entry.withheld_shown,
        bases=json.dumps(entry.bases),
        prev_hash=entry.prev_hash,
        hash=entry.hash,
    )
    with connection.cursor() as cursor:
        cursor.execute(_INSERT_SQL, params)
        (entry.id,) = cursor.fetchone()


# Checking ----------------------------------------------------------------------------------


def first_problem(*, anchors: list[Anchor] | None = None, batch_size: int = 5000) -> str | None:
    """What is wrong with the log, in words ("The access log is ...") naming the first bad
    entry, or None when it is whole. Each anchor's entry must still be there, unchanged."""
    expected = {anchor.entry: anchor for anchor in anchors or ()}
    previous = GENESIS
    for entry in AccessLog.objects.order_by("id").iterator(chunk_size=batch_size):
        if entry.prev_hash != previous or not hmac.compare_digest(entry_hash(entry), entry.hash):
            return f"broken at entry {entry.id} (at {entry.at:%Y-%m-%d %H:%M:%S})"
        anchor = expected.pop(entry.id, None)
        if anchor is not None and anchor.hash != entry.hash:
            return f"rewritten: entry {entry.id} is not the entry anchored on {anchor.anchored_at}"
        previous = entry.hash
    if expected:
        anchor = min(expected.values(), key=lambda a: a.entry)
        return (
            f"missing entry {anchor.entry}, anchored on {anchor.anchored_at}: its newest entries were deleted"
        )
    head = AccessLogHead.objects.filter(pk=1).values_list("last_hash", flat=True).first()
    if head is not None and head != previous:
        return "missing its newest entries: the head names a hash no entry carries"
    return None


# Anchors -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Anchor:
    """The head of the log at one moment, signed with the key, kept outside the database."""

    entry: int
    hash: str
    at: str
    anchored_at: str

    def signature(self) -> str:
        message = "access-log-anchor:" + json.dumps(asdict(self), sort_keys=True, separators=(",", ":"))
        return hmac.new(_key(), message.encode(), hashlib.sha256).hexdigest()

    def line(self) -> str:
        return json.dumps({**asdict(self), "signature": self.signature()}, sort_keys=True)


def anchor_file() -> Path:
    return Path(settings.ACCESS_LOG_ANCHOR_DIR) / ANCHOR_FILE


def anchor_head() -> Anchor | None:
    """Write the newest entry (id, hash, time) outside the database: appended to the anchor
    file and emailed to information governance. None when the log is empty."""
    newest = AccessLog.objects.order_by("-id").first()
    if newest is None:
        return None
    anchor = Anchor(
        entry=newest.pk,
        hash=newest.hash,
        at=newest.at.isoformat(),
        anchored_at=timezone.now().isoformat(timespec="seconds"),
    )
    path = anchor_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as file:
        file.write(anchor.line() + "\n")
    recipients = settings.ACCESS_LOG_ANCHOR_EMAILS
    events.access_log_anchored(newest=newest, emailed=len(recipients))
    if recipients:
        email_queue(
            f"Joined Up access log anchor, entry {anchor.entry}",
            "The access log's head, signed. Keep this email: `manage.py verify_access_log "
            "--anchors FILE` checks the log against a file of these lines.\n\n" + anchor.line() + "\n",
            settings.DEFAULT_FROM_EMAIL,
            recipients,
        )
    return anchor


class AnchorError(ValueError):
    """An anchor line that cannot be trusted: unreadable, or not signed with this key."""


def read_anchors(path: Path) -> list[Anchor]:
    anchors = []
    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not text.strip():
            continue
        try:
            data = json.loads(text)
            signature = data.pop("signature")
            anchor = Anchor(**data)
        except (ValueError, TypeError, KeyError, AttributeError):
            raise AnchorError(f"line {number} of {path.name} is not an anchor") from None
        if not hmac.compare_digest(anchor.signature(), str(signature)):
            raise AnchorError(f"line {number} of {path.name} is not signed with this key")
        anchors.append(anchor)
    return anchors

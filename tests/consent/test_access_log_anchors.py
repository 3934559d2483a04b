"""The access log's head is anchored outside the database, signed, and checked (rule 8): what
an administrator can hide from the chain (its newest entries deleted with the head moved
back) the anchors still show."""

import json

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError

from consent import access_log
from consent.models import AccessLog
from consent.tasks import anchor_access_log
from core.models import AuditEvent
from tests.consent.test_access_log import _log, _tamper, rechain

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def anchors(settings, tmp_path):
    settings.ACCESS_LOG_ANCHOR_DIR = tmp_path / "anchors"
    settings.ACCESS_LOG_ANCHOR_EMAILS = ["ig@example.invalid"]
    return tmp_path / "anchors" / access_log.ANCHOR_FILE


def _delete_newest_and_move_the_head_back():
    """What an administrator who knows the schema does: the chain and head stay consistent."""
    newest, before = AccessLog.objects.order_by("-id")[:2]
    _tamper("DELETE FROM consent_accesslog WHERE id = %s", [newest.pk])
    _tamper("UPDATE consent_accessloghead SET last_hash = %s WHERE id = 1", [before.hash])


def test_the_command_appends_a_signed_anchor_and_emails_information_governance(
    anchors, django_capture_on_commit_callbacks
):
    entries = _log(2)
    with django_capture_on_commit_callbacks(execute=True):  # the email is sent once committed
        call_command("anchor_access_log")
    (line,) = anchors.read_text().splitlines()
    anchor = json.loads(line)
    assert (anchor["entry"], anchor["hash"]) == (entries[-1].pk, entries[-1].hash)
    assert anchor["signature"]
    (email,) = mail.outbox
    assert email.to == ["ig@example.invalid"]
    assert line in email.body
    assert AuditEvent.objects.filter(verb="access_log.anchored", object_id=entries[-1].pk).exists()
    call_command("verify_access_log", "--anchors")


def test_the_daily_task_anchors_too(anchors):
    assert (
        django_settings.CELERY_BEAT_SCHEDULE["access-log-anchor-daily"]["task"] == "consent.anchor_access_log"
    )
    (entry,) = _log(1)
    assert anchor_access_log.delay().get() == entry.pk
    assert str(entry.pk) in anchors.read_text()


def test_an_empty_log_is_not_anchored(anchors):
    call_command("anchor_access_log")
    assert not anchors.exists()


def test_a_deleted_tail_hidden_from_the_chain_shows_against_the_anchors():
    entries = _log(3)
    access_log.anchor_head()
    _delete_newest_and_move_the_head_back()
    call_command("verify_access_log")  # the chain alone cannot tell
    with pytest.raises(CommandError, match=f"missing entry {entries[-1].pk}, anchored on"):
        call_command("verify_access_log", "--anchors")


def test_a_rewrite_under_the_key_shows_against_the_anchors():
    """Even someone who has the key and rebuilds the chain cannot change what was anchored."""
    entries = _log(3)
    access_log.anchor_head()
    _tamper("UPDATE consent_accesslog SET shown = %s WHERE id = %s", ["nothing", entries[1].pk])
    rechain(access_log.entry_hash)
    call_command("verify_access_log")
    with pytest.raises(CommandError, match=f"rewritten: entry {entries[-1].pk} is not the entry anchored"):
        call_command("verify_access_log", "--anchors")


def test_a_forged_anchor_is_refused(anchors):
    _log(2)
    access_log.anchor_head()
    anchor = json.loads(anchors.read_text())
    anchor["entry"] -= 1
    anchors.write_text(json.dumps(anchor) + "\n")
    with pytest.raises(CommandError, match=r"line 1 of .* is not signed with this key"):
        call_command("verify_access_log", "--anchors")


def test_the_anchors_of_the_emails_can_be_checked_from_a_file(tmp_path, django_capture_on_commit_callbacks):
    _log(2)
    with django_capture_on_commit_callbacks(execute=True):
        access_log.anchor_head()
    saved = tmp_path / "from-email.jsonl"
    saved.write_text(mail.outbox[0].body.splitlines()[-1] + "\n")
    call_command("verify_access_log", "--anchors", str(saved))
    _delete_newest_and_move_the_head_back()
    with pytest.raises(CommandError, match="missing entry"):
        call_command("verify_access_log", "--anchors", str(saved))


def test_checking_anchors_that_are_not_there_fails():
    _log(1)
    with pytest.raises(CommandError, match="No anchors to check"):
        call_command("verify_access_log", "--anchors")

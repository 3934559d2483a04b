"""The access log is append-only and tamper-evident (rule 8)."""

import hashlib
import hmac
import threading

import pytest
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.utils import DatabaseError, InternalError

from consent import access_log
from consent.models import AccessLog, AccessLogHead
from tests.factories import PersonFactory, staff_user

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL triggers only")


def _log(n, user=None, person=None):
    user = user or staff_user()
    person = person or PersonFactory()
    return [
        access_log.append(
            user=user, agency_id=None, role="staff", subject_id=person.pk, shown=f"view {i}", bases=[]
        )
        for i in range(n)
    ]


TRIGGERS = [
    f"consent.AccessLog:{name}"
    for name in ("access_log_append_only", "access_log_unchanged", "access_log_user_only_cleared")
]


def _tamper(sql, params):
    """Change a row behind the application's back, as a database administrator can (on
    PostgreSQL, with the triggers ignored)."""
    if connection.vendor == "postgresql":
        import pgtrigger

        with pgtrigger.ignore(*TRIGGERS), connection.cursor() as cursor:
            cursor.execute(sql, params)
    else:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def rechain(rehash):
    """Rebuild every link and the head with `rehash(entry)`, as an administrator who rewrote
    entries would, so that each entry matches its link again."""
    previous = access_log.GENESIS
    for entry in AccessLog.objects.order_by("id"):
        entry.prev_hash = previous
        previous = rehash(entry)
        _tamper(
            "UPDATE consent_accesslog SET prev_hash = %s, hash = %s WHERE id = %s",
            [entry.prev_hash, previous, entry.pk],
        )
    _tamper("UPDATE consent_accessloghead SET last_hash = %s WHERE id = 1", [previous])


@pytest.mark.django_db
def test_a_whole_chain_verifies():
    _log(3)
    call_command("verify_access_log")


@pytest.mark.django_db
def test_an_edited_entry_is_named():
    entries = _log(4)
    _tamper("UPDATE consent_accesslog SET shown = %s WHERE id = %s", ["nothing", entries[1].pk])
    with pytest.raises(CommandError, match=f"entry {entries[1].pk}"):
        call_command("verify_access_log")


@pytest.mark.django_db
def test_a_deleted_entry_is_caught():
    entries = _log(4)
    _tamper("DELETE FROM consent_accesslog WHERE id = %s", [entries[1].pk])
    with pytest.raises(CommandError, match=f"entry {entries[2].pk}"):
        call_command("verify_access_log")


@pytest.mark.django_db
def test_deleting_the_newest_entries_is_caught():
    entries = _log(3)
    _tamper("DELETE FROM consent_accesslog WHERE id = %s", [entries[-1].pk])
    with pytest.raises(CommandError, match="newest entries"):
        call_command("verify_access_log")


@pytest.mark.django_db
def test_a_log_rechained_with_the_plain_hash_is_caught():
    entries = _log(3)
    _tamper("UPDATE consent_accesslog SET shown = %s WHERE id = %s", ["nothing", entries[1].pk])
    rechain(lambda entry: hashlib.sha256(access_log._payload(entry).encode()).hexdigest())
    with pytest.raises(CommandError, match=f"broken at entry {entries[0].pk}"):
        call_command("verify_access_log")


@pytest.mark.django_db
def test_a_log_rechained_with_another_key_is_caught(settings):
    entries = _log(3)
    _tamper("UPDATE consent_accesslog SET shown = %s WHERE id = %s", ["nothing", entries[1].pk])
    real_key, settings.ACCESS_LOG_KEY = settings.ACCESS_LOG_KEY, "a key the administrator made up"
    rechain(access_log.entry_hash)
    settings.ACCESS_LOG_KEY = real_key
    with pytest.raises(CommandError, match=f"broken at entry {entries[0].pk}"):
        call_command("verify_access_log")


@pytest.mark.django_db
def test_the_database_holds_no_key(settings):
    """Each hash is an HMAC under the environment's key: the plain hash of the same payload,
    which anyone with the database could compute, is not what the entry carries."""
    (entry,) = _log(1)
    assert entry.hash != hashlib.sha256(access_log._payload(entry).encode()).hexdigest()
    assert (
        entry.hash
        == hmac.new(
            settings.ACCESS_LOG_KEY.encode(), access_log._payload(entry).encode(), hashlib.sha256
        ).hexdigest()
    )


@pytest.mark.django_db
def test_deleting_a_user_keeps_the_chain_whole():
    user = staff_user(user__first_name="Sam", user__last_name="Reid")
    _log(2, user=user)
    user_id, username = user.pk, user.username
    user.delete()
    call_command("verify_access_log")
    entry = AccessLog.objects.order_by("id").first()
    assert (entry.user_id, entry.user_ref, entry.username, entry.user_label) == (
        None,
        user_id,
        username,
        "Sam Reid",
    )


@pytest.mark.django_db
def test_production_refuses_to_start_without_the_key(settings):
    settings.DEBUG = False
    settings.ACCESS_LOG_KEY = ""
    errors = [message.id for message in checks.run_checks() if message.level >= checks.ERROR]
    assert "consent.E001" in errors
    with pytest.raises(ImproperlyConfigured):
        _log(1)


@on_postgresql
@pytest.mark.django_db
def test_postgresql_refuses_update_and_delete():
    (entry,) = _log(1)
    for statement in (
        "UPDATE consent_accesslog SET shown = 'x' WHERE id = %s",
        "UPDATE consent_accesslog SET user_id = NULL, user_label = 'x' WHERE id = %s",
        "UPDATE consent_accesslog SET user_id = user_id WHERE id = %s",
        "DELETE FROM consent_accesslog WHERE id = %s",
    ):
        with (
            pytest.raises((InternalError, DatabaseError)),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, [entry.pk])
    assert AccessLog.objects.get(pk=entry.pk).shown == "view 0"


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_do_not_fork_the_chain():
    user = staff_user()
    person = PersonFactory()
    errors = []

    def write():
        try:
            _log(10, user=user, person=person)
        except Exception as error:  # collected and asserted below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=write) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert AccessLog.objects.count() == 40
    assert access_log.first_problem() is None
    assert AccessLog.objects.values("prev_hash").distinct().count() == 40


@pytest.mark.django_db
def test_the_chain_goes_on_after_its_head_row_is_lost():
    """A database flush removes the migration-made head row; the next entry rebuilds it
    from the newest entry, so the chain stays whole."""
    user = staff_user()
    person = PersonFactory()
    entry = {
        "user": user,
        "agency_id": None,
        "role": "staff",
        "subject_id": person.pk,
        "shown": "x",
        "bases": [],
    }
    access_log.append(**entry)
    AccessLogHead.objects.all().delete()
    access_log.append(**entry)
    assert access_log.first_problem() is None

"""The access log is append-only and tamper-evident (rule 8)."""

import threading

import pytest
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


def _tamper(sql, params):
    """Change a row behind the application's back (on PostgreSQL, with the trigger ignored)."""
    if connection.vendor == "postgresql":
        import pgtrigger

        with pgtrigger.ignore("consent.AccessLog:access_log_append_only"), connection.cursor() as cursor:
            cursor.execute(sql, params)
    else:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


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
    with pytest.raises(CommandError, match="newest entries are missing"):
        call_command("verify_access_log")


@on_postgresql
@pytest.mark.django_db
def test_postgresql_refuses_update_and_delete():
    (entry,) = _log(1)
    for statement in (
        "UPDATE consent_accesslog SET shown = 'x' WHERE id = %s",
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
    assert access_log.first_broken() is None
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
    assert access_log.first_broken() is None

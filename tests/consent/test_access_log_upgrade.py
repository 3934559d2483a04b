"""The upgrade to a keyed chain checks the old chain, then keys it once: an existing log
verifies afterwards, and a log already broken refuses the upgrade instead of being laundered."""

import importlib

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from consent.models import AccessLog
from tests.factories import PersonFactory, UserFactory

BEFORE, AFTER = ("consent", "0006_protect_case_data"), ("consent", "0007_access_log_keyed")
upgrade = importlib.import_module("consent.migrations.0007_access_log_keyed")
pytestmark = pytest.mark.migrations


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    return executor.loader.project_state([target]).apps


def _old_log(apps, users, tamper=False):
    """Entries as the previous release wrote them (plain SHA-256 over the user's live id); the
    last one's user was deleted since."""
    OldLog = apps.get_model("consent", "AccessLog")
    person = PersonFactory()
    previous = upgrade.GENESIS
    for i, user in enumerate(users):
        entry = OldLog(
            at=timezone.now(),
            user_id=user.pk,
            user_label=f"User {i}",
            role="staff",
            subject_id=person.pk,
            shown=f"view {i}",
            bases=[],
            prev_hash=previous,
        )
        entry.hash = previous = upgrade._old_hash(entry)
        if tamper and i == 1:
            entry.shown = "nothing"
        if i == len(users) - 1:
            entry.user_id = None
        entry.save()
    apps.get_model("consent", "AccessLogHead").objects.update_or_create(
        pk=1, defaults={"last_hash": previous}
    )


@pytest.mark.django_db(transaction=True)
def test_an_existing_log_is_keyed_and_verifies():
    users = [UserFactory(), UserFactory(), UserFactory()]
    try:
        _old_log(_migrate(BEFORE), users)
        _migrate(AFTER)
    finally:
        call_command("migrate", verbosity=0)
    call_command("verify_access_log")
    assert list(AccessLog.objects.order_by("id").values_list("user_ref", "username")) == [
        (users[0].pk, users[0].username),
        (users[1].pk, users[1].username),
        (None, ""),
    ]


@pytest.mark.django_db
def test_a_broken_log_refuses_the_upgrade():
    """The migration's step itself, on today's tables (migrating there and back is slow)."""
    _old_log(django_apps, [UserFactory(), UserFactory(), UserFactory()], tamper=True)
    with pytest.raises(RuntimeError, match="broken at entry"):
        upgrade.rekey(django_apps, None)

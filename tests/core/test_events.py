"""The audit trail holds only the closed list of verbs, each written by one typed function
named after it, and only core.events writes its rows."""

import ast

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import autodiscover_modules

from agencies import events as agency_events
from core.events import WRITERS, Event, event
from core.models import AuditEvent, Verb
from tests import test_layout
from tests.factories import UserFactory

autodiscover_modules("events")


def test_every_verb_is_written_by_exactly_one_typed_function_named_after_it():
    assert set(WRITERS) == set(Verb)
    misnamed = {
        verb: writer
        for verb, writer in WRITERS.items()
        if writer.split(".")[1:] != ["events", verb.replace(".", "_")]
    }
    assert not misnamed


def test_a_verb_outside_the_list_cannot_be_declared():
    with pytest.raises(ImproperlyConfigured, match="not an audit verb"):
        event("contact.deleted")


def test_a_verb_already_written_cannot_be_claimed_by_a_second_function():
    writer = WRITERS[Verb.CONTACT_RECORDED]
    with pytest.raises(ImproperlyConfigured, match=r"already written by journeys\.events\.contact_recorded"):

        @event(Verb.CONTACT_RECORDED)
        def contact_recorded(*, actor, contact) -> Event:
            return Event(actor, contact)

    assert WRITERS[Verb.CONTACT_RECORDED] == writer


@pytest.mark.django_db
def test_a_typed_function_writes_its_verb_the_object_and_its_detail_without_an_actor():
    user = UserFactory()
    row = agency_events.token_revoked_all(user=user, reason="password changed", count=2)
    assert AuditEvent.objects.get() == row
    assert (row.verb, row.actor, row.object_type, row.object_id) == (
        "token.revoked_all",
        None,
        "auth.user",
        user.pk,
    )
    assert row.detail == {"reason": "password changed", "count": 2}


def _creates_audit_rows(node: ast.AST) -> bool:
    """`AuditEvent.objects.create(...)`, or any other manager write of the model."""
    return (
        isinstance(node, ast.Attribute)
        and node.attr in {"create", "bulk_create", "get_or_create", "update_or_create"}
        and isinstance(node.value, ast.Attribute)
        and node.value.attr == "objects"
        and isinstance(node.value.value, ast.Name)
        and node.value.value.id == "AuditEvent"
    )


def test_only_core_events_writes_audit_rows_and_only_apps_events_modules_use_it():
    writes = [
        f"{module}:{node.lineno}"
        for module in test_layout.modules()
        if module != "core/events.py"
        for node in ast.walk(ast.parse((test_layout.ROOT / module).read_text()))
        if _creates_audit_rows(node) or (isinstance(node, ast.Name) and node.id == "record_event")
    ]
    assert not writes, "Audit rows written outside core.events: " + ", ".join(writes)
    imports = [
        f"{edge.source}:{edge.line}"
        for edge in test_layout.edges()
        if edge.target.startswith("core.events") and not edge.source.endswith("/events.py")
    ]
    assert not imports, "core.events imported outside an app's events.py: " + ", ".join(imports)

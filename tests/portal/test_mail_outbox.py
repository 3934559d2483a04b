"""Issue 14: emails go through the outbox (core.mail). One written during a request while Redis
is down is sent once the relay runs, and once only; a write rolled back sends nothing; a mail
server that is away is tried again."""

from datetime import date

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse
from kombu.exceptions import OperationalError

from config.celery import app
from core import mail as core_mail
from core import outbox
from core.models import OutboxMessage
from core.tasks import send_email
from portal.services import correction_request

pytestmark = pytest.mark.django_db

CORRECTION = {"field": "date_of_birth", "requested_value": "3 4 1994", "explanation": "A typing mistake."}


@pytest.fixture
def staff_email(world):
    world.social_worker.email = "worker@example.invalid"
    world.social_worker.save()
    return world.social_worker.email


def _emails_queued():
    return OutboxMessage.objects.filter(task_name=core_mail.SEND_EMAIL)


def test_an_email_written_while_redis_is_down_is_sent_once_the_relay_runs(
    client, world, staff_email, monkeypatch, django_capture_on_commit_callbacks
):
    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting: Connection refused.")

    client.force_login(world.jade_user)
    with monkeypatch.context() as broker_down:
        broker_down.setitem(app.conf, "task_always_eager", False)
        broker_down.setattr(send_email, "apply_async", refuse)
        # The process's relay thread, run in line.
        broker_down.setattr(outbox._relayer, "submit", lambda pk: outbox.outbox_relay(ids=[pk]))
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("portal:correction_new"), CORRECTION)
    assert response.status_code == 302
    assert mail.outbox == []
    waiting = _emails_queued().get()
    assert waiting.sent_at is None
    assert "Connection refused" in waiting.last_error

    assert outbox.outbox_sweep() == 1  # the broker is back
    assert [email.to for email in mail.outbox] == [[staff_email]]
    assert "asked for their details to be corrected" in mail.outbox[0].subject
    # Delivered again (a worker lost before acknowledging it): not sent twice.
    assert send_email.apply(task_id=str(waiting.task_id), kwargs=waiting.kwargs).get() is False
    # The outbox keeps no word of a sent email: not the link, not the address.
    waiting.refresh_from_db()
    assert staff_email not in str(waiting.kwargs) and "corrected" not in str(waiting.kwargs)
    assert outbox.outbox_sweep() == 0
    assert len(mail.outbox) == 1


def test_a_write_rolled_back_sends_no_email(world, staff_email, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        correction_request(
            person=world.jade, field="date_of_birth", requested_value=date(1994, 4, 3), actor=world.jade_user
        )
        raise RuntimeError("a later step of the same write failed")
    assert mail.outbox == []
    assert not _emails_queued().exists()


def test_a_mail_server_that_is_away_is_tried_again(monkeypatch, django_capture_on_commit_callbacks):
    real_send, calls = core_mail.send_mail, []

    def away_once(*args):
        calls.append(args)
        if len(calls) == 1:
            raise ConnectionRefusedError("the mail server is away")
        return real_send(*args)

    monkeypatch.setattr(core_mail, "send_mail", away_once)
    monkeypatch.setitem(app.conf, "task_eager_propagates", False)  # each retry's Retry is not raised
    with django_capture_on_commit_callbacks(execute=True):
        core_mail.email_queue("Hello", "Body", None, ["someone@example.invalid"])
    assert len(calls) == 2
    assert [email.to for email in mail.outbox] == [["someone@example.invalid"]]

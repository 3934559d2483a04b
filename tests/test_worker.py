"""Runs only in the PostgreSQL + Redis stage of .ci/run, against a real Celery worker."""

import os

import pytest

from config.celery import app

pytestmark = pytest.mark.worker


@pytest.mark.skipif(not os.environ.get("CELERY_BROKER_URL"), reason="needs a real broker and worker")
def test_a_real_worker_answers_on_the_broker():
    replies = app.control.ping(timeout=5)
    assert replies, "no Celery worker answered on the broker"

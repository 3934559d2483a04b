"""In the PostgreSQL + Redis stage of .ci/run: a real worker flags a new duplicate assessment."""

import os
import time

import pytest

from duplicates.models import DuplicateFlag
from tests.factories import PersonFactory
from tests.journeys.helpers import kind, questions, record

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(not os.environ.get("CELERY_BROKER_URL"), reason="needs a real broker and worker"),
]


def test_a_real_worker_flags_a_new_duplicate_assessment(transactional_db, settings):
    assert not settings.CELERY_TASK_ALWAYS_EAGER
    bank = questions(6, prefix="worker")
    person = PersonFactory()
    first = record(kind(bank), person=person, days_ago=30)
    second = record(kind(bank), person=person, days_ago=1)
    deadline = time.monotonic() + 20
    flag = None
    while time.monotonic() < deadline:
        flag = DuplicateFlag.objects.filter(earlier=first, later=second).first()
        if flag is not None:
            break
        time.sleep(0.25)
    assert flag is not None, "no flag within 20 seconds: is a worker running on the test database?"
    assert flag.shared_count == 6
    assert flag.status == "open"

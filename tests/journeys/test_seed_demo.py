"""The demo loads once, and a second run changes nothing."""

import pytest
from django.core.management import call_command

from consent.models import ConsentGrant
from journeys.models import Assessment, Contact, Family, Person

pytestmark = pytest.mark.django_db


def counts():
    return [m.objects.count() for m in (Family, Person, Contact, Assessment, ConsentGrant)]


def test_seed_demo_twice_changes_nothing(settings, capsys):
    settings.DEMO_PASSWORD = "synthetic-demo-pass"
    call_command("seed_demo")
    first = counts()
    out = capsys.readouterr().out
    for username in ("police", "socialcare", "advocate", "manager", "citizen", "admin"):
        assert username in out
    call_command("seed_demo")
    assert counts() == first
    assert 3 <= first[0] <= 5
    assert first[2] > 100

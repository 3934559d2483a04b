"""Portal pages and endpoints use a fixed number of queries, whatever the size of the record."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from consent import access_log
from consent.models import BasisKind
from consent.policy import Basis
from tests.factories import AgencyFactory, ConsentGrantFactory, ContactFactory

pytestmark = pytest.mark.django_db

PAGES = [
    ("portal:journey", "page"),
    ("portal:consents", "page"),
    ("portal:who_looked", "page"),
    ("api-me-record", "api"),
    ("api-me-consents", "api"),
    ("api-me-access-log", "api"),
]


def _grow(world, n):
    for i in range(n):
        agency = AgencyFactory(code=f"grown{i}-{n}")
        ContactFactory(agency=agency, persons=[world.jade], summary=f"Grown {i}")
        ConsentGrantFactory(subject=world.jade, agency=agency)
        access_log.append(
            user=world.social_worker,
            agency_id=world.socialcare.pk,
            role="staff",
            subject_id=world.jade.pk,
            shown="1 contact",
            bases=[Basis(BasisKind.CONSENT, 1)],
        )


def _count(client, api, world, name, kind):
    with CaptureQueriesContext(connection) as queries:
        if kind == "page":
            client.force_login(world.jade_user)
            response = client.get(reverse(name))
        else:
            response = api.as_user(world.jade_user).get(reverse(name))
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(("name", "kind"), PAGES)
def test_queries_do_not_grow_with_the_record(client, api, world, name, kind):
    _grow(world, 2)
    _count(client, api, world, name, kind)  # warm up sessions and caches
    small = _count(client, api, world, name, kind)
    _grow(world, 12)
    large = _count(client, api, world, name, kind)
    assert large == small, f"{name}: {small} queries with a small record, {large} with a larger one"

"""A query compiled once answers exactly as the ORM does, for every kind of viewer."""

import pytest
from django.db.models import QuerySet

from agencies.models import ApiClient, Role
from consent import policy
from core.db import CompiledQuery
from tests.factories import AgencyFactory, PersonFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_viewer_row_is_the_orm_row_for_staff_api_clients_citizens_and_strangers():
    staff = StaffFactory(role=Role.MANAGER).user
    client = ApiClient.objects.create(
        agency=AgencyFactory(),
        name="Case system",
        scopes=["records:read", "records:write"],
        user=UserFactory(),
        created_by=staff,
    ).user
    citizen = UserFactory()
    PersonFactory(user=citizen)
    stranger = UserFactory()
    for user in (staff, client, citizen, stranger):
        assert policy._viewer_row(user) == policy._viewer_row_of(user.pk).get(), user
    # JSON and dates come back converted, as the ORM gives them.
    assert policy._viewer_row(client)["api_client__scopes"] == ["records:read", "records:write"]
    assert policy._viewer_row(UserFactory.build(pk=10**9)) == {}


def test_a_query_that_does_not_use_its_key_is_refused():
    def unkeyed(pk) -> QuerySet:
        return policy._viewer_row_of(1)

    with pytest.raises(ValueError, match="filter on the key"):
        CompiledQuery(unkeyed).first(1)

"""A filter id beyond any database integer is a 400 with a field error, never a 500."""

import pytest
from rest_framework.test import APIClient

from agencies.models import Role
from tests.factories import staff_user

pytestmark = pytest.mark.django_db


def test_a_huge_agency_filter_is_a_400_on_the_api_and_ignored_by_the_pages(client):
    manager = staff_user(role=Role.MANAGER)
    api = APIClient(raise_request_exception=False)
    api.force_authenticate(manager)
    response = api.get("/api/v1/duplicate-flags/?agency=" + "1" * 30)
    assert response.status_code == 400
    assert "agency" in response.json()
    client.force_login(manager)
    assert client.get("/duplicates/review/?agency=" + "1" * 30).status_code < 500
    assert client.get("/duplicates/export.csv?agency=" + "1" * 30).status_code < 500

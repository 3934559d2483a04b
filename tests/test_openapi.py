"""The OpenAPI tells the truth about errors: every operation documents the error answers it can
give, and the answers the API really gives match the documented bodies (issue 13)."""

import jsonschema
import pytest
from django.db import IntegrityError
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from config.api import exception_handler
from tests.factories import AgencyFactory, ContactTypeFactory, PersonFactory, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", method, operation


def matches(schema, component, body):
    """Validates a body against one of the document's components, as schemathesis does."""
    jsonschema.validate(
        body, {"$ref": f"#/components/schemas/{component}", "components": schema["components"]}
    )


def test_every_operation_documents_its_error_answers_with_their_bodies(schema):
    for name, method, operation in operations(schema):
        codes = set(operation["responses"])
        if name != "POST /api/v1/auth/token/":  # the one operation open to anyone
            assert {"401", "403"} <= codes, name
        if method == "post":
            assert {"400", "409"} <= codes, name
        if "{" in name:
            assert "404" in codes, name
        for code, answer in operation["responses"].items():
            if code.startswith("4"):
                ref = answer["content"]["application/json"]["schema"]["$ref"]
                expected = "ValidationError" if code == "400" else "Error"
                assert ref == f"#/components/schemas/{expected}", (name, code)
    searches = schema["paths"]["/api/v1/persons/"]["get"]["responses"]["429"]
    assert "identifier searches" in searches["description"]
    assert "Retry-After" in searches["headers"]


def test_error_answers_match_the_documented_bodies(schema, api):
    agency = AgencyFactory()
    ContactTypeFactory(code="gp_appointment")
    person = PersonFactory(registered_by=agency)
    client = api.as_user(staff_user(agency))
    batch = client.post("/api/v1/contacts/", [{"persons": [person.pk]}, {"persons": "x"}], format="json")
    assert batch.status_code == 400
    assert set(batch.json()) == {"0", "1"}  # each bad item under its index
    matches(schema, "ValidationError", batch.json())
    unreadable = client.post("/api/v1/contacts/", "{", content_type="application/json")
    assert unreadable.status_code == 400
    matches(schema, "ValidationError", unreadable.json())
    missing = client.get("/api/v1/persons/999999/record/")
    assert missing.status_code == 404
    matches(schema, "Error", missing.json())
    anonymous = APIClient().get("/api/v1/persons/")
    assert anonymous.status_code == 401
    matches(schema, "Error", anonymous.json())


@pytest.mark.parametrize(
    "path", ["/api/v1/no-such-thing/", "/api/v1/persons/null,null/", "/api/v1/persons/1%0A/"]
)
def test_an_address_that_names_no_endpoint_answers_a_json_404(schema, client, path):
    client.force_login(staff_user())
    for response in (client.get(path), client.post(path, {}, content_type="application/json")):
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        matches(schema, "Error", response.json())


def test_a_write_that_clashes_with_a_concurrent_one_answers_409_and_may_be_sent_again(schema):
    response = exception_handler(IntegrityError("UNIQUE constraint failed: journeys_family.reference"), {})
    assert response.status_code == 409
    matches(schema, "Error", response.data)
    assert "send it again" in response.data["detail"]
    assert "journeys_family" not in response.data["detail"]  # no database detail leaks

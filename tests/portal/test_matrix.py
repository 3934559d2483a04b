"""The portal's permission matrix: a citizen never sees another family's data, an adult
relative's, or a record withheld from them, through any page or endpoint. Every portal route
must appear here: a new route that is not in the matrix fails the first test."""

import json

import pytest
from django.urls import reverse

from consent import portal_services
from consent.concerns import concern_raise
from consent.models import ConcernVia
from consent.portal_urls import staff_urlpatterns
from consent.portal_urls import urlpatterns as portal_urlpatterns

pytestmark = pytest.mark.django_db

OTHERS = ["GRACE-", "TOBI-", "DANIEL-", "JADE-WITHHELD-SECRET", "JADE-WITHHELD-EXISTS"]

# Routes of the citizen's own, with no id: each must answer 200 and show nobody else's data.
OWN = [
    "home",
    "journey",
    "consents",
    "who_looked",
    "details",
    "correction_new",
    "concerns",
    "concern_new",
    "data",
]
# Routes taking an id of something another family owns: each must answer 404.
BY_ID = {
    "journey_for": "person",
    "consents_for": "person",
    "who_looked_for": "person",
    "consent_choose": "person+agency",
    "consent_receipt": "grant",
    "consent_stop": "grant",
    "consent_renew": "grant",
    "concern": "concern",
    "data_export": "export",
    "data_export_print": "export",
    "data_export_json": "export",
}
PUBLIC = ["join", "join_code"]  # the invitation link and code: tested in test_invitations
STAFF = ["invite", "corrections", "correction_decide"]
API = ["api-me-record", "api-me-consents", "api-me-access-log"]


def test_every_portal_route_is_in_the_matrix():
    names = {p.name for p in portal_urlpatterns}
    assert names == set(OWN) | set(BY_ID) | set(PUBLIC)
    assert {p.name for p in staff_urlpatterns[0]} == set(STAFF)


@pytest.fixture
def grace_things(world):
    """Things of the other family, made through the services as Grace would."""
    grant = portal_services.portal_consent_give(
        subject=world.grace,
        agency=world.school,
        categories=["contacts"],
        labels=["general"],
        actor=world.grace_user,
    )
    concern = concern_raise(
        about_agency=world.police,
        text="GRACE-CONCERN about a visit.",
        raised_via=ConcernVia.CITIZEN,
        subject_person=world.grace,
        actor=world.grace_user,
    )
    export = portal_services.data_export_request(person=world.grace, actor=world.grace_user)
    return {"grant": grant, "concern": concern, "export": export}


def _kwargs(kind, world, things, person):
    if kind == "person":
        return {"person_id": person.pk}
    if kind == "person+agency":
        return {"person_id": person.pk, "agency_id": world.school.pk}
    return {f"{kind}_id": things[kind].pk}


def _assert_nothing_of_others(body: str, where: str):
    for marker in OTHERS:
        assert marker not in body, f"{marker} shown on {where}"


def test_own_pages_show_only_the_citizens_own_and_childrens_data(client, world, grace_things):
    client.force_login(world.jade_user)
    for name in OWN:
        response = client.get(reverse(f"portal:{name}"))
        assert response.status_code == 200, name
        _assert_nothing_of_others(response.content.decode(), name)
    journey = client.get(reverse("portal:journey")).content.decode()
    assert "JADE-POLICE-CONTACT" in journey
    assert "kept back 1 record" in journey  # only the one the agency lets her know of


@pytest.mark.parametrize("name", sorted(BY_ID))
def test_another_familys_ids_answer_404_on_every_route(client, world, grace_things, name):
    client.force_login(world.jade_user)
    kind = BY_ID[name]
    for person in (world.grace, world.tobi, world.daniel):
        if kind.startswith("person"):
            url = reverse(f"portal:{name}", kwargs=_kwargs(kind, world, grace_things, person))
        else:
            url = reverse(f"portal:{name}", kwargs=_kwargs(kind, world, grace_things, None))
        assert client.get(url).status_code == 404, (name, person)
        assert client.post(url, {"categories": ["contacts"], "reason": "x"}).status_code == 404, (
            name,
            person,
        )
    # Nothing of Grace's was changed by those posts.
    grace_things["grant"].refresh_from_db()
    assert grace_things["grant"].revoked_at is None


def test_a_parent_sees_a_childs_record_but_not_an_adult_relatives(client, world):
    client.force_login(world.jade_user)
    child = client.get(reverse("portal:journey_for", args=[world.liam.pk]))
    assert child.status_code == 200
    assert "LIAM-SCHOOL-CONTACT" in child.content.decode()
    assert "Attendance review" in child.content.decode()
    assert client.get(reverse("portal:journey_for", args=[world.daniel.pk])).status_code == 404
    assert client.get(reverse("portal:who_looked_for", args=[world.liam.pk])).status_code == 200
    assert client.get(reverse("portal:consents_for", args=[world.liam.pk])).status_code == 200
    home = client.get(reverse("portal:home")).content.decode()
    # Daniel is named only as Liam's other parental responsibility holder (rule 4), never a record.
    assert "Liam Carter" in home and reverse("portal:journey_for", args=[world.daniel.pk]) not in home


def test_the_api_gives_only_the_citizens_own_and_childrens_data(api, world, grace_things):
    client = api.as_user(world.jade_user)
    for name in API:
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        _assert_nothing_of_others(json.dumps(response.json()), name)
        for person in (world.grace, world.tobi, world.daniel):
            assert client.get(reverse(name), {"person": person.pk}).status_code == 404, (name, person)
        assert client.get(reverse(name), {"person": world.liam.pk}).status_code == 200, name
        assert client.get(reverse(name), {"person": "not-a-number"}).status_code == 404, name
    record = client.get(reverse("api-me-record")).json()
    assert {c["summary"] for c in record["contacts"]} == {"JADE-POLICE-CONTACT", "JADE-SCHOOL-CONTACT"}
    assert record["withheld_count"] == 1
    assert [c["name"] for c in record["children"]] == ["Liam Carter"]
    child = client.get(reverse("api-me-record"), {"person": world.liam.pk}).json()
    assert [c["summary"] for c in child["contacts"]] == ["LIAM-SCHOOL-CONTACT"]


def test_the_data_download_holds_no_withheld_or_other_familys_data(client, world, grace_things):
    client.force_login(world.jade_user)
    response = client.post(reverse("portal:data"), follow=True)
    assert "Your data is ready" in response.content.decode()
    export_id = response.resolver_match.kwargs["export_id"]
    download = client.get(reverse("portal:data_export_json", args=[export_id]))
    body = download.content.decode()
    assert "JADE-POLICE-CONTACT" in body
    _assert_nothing_of_others(body, "data download")
    printable = client.get(reverse("portal:data_export_print", args=[export_id])).content.decode()
    assert "JADE-POLICE-CONTACT" in printable
    _assert_nothing_of_others(printable, "printable data")


def test_staff_and_anonymous_users_cannot_use_the_portal(client, api, world):
    for name in OWN:
        assert client.get(reverse(f"portal:{name}")).status_code == 302, name  # to sign in
    client.force_login(world.social_worker)
    for name in OWN:
        assert client.get(reverse(f"portal:{name}")).status_code == 403, name
    staff_api = api.as_user(world.social_worker)
    for name in API:
        assert staff_api.get(reverse(name)).status_code == 403, name


def test_citizens_cannot_use_the_staff_pages(client, world):
    client.force_login(world.jade_user)
    assert client.get(reverse("portal_staff:invite", args=[world.jade.pk])).status_code == 403
    assert client.get(reverse("portal_staff:corrections")).status_code == 403
    correction = portal_services.correction_request(
        person=world.jade, field="family_name", requested_value="Carter-Smith", actor=world.jade_user
    )
    assert client.get(reverse("portal_staff:correction_decide", args=[correction.pk])).status_code == 403

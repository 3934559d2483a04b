"""Rule 4: a parent's grant lapses on the child's 16th birthday and when the parent's parental
responsibility ends; the young person sees it, is told once, and can withdraw it. Staff who move
agency leave their old agency's grants behind."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from consent import policy
from consent.models import ConsentGrant, ConsentLapseNotice
from consent.services import consent_grant
from consent.tasks import send_lapse_notices
from tests.factories import (
    AgencyFactory,
    ConsentGrantFactory,
    ContactFactory,
    FamilyFactory,
    MembershipFactory,
    PersonFactory,
    UserFactory,
    staff_user,
)

pytestmark = pytest.mark.django_db


def _years_ago(years: int, days: int = 0) -> date:
    today = timezone.localdate()
    return today.replace(year=today.year - years) - timedelta(days=days)


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _summaries(user, person) -> set[str]:
    response = _api(user).get(f"/api/v1/persons/{person.pk}/record/")
    assert response.status_code == 200
    return {c["summary"] for c in response.json()["contacts"]}


def _family(*, child_born: date):
    """A parent with parental responsibility, their child, a grant the parent gave for the
    child to the school, and a police contact the school sees only under that grant."""
    family = FamilyFactory()
    parent = MembershipFactory(family=family).person
    child = PersonFactory(date_of_birth=child_born, email="young@example.invalid")
    MembershipFactory(family=family, person=child, relationship="child", parental_responsibility=False)
    school = AgencyFactory()
    ContactFactory(agency=school, persons=[child], summary="School's own")
    ContactFactory(persons=[child], summary="Police contact")
    grant = ConsentGrantFactory(
        subject=child,
        given_by=parent,
        agency=school,
        categories=["contacts", "notes"],
        valid_from=timezone.now() - timedelta(days=60),
    )
    return family, parent, child, school, grant, staff_user(school)


def test_a_parents_grant_stands_until_the_16th_birthday_and_lapses_on_it(client):
    *_, child, _, grant, staff = _family(child_born=_years_ago(16, days=-1))
    assert "Police contact" in _summaries(staff, child)

    child.date_of_birth = _years_ago(16)  # today is the 16th birthday
    child.save()
    assert _summaries(staff, child) == {"School's own"}
    assert _api(staff).get(f"/api/v1/consents/{grant.pk}/").json()["active"] is False
    client.force_login(staff)
    page = client.get(f"/people/{child.pk}/").content.decode()
    assert "no longer in force: the young person reached the age to give their own consent" in page


@pytest.mark.parametrize("ends", ["ended", "no_responsibility"])
def test_a_parents_grant_lapses_when_their_parental_responsibility_ends(ends):
    family, parent, child, _, _, staff = _family(child_born=_years_ago(10))
    assert "Police contact" in _summaries(staff, child)

    membership = parent.memberships.get(family=family)
    if ends == "ended":
        membership.ended = timezone.localdate() - timedelta(days=1)
    else:
        membership.parental_responsibility = False
    membership.save()
    assert _summaries(staff, child) == {"School's own"}


def test_the_young_persons_own_grant_is_unaffected_by_age():
    child = PersonFactory(date_of_birth=_years_ago(17))
    school = AgencyFactory()
    ContactFactory(persons=[child], summary="Police contact")
    ConsentGrantFactory(subject=child, agency=school, categories=["contacts", "notes"])
    assert "Police contact" in _summaries(staff_user(school), child)


def test_duplicate_detection_reads_the_same_lapse_as_the_policy():
    """The grant index answers many past moments at once; it must agree with active_grants."""
    family, parent, child, school, grant, _ = _family(child_born=_years_ago(16, days=-20))
    membership = parent.memberships.get(family=family)
    membership.ended = timezone.localdate() - timedelta(days=10)
    membership.save()
    now = timezone.now()
    for at in (now - timedelta(days=30), now - timedelta(days=5), now + timedelta(days=30)):
        question = dict(
            agency_id=school.pk,
            person_id=child.pk,
            category="contacts",
            record_agency_id=0,
            label="general",
            at=at,
        )
        expected = policy.active_grants(at).filter(pk=grant.pk).exists()
        assert (policy.GrantIndex.of_people([child.pk]).could_see(**question) is not None) is expected
    assert policy.active_grants(now - timedelta(days=30)).filter(pk=grant.pk).exists()
    assert not policy.active_grants(now - timedelta(days=5)).filter(pk=grant.pk).exists()


def _young_person_signed_in(client, child):
    user = UserFactory()
    child.user = user
    child.save()
    client.force_login(user)


def test_the_young_person_sees_the_lapsed_grant_withdraws_it_and_can_give_their_own(client):
    *_, child, school, grant, _ = _family(child_born=_years_ago(16))
    _young_person_signed_in(client, child)

    page = client.get(reverse("portal:consents")).content.decode()
    assert "given by your parent; it ended on your 16th birthday" in page
    assert reverse("portal:consent_stop", args=[grant.pk]) in page
    assert reverse("portal:consent_choose", args=[child.pk, school.pk]) in page  # start their own
    body = client.get("/api/v1/me/consents/").json()
    mine = next(g for g in body["results"] if g["id"] == grant.pk)
    assert (mine["state"], mine["lapsed"]) == ("lapsed", "own_age")
    receipt = client.get(reverse("portal:consent_receipt", args=[grant.pk])).content.decode()
    assert "16th birthday" in receipt

    client.post(reverse("portal:consent_stop", args=[grant.pk]), {"reason": ""})
    grant.refresh_from_db()
    assert grant.revoked_at is not None and grant.revoked_by == child.user


def test_the_young_person_is_told_once_that_a_parents_grant_ended(django_capture_on_commit_callbacks):
    *_, school, grant, _ = _family(child_born=_years_ago(16, days=3))
    still_a_child = _family(child_born=_years_ago(15))[2]
    with django_capture_on_commit_callbacks(execute=True):
        assert send_lapse_notices() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert send_lapse_notices() == 0
    assert [m.to for m in mail.outbox] == [["young@example.invalid"]]
    assert "16th birthday" in mail.outbox[0].body and school.name in mail.outbox[0].body
    assert reverse("portal:consents") in mail.outbox[0].body
    assert ConsentLapseNotice.objects.get().grant == grant
    assert not ConsentLapseNotice.objects.filter(grant__subject=still_a_child).exists()


def _moved_world():
    """A social worker records a grant to their agency and another to the police, then moves
    to housing, which also knows the person."""
    old, police, new = AgencyFactory(), AgencyFactory(), AgencyFactory()
    person = PersonFactory(registered_by=new)
    worker = staff_user(old)
    own = consent_grant(subject=person, agency=old, categories=["contacts"], method="in_person", actor=worker)
    for_police = consent_grant(
        subject=person, agency=police, categories=["contacts"], method="in_person", actor=worker
    )
    assert {g["id"] for g in _api(worker).get("/api/v1/consents/").json()["results"]} == {
        own.pk,
        for_police.pk,
    }
    membership = worker.staff_membership
    membership.agency = new
    membership.save()
    return worker, own, for_police


def test_staff_who_move_agency_no_longer_see_or_revoke_their_old_agencys_grants(client):
    worker, own, for_police = _moved_world()
    api = _api(worker)
    assert api.get("/api/v1/consents/").json()["results"] == []
    for grant in (own, for_police):
        assert api.get(f"/api/v1/consents/{grant.pk}/").status_code == 404
        assert api.post(f"/api/v1/consents/{grant.pk}/revoke/", {"reason": "x"}).status_code == 404
        client.force_login(worker)
        assert client.get(reverse("consent:receipt", args=[grant.pk])).status_code == 404
        assert client.post(reverse("consent:revoke", args=[grant.pk]), {"reason": "x"}).status_code == 404
    assert not ConsentGrant.objects.filter(revoked_at__isnull=False).exists()

"""Issue 11, smaller leaks around the advocates' pages: a concern about the advocacy service is
for its managers, a family's label waits for consent, members who have not agreed to share are
only counted, and every prefill is scoped and logged like the page it comes from."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from advocates import services
from advocates.models import Assignment
from agencies.models import Role, Sector
from concerns.selectors import concern_queue
from concerns.services import concern_raise
from consent.models import AccessLog
from journeys.models import Contact
from tests.factories import (
    AgencyFactory,
    ConsentGrantFactory,
    ContactFactory,
    ContactTypeFactory,
    FamilyFactory,
    MembershipFactory,
    advocate_user,
    staff_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def case():
    advocacy = AgencyFactory(code="advocacy", name="Family Advocacy Service", sector=Sector.ADVOCACY)
    manager = staff_user(advocacy, Role.MANAGER)
    manager.email = "lead@advocacy.example.invalid"
    manager.save()
    advocate = advocate_user(advocacy)
    advocate.email = "advocate@advocacy.example.invalid"
    advocate.save()
    gp = AgencyFactory(code="gp", name="Riverside GP")
    family = FamilyFactory(label="The Marsh family", reference="FAM-1")
    mum = MembershipFactory(family=family, person__given_name="Jade", person__family_name="Marsh").person
    uncle = MembershipFactory(
        family=family,
        relationship="other",
        person__given_name="Dev",
        person__family_name="Quiet",
        person__date_of_birth="1971-03-09",
    ).person
    ConsentGrantFactory(subject=mum, agency=advocacy, categories=["contacts", "assessments", "notes"])
    assignment = services.assignment_start(
        advocate=advocate, family=family, actor=manager, started=timezone.localdate() - timedelta(days=60)
    )
    visit = ContactTypeFactory(code="gp_appointment", label="GP appointment")
    return locals()


def _contact(case, person_key="mum", summary="Seen about sleep.", days=1, agency_key="gp"):
    return ContactFactory(
        agency=case[agency_key],
        contact_type=case["visit"],
        persons=[case[person_key]],
        family=case["family"],
        occurred_at=timezone.now() - timedelta(days=days),
        summary=summary,
    )


# A citizen's concern about the advocacy service -------------------------------------------


def test_a_citizens_concern_about_the_advocacy_service_goes_to_its_managers_not_the_advocate(
    client, case, django_capture_on_commit_callbacks
):
    citizen = get_user_model().objects.create_user("jade-marsh", password="x")
    case["mum"].user = citizen
    case["mum"].save(update_fields=["user"])
    with django_capture_on_commit_callbacks(execute=True):
        concern = concern_raise(
            about_agency=case["advocacy"],
            subject_person=case["mum"],
            raised_via="citizen",
            text="My advocate shared what I said with my ex-partner.",
            actor=citizen,
        )
    assert [m.to for m in mail.outbox] == [["lead@advocacy.example.invalid"]]
    assert list(concern_queue(user=case["manager"])) == [concern]
    assert list(concern_queue(user=case["advocate"])) == []
    client.force_login(case["advocate"])
    journey = client.get(reverse("advocates:journey", args=[case["family"].pk])).content.decode()
    assert "shared what I said" not in journey
    assert "No concerns raised." in journey
    caseload = client.get(reverse("advocates:caseload")).content.decode()
    assert 'Open concerns</dt><dd class="govuk-summary-list__value">0' in caseload
    client.force_login(case["manager"])
    assert "shared what I said" in client.get(reverse("concerns:detail", args=[concern.pk])).content.decode()


# The advocacy manager's family lookup --------------------------------------------------------


def test_an_advocacy_managers_lookup_shows_no_label_until_a_member_shares(client, case):
    FamilyFactory(label="The Hidden family", reference="FAM-2")
    client.force_login(case["manager"])
    response = client.post(
        reverse("advocates:assignments"),
        {"reference": "fam-2", "advocate": advocate_user(case["advocacy"]).pk},
        follow=True,
    )
    page = response.content.decode()
    assert "Family FAM-2 assigned" in page
    assert "The Hidden family" not in page
    # The change page names no label either.
    assignment = Assignment.objects.get(family__reference="FAM-2")
    change = client.get(reverse("advocates:assignment_change", args=[assignment.pk])).content.decode()
    assert "The Hidden family" not in change and "FAM-2" in change
    # A family with a member who shares with the service is named.
    assert "The Marsh family (FAM-1)" in page


# Members who have not agreed to share --------------------------------------------------------


def test_an_advocate_sees_a_member_who_has_not_agreed_to_share_only_as_such(client, case):
    _contact(case, person_key="uncle", agency_key="advocacy", summary="Uncle popped in.")
    client.force_login(case["advocate"])
    family = case["family"]
    pages = {
        "caseload": client.get(reverse("advocates:caseload")).content.decode(),
        "journey": client.get(reverse("advocates:journey", args=[family.pk])).content.decode(),
        "family page": client.get(reverse("journeys:family_detail", args=[family.pk])).content.decode(),
        "contact form": client.get(reverse("advocates:contact_new", args=[family.pk])).content.decode(),
    }
    for name, page in pages.items():
        assert "Jade Marsh" in page, name
        assert "Quiet" not in page and "9 Mar 1971" not in page, name
        assert f"/people/{case['uncle'].pk}/" not in page, name
        assert "family member who has not agreed to share" in page.lower(), name
    assert "Uncle popped in." not in pages["journey"]
    assert f'name="persons" value="{case["uncle"].pk}"' not in pages["contact form"]
    assert f'name="persons" value="{case["mum"].pk}"' in pages["contact form"]
    api = client.get(f"/api/v1/families/{family.pk}/").json()
    assert [m["person"]["id"] for m in api["members"]] == [case["mum"].pk]
    assert api["members_not_sharing"] == 1


# Prefills: "same again" and a concern about a contact ---------------------------------------


def test_same_again_copies_only_a_contact_the_advocate_may_see_now_and_logs_the_read(client, case):
    shown = _contact(case, summary="Weekly check-in.")
    hidden = _contact(case, person_key="uncle", agency_key="advocacy", summary="Uncle's private visit.")
    client.force_login(case["advocate"])
    url = reverse("advocates:contact_new", args=[case["family"].pk])
    AccessLog.objects.all().delete()
    page = client.get(url, {"same_as": hidden.pk}).content.decode()
    assert "Uncle&#x27;s private visit." not in page and "Uncle's private visit." not in page
    page = client.get(url, {"same_as": shown.pk}).content.decode()
    assert "Weekly check-in." in page
    copied = AccessLog.objects.filter(shown__startswith="Same again, copied")
    assert [(e.subject_id, e.user_id) for e in copied] == [(case["mum"].pk, case["advocate"].pk)]
    assert {"kind": "assignment", "ref": None} in copied[0].bases
    assert any(b["kind"] == "consent" for b in copied[0].bases)
    # The list of recent contacts offered to copy is itself a read of the records, and logged.
    assert AccessLog.objects.filter(shown__startswith="Log a contact, recent contacts to copy").count() == 2


def test_a_contact_once_hidden_is_no_longer_copied(client, case):
    source = _contact(case, summary="Weekly check-in.")
    grant = case["mum"].consent_grants.get()
    grant.revoked_at = timezone.now()
    grant.save(update_fields=["revoked_at"])
    client.force_login(case["advocate"])
    url = reverse("advocates:contact_new", args=[case["family"].pk])
    page = client.get(url, {"same_as": source.pk}).content.decode()
    assert "Weekly check-in." not in page
    concern = client.get(
        reverse("advocates:concern_new", args=[case["family"].pk]), {"contact": source.pk}
    ).content.decode()
    assert "GP appointment with Riverside GP" not in concern
    assert not AccessLog.objects.exists()


def test_a_concern_prefilled_from_a_contact_logs_the_read(client, case):
    source = _contact(case, summary="Weekly check-in.")
    client.force_login(case["advocate"])
    page = client.get(
        reverse("advocates:concern_new", args=[case["family"].pk]), {"contact": source.pk}
    ).content.decode()
    assert "GP appointment with Riverside GP" in page
    [entry] = AccessLog.objects.all()
    assert entry.subject_id == case["mum"].pk
    assert entry.shown.startswith("Raise a concern about a contact")
    assert Contact.objects.count() == 1

"""My details: contact details change at once (staff see the new ones next); name and date of
birth go to the recording agency as a correction request to accept or decline."""

import pytest
from django.core import mail
from django.urls import reverse

from portal.models import CorrectionRequest

pytestmark = pytest.mark.django_db

DETAILS = {
    "phone": "07700 900999",
    "email": "jade.new@example.invalid",
    "address": "1 New Street\nTown",
    "preferred_name": "Jay",
}


def test_a_changed_phone_number_is_what_staff_see_next(client, world):
    client.force_login(world.social_worker)
    before = client.get(reverse("journeys:person_record", args=[world.jade.pk])).content.decode()
    assert "07700 900111" in before

    client.force_login(world.jade_user)
    response = client.post(reverse("portal:details"), DETAILS, follow=True)
    assert "Your details are changed" in response.content.decode()
    assert (
        "changed phone number, email address, address, the name you like to be called"
        in response.content.decode()
    )

    client.force_login(world.social_worker)
    after = client.get(reverse("journeys:person_record", args=[world.jade.pk])).content.decode()
    assert "07700 900999" in after
    assert "07700 900111" not in after


def test_bad_details_show_the_error_summary_and_save_nothing(client, world):
    client.force_login(world.jade_user)
    response = client.post(reverse("portal:details"), {**DETAILS, "phone": "call me maybe", "email": "nope"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in body
    assert "Enter a phone number, like 07700 900 982" in body
    assert "Enter an email address in the correct format" in body
    world.jade.refresh_from_db()
    assert world.jade.phone == "07700 900111"
    assert world.jade.address == ""


def test_a_correction_goes_to_the_recording_agency_which_declines_with_a_reason(
    client, world, django_capture_on_commit_callbacks
):
    world.social_worker.email = "worker@example.invalid"
    world.social_worker.save()
    client.force_login(world.jade_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("portal:correction_new"),
            {"field": "date_of_birth", "requested_value": "3 4 1994", "explanation": "A typing mistake."},
            follow=True,
        )
    assert "We have sent your request" in response.content.decode()
    assert mail.outbox[0].to == ["worker@example.invalid"]

    # Only the recording agency's staff see it.
    client.force_login(world.police_officer)
    assert "Jade Carter" not in client.get(reverse("portal:staff_corrections")).content.decode()
    correction = CorrectionRequest.objects.get()
    assert client.get(reverse("portal:staff_correction_decide", args=[correction.pk])).status_code == 404

    client.force_login(world.social_worker)
    queue = client.get(reverse("portal:staff_corrections")).content.decode()
    assert "Jade Carter" in queue and "1994-04-03" in queue
    url = reverse("portal:staff_correction_decide", args=[correction.pk])
    no_reason = client.post(url, {"decision": "decline", "reason": ""})
    assert "Say why you are declining" in no_reason.content.decode()
    client.post(url, {"decision": "decline", "reason": "Your birth certificate shows the date we hold."})

    client.force_login(world.jade_user)
    mine = client.get(reverse("portal:details")).content.decode()
    assert "Declined" in mine
    assert "Your birth certificate shows the date we hold." in mine
    world.jade.refresh_from_db()
    assert world.jade.date_of_birth.isoformat() != "1994-04-03"


def test_an_accepted_correction_changes_the_record(client, world):
    client.force_login(world.jade_user)
    client.post(reverse("portal:correction_new"), {"field": "family_name", "requested_value": "Carter-Hale"})
    correction = CorrectionRequest.objects.get()
    client.force_login(world.social_worker)
    client.post(reverse("portal:staff_correction_decide", args=[correction.pk]), {"decision": "accept"})
    world.jade.refresh_from_db()
    assert world.jade.family_name == "Carter-Hale"
    again = client.post(
        reverse("portal:staff_correction_decide", args=[correction.pk]),
        {"decision": "decline", "reason": "x"},
    )
    assert "already been decided" in again.content.decode()
    client.force_login(world.jade_user)
    assert "your last name was corrected" in client.get(reverse("portal:details")).content.decode()


def test_a_correction_must_change_something_and_be_a_real_date(client, world):
    client.force_login(world.jade_user)
    same = client.post(reverse("portal:correction_new"), {"field": "given_name", "requested_value": "Jade"})
    assert "This is what your record says already" in same.content.decode()
    bad_date = client.post(
        reverse("portal:correction_new"), {"field": "date_of_birth", "requested_value": "31 2 1990"}
    )
    assert "Enter a real date of birth" in bad_date.content.decode()
    nothing = client.post(reverse("portal:correction_new"), {})
    assert "Choose what is wrong" in nothing.content.decode()
    assert not CorrectionRequest.objects.exists()

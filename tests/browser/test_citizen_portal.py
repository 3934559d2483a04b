"""The citizen portal in a real browser on a phone-sized screen: stopping sharing takes effect
on the agency's next request, "who looked" shows the staff view that came before, and every
portal page passes an accessibility check."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from tests.browser.conftest import PHONE

pytestmark = pytest.mark.browser


@pytest.fixture
def staff_page(browser, live_server):
    """A second phone, for a member of staff signed in at the same time as the citizen."""
    context = browser.new_context(viewport=PHONE, base_url=live_server.url, bypass_csp=True)
    yield context.new_page()
    context.close()


def _other_agencies_rows(page) -> int:
    return page.locator("table tbody tr").filter(has_text="Riverside GP Practice").count()


def test_citizen_stops_sharing_and_that_agency_no_longer_sees_the_record(
    phone, staff_page, demo, sign_in, axe
):
    # Housing staff open Jade's record: with her consent they see the GP's contacts too.
    sign_in(staff_page, "housing")
    staff_page.goto("/people/?q=Jade")
    staff_page.get_by_role("link", name="Jade Carter").click()
    expect(staff_page.get_by_role("heading", name="Jade Carter")).to_be_visible()
    assert _other_agencies_rows(staff_page) > 0

    # Jade sees that look in "who looked", in plain words.
    sign_in(phone, "citizen")
    expect(phone.get_by_role("heading", name="Hello Jade")).to_be_visible()
    phone.goto("/my/who-looked/")
    log = phone.locator("#access-log")
    expect(log.get_by_text("Kwame Mensah, staff member at District Housing Options").first).to_be_visible()
    assert "because you agreed to share with them" in log.inner_text()
    axe(phone)

    # She stops sharing with housing.
    phone.goto("/my/consents/")
    card = phone.locator(".govuk-summary-card").filter(
        has=phone.get_by_role("heading", name="District Housing Options")
    )
    card.get_by_role("link", name="Stop sharing").click()
    expect(phone.get_by_role("heading", name="Stop sharing with District Housing Options?")).to_be_visible()
    axe(phone)
    phone.get_by_role("button", name="Stop sharing").click()
    expect(phone.get_by_text("District Housing Options can no longer see your record")).to_be_visible()
    expect(phone.get_by_role("heading", name="Sharing stopped: District Housing Options")).to_be_visible()
    axe(phone)

    # Housing's very next request: only their own records.
    staff_page.reload()
    expect(staff_page.get_by_role("heading", name="Jade Carter")).to_be_visible()
    assert _other_agencies_rows(staff_page) == 0
    assert "has not agreed to share" in staff_page.locator("#record-basis").inner_text()
    assert staff_page.locator("table tbody tr").filter(has_text="District Housing Options").count() > 0


def test_every_portal_page_passes_the_accessibility_check(phone, staff_page, demo, sign_in, axe):
    from journeys.models import Person

    liam = Person.objects.get(given_name="Liam", family_name="Carter")
    daniel = Person.objects.get(given_name="Daniel", family_name="Brooks")

    def visit(path, heading):
        phone.goto(path)
        expect(phone.get_by_role("heading", name=heading).first).to_be_visible()
        axe(phone)

    sign_in(phone, "citizen")
    visit("/my/", "Hello Jade")
    visit("/my/journey/", "My journey")
    expect(phone.locator("svg.app-journey-map")).to_be_visible()
    visit(f"/my/journey/{liam.pk}/", "Liam Carter's journey")
    visit("/my/consents/", "Who can see my record")
    visit(f"/my/consents/{liam.pk}/", "Who can see Liam's record")
    visit(f"/my/who-looked/{liam.pk}/", "Who looked at Liam's record")

    # Change what the police may see, with an error first.
    phone.goto("/my/consents/")
    card = phone.locator(".govuk-summary-card").filter(has=phone.get_by_role("heading", name="County Police"))
    card.get_by_role("link", name="Change").click()
    expect(phone.get_by_role("heading", name="Change what County Police can see")).to_be_visible()
    for box in phone.get_by_role("checkbox").all():
        box.uncheck()
    phone.get_by_role("button", name="Save my choice").click()
    expect(phone.get_by_text("There is a problem")).to_be_visible()
    axe(phone)
    phone.get_by_label("When other agencies met or spoke to you").check()
    phone.get_by_role("button", name="Save my choice").click()
    expect(phone.get_by_text("Here is your receipt")).to_be_visible()
    axe(phone)
    phone.get_by_role("link", name="Stop sharing with County Police").click()
    expect(phone.get_by_role("heading", name="Stop sharing with County Police?")).to_be_visible()
    axe(phone)
    renew = phone.url.replace("/stop/", "/renew/")
    phone.goto(renew)
    expect(phone.get_by_role("heading", name="Keep sharing with County Police?")).to_be_visible()
    axe(phone)

    # My details, with an error, then a correction request.
    visit("/my/details/", "My details")
    phone.get_by_label("Phone number").fill("not a phone")
    phone.get_by_role("button", name="Save my details").click()
    expect(phone.get_by_text("There is a problem")).to_be_visible()
    axe(phone)
    phone.get_by_label("Phone number").fill("07700 900 555")
    phone.get_by_role("button", name="Save my details").click()
    expect(phone.get_by_text("Your details are changed")).to_be_visible()
    visit("/my/details/correction/", "Ask for a correction")
    phone.get_by_role("button", name="Send my request").click()
    expect(phone.get_by_text("There is a problem")).to_be_visible()
    axe(phone)
    phone.get_by_label("Last name").check()
    phone.get_by_label("What should it say?").fill("Carter-Hale")
    phone.get_by_role("button", name="Send my request").click()
    expect(phone.get_by_text("We have sent your request")).to_be_visible()

    # Concerns.
    visit("/my/concerns/", "My concerns")
    visit("/my/concerns/new/", "Raise a concern")
    phone.get_by_role("button", name="Send my concern").click()
    expect(phone.get_by_text("There is a problem")).to_be_visible()
    axe(phone)
    phone.get_by_label("Which agency is it about?").select_option(label="County Police")
    phone.get_by_label("What is your concern?").fill("Nobody told me about the visit before it happened.")
    phone.get_by_role("button", name="Send my concern").click()
    expect(phone.get_by_role("heading", name="Concern about County Police")).to_be_visible()
    axe(phone)

    # Download my data.
    visit("/my/data/", "Download my data")
    phone.get_by_role("button", name="Get my data").click()
    expect(phone.get_by_role("heading", name="Your data is ready")).to_be_visible()
    axe(phone)
    phone.get_by_role("link", name="See it as a page you can print").click()
    expect(phone.get_by_role("heading", name="Everything we hold about Jade Carter")).to_be_visible()
    axe(phone)

    # Staff pages that serve the portal: corrections and invitations, then the invitation link.
    sign_in(staff_page, "socialcare")
    staff_page.goto("/corrections/")
    axe(staff_page)
    staff_page.get_by_role("link", name="Jade Carter").click()
    staff_page.get_by_role("button", name="Save decision").click()
    expect(staff_page.get_by_text("There is a problem")).to_be_visible()
    axe(staff_page)
    staff_page.goto(f"/people/{daniel.pk}/invite/")
    axe(staff_page)
    staff_page.get_by_label(f"By text message to {daniel.phone}").check()
    staff_page.get_by_role("button", name="Send invitation").click()
    expect(staff_page.get_by_text("Invitation sent to the phone number on their record")).to_be_visible()
    path = re.search(r"https?://[^/\s]+(/my/join/[^\s]+/)", mail.outbox[-1].body).group(1)

    joining = staff_page.context.browser.new_context(
        viewport=PHONE, base_url=phone.url.split("/my/")[0], bypass_csp=True
    )
    new = joining.new_page()
    new.goto(path)
    expect(new.get_by_role("heading", name="Set your password")).to_be_visible()
    axe(new)
    new.get_by_label("Create a password", exact=True).fill("blue kettle on a hill")
    new.get_by_label("Type the password again").fill("blue kettle on a hill")
    new.get_by_role("button", name="Set password").click()
    expect(new.get_by_role("heading", name="Hello Daniel")).to_be_visible()
    joining.close()
    expired = staff_page.context.browser.new_context(
        viewport=PHONE, base_url=phone.url.split("/my/")[0], bypass_csp=True
    )
    page = expired.new_page()
    page.goto(path)
    expect(page.get_by_role("heading", name="This link does not work any more")).to_be_visible()
    axe(page)
    expired.close()

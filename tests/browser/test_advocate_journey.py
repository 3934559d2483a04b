"""The advocate's main journey on a phone: caseload, log a contact in a few taps, and find it
on the journey map and in the timeline; axe finds no serious or critical violations."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

SUMMARY = "Jade rang the GP about her prescription running out."


def test_advocate_logs_a_contact_and_finds_it_on_the_map_and_timeline(phone, demo, sign_in, axe):
    sign_in(phone, "advocate")
    phone.get_by_role("link", name="Caseload").first.click()
    expect(phone.get_by_role("heading", name="Your caseload")).to_be_visible()
    expect(phone.get_by_text("1 overdue")).to_be_visible()
    axe(phone)

    phone.get_by_role("link", name="The Carter family (demo)", exact=True).click()
    expect(phone.get_by_role("heading", name="The Carter family (demo)", level=1)).to_be_visible()
    axe(phone)

    phone.get_by_role("button", name="Log a contact").click()
    expect(phone.get_by_role("heading", name="Log a contact")).to_be_visible()
    axe(phone)
    # Submitting with nothing chosen keeps the summary and shows the error summary.
    phone.get_by_label("Summary").fill(SUMMARY)
    phone.get_by_role("button", name="Save contact").click()
    expect(phone.get_by_role("alert").get_by_text("There is a problem")).to_be_visible()
    expect(phone.get_by_label("Summary")).to_have_value(SUMMARY)
    axe(phone)

    phone.get_by_label("Agency", exact=True).select_option(label="Riverside GP Practice")
    phone.get_by_label("Jade Carter").check()
    phone.get_by_label("Type of contact").select_option(label="GP appointment")
    phone.get_by_label("Phone", exact=True).check()
    phone.get_by_label("Failure demand").check()
    phone.get_by_role("button", name="Save contact").click()

    expect(phone.get_by_text("Contact with Riverside GP Practice on")).to_be_visible()
    today = timezone.localtime().strftime("%-d %b %Y")
    title = f"GP appointment, Riverside GP Practice, {today} (failure demand)"
    expect(phone.locator("svg.app-journey-map title", has_text=title).first).to_be_attached()
    timeline = phone.locator("#timeline-list li").first
    expect(timeline).to_contain_text(SUMMARY)
    expect(timeline).to_contain_text("Reported via the advocate")
    axe(phone)

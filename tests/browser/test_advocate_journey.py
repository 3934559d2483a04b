"""The advocate's main journey on a phone: caseload, log a contact in a few taps, and find it
on the journey map and in the timeline; axe finds no serious or critical violations."""

import pytest
from django.utils import timezone

pytestmark = pytest.mark.browser

SUMMARY = "Jade rang the GP about her prescription running out."


def test_advocate_logs_a_contact_and_finds_it_on_the_map_and_timeline(phone, demo, sign_in, axe):
    sign_in(phone, "advocate")
    phone.get_by_role("link", name="Caseload").first.click()
    assert phone.get_by_role("heading", name="Your caseload").is_visible()
    assert phone.get_by_text("1 overdue").is_visible()
    axe(phone)

    phone.get_by_role("link", name="The Carter family (demo)", exact=True).click()
    assert phone.get_by_role("heading", name="The Carter family (demo)", level=1).is_visible()
    axe(phone)

    phone.get_by_role("button", name="Log a contact").click()
    assert phone.get_by_role("heading", name="Log a contact").is_visible()
    axe(phone)
    # Submitting with nothing chosen keeps the summary and shows the error summary.
    phone.get_by_label("Summary").fill(SUMMARY)
    phone.get_by_role("button", name="Save contact").click()
    assert phone.get_by_role("alert").get_by_text("There is a problem").is_visible()
    assert phone.get_by_label("Summary").input_value() == SUMMARY
    axe(phone)

    phone.get_by_label("Agency", exact=True).select_option(label="Riverside GP Practice")
    phone.get_by_label("Jade Carter").check()
    phone.get_by_label("Type of contact").select_option(label="GP appointment")
    phone.get_by_label("Phone", exact=True).check()
    phone.get_by_label("Failure demand").check()
    phone.get_by_role("button", name="Save contact").click()

    assert phone.get_by_text("Contact with Riverside GP Practice on").is_visible()
    today = timezone.localtime().strftime("%-d %b %Y")
    title = f"GP appointment, Riverside GP Practice, {today} (failure demand)"
    assert phone.locator("svg.app-journey-map title", has_text=title).count() >= 1
    timeline = phone.locator("#timeline-list li").first
    assert SUMMARY in timeline.inner_text()
    assert "Reported via the advocate" in timeline.inner_text()
    axe(phone)

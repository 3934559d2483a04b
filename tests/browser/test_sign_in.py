"""The sign-in journey in a real browser on a phone-sized screen, with an accessibility check."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_staff_signs_in_finds_a_consented_person_and_reads_the_record(phone, demo, sign_in, axe):
    phone.goto("/sign-in/")
    axe(phone)
    sign_in(phone, "socialcare")
    expect(phone.get_by_role("heading", name="Children's Social Care")).to_be_visible()
    axe(phone)
    phone.goto("/people/?q=Jade")
    phone.get_by_role("link", name="Jade Carter").click()
    expect(phone.get_by_role("heading", name="Jade Carter")).to_be_visible()
    expect(phone.locator("#record-basis")).to_contain_text("other agencies'")
    axe(phone)


def test_wrong_password_shows_the_error_summary(phone, demo, sign_in, axe):
    sign_in(phone, "police", password="not-the-password")
    expect(phone.get_by_role("alert").get_by_text("There is a problem")).to_be_visible()
    axe(phone)

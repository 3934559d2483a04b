"""The sign-in journey in a real browser on a phone-sized screen, with an accessibility check."""

import pytest

pytestmark = pytest.mark.browser


def test_staff_signs_in_finds_a_consented_person_and_reads_the_record(phone, demo, sign_in, axe):
    phone.goto("/sign-in/")
    axe(phone)
    sign_in(phone, "socialcare")
    assert phone.get_by_role("heading", name="Children's Social Care").is_visible()
    axe(phone)
    phone.goto("/people/?q=Jade")
    phone.get_by_role("link", name="Jade Carter").click()
    assert phone.get_by_role("heading", name="Jade Carter").is_visible()
    assert "other agencies'" in phone.locator("#record-basis").inner_text()
    axe(phone)


def test_wrong_password_shows_the_error_summary(phone, demo, sign_in, axe):
    sign_in(phone, "police", password="not-the-password")
    assert phone.get_by_role("alert").get_by_text("There is a problem").is_visible()
    axe(phone)

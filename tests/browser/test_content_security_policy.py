"""The pages and the API docs work under the real Content Security Policy (the other browser
tests bypass it, to inject axe-core): GOV.UK Frontend starts, Swagger UI draws the API, and
the browser reports no violation."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE

pytestmark = pytest.mark.browser


@pytest.fixture
def strict(browser, live_server):
    """A page under the Content Security Policy, with the violations the browser reports."""
    context = browser.new_context(viewport=PHONE, base_url=live_server.url)
    page = context.new_page()
    page.violations = []
    page.on("console", lambda m: "Content Security Policy" in m.text and page.violations.append(m.text))
    yield page
    context.close()


def test_pages_and_api_docs_run_under_the_policy(strict, demo, sign_in):
    sign_in(strict, "socialcare")
    expect(strict.get_by_role("heading", name="Children's Social Care")).to_be_visible()
    expect(strict.locator("body")).to_have_class("govuk-template__body js-enabled govuk-frontend-supported")
    strict.goto("/people/?q=Jade")
    strict.get_by_role("link", name="Jade Carter").click()
    expect(strict.get_by_role("heading", name="Jade Carter")).to_be_visible()
    strict.goto("/api/docs/")
    expect(strict.locator(".swagger-ui .opblock-summary-path").first).to_be_visible()
    expect(strict.get_by_text("Joined Up API").first).to_be_visible()
    assert strict.violations == []

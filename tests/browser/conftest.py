"""Headless Chromium (Debian's) driven by Playwright against the live test server, with axe-core
for accessibility checks. Skipped when Chromium is not installed; .ci/run installs it."""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 390, "height": 844}

# Playwright's sync API runs an event loop in this thread; the ORM calls tests make between
# browser steps are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def phone(browser, live_server):
    """A phone-sized page; `phone.goto("/path")` is relative to the live server."""
    context = browser.new_context(viewport=PHONE, base_url=live_server.url, bypass_csp=True)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def sign_in():
    def sign_in(page, username, password="synthetic-demo-pass"):  # noqa: S107 (synthetic demo)
        page.goto("/sign-in/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()

    return sign_in


@pytest.fixture
def axe():
    """Run axe-core on the page; fail on serious or critical violations."""

    def check(page):
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        bad = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
        assert not bad, "\n".join(
            f"{v['id']}: {v['help']} at {[n['target'] for n in v['nodes']]}" for v in bad
        )

    return check


@pytest.fixture
def demo(settings, transactional_db):
    from django.core.management import call_command

    settings.DEMO_PASSWORD = "synthetic-demo-pass"
    call_command("seed_demo", verbosity=0)

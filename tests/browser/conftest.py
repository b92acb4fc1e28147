"""Browser fixtures: the app served on loopback, Debian's Chromium driven by Playwright, axe-core.

Without /usr/bin/chromium these tests are skipped with a message; where the environment says
the browser is required (CI sets CONSULT_REQUIRE_BROWSER=1), they fail instead.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test here as a browser test; skip or fail when Chromium is missing."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session."""
    if not os.path.exists(CHROMIUM):
        message = f"{CHROMIUM} is missing: install Debian's chromium to run the browser tests"
        if os.environ.get("CONSULT_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


def closing(app: Flask) -> Callable:
    """Wrap ``app`` so that a response's iterable is closed even when the browser hangs up.

    werkzeug's development server skips close() when the connection drops mid-response (a
    browser leaving a page while a static file is still being sent); the open file then
    surfaces as a ResourceWarning in whichever test happens to run. Closing it here, as the
    WSGI generator ends, keeps those warnings out without silencing any other.
    """

    def serve(environ, start_response):
        iterable = app(environ, start_response)
        try:
            yield from iterable
        finally:
            close = getattr(iterable, "close", None)
            if close is not None:
                close()

    return serve


class LiveServer:
    """The app served by werkzeug on a free loopback port, in a thread."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.server = make_server("127.0.0.1", 0, closing(app), threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        # Absolute links (the personal link) are built from the base URL, as in a deployment.
        app.config["BASE_URL"] = self.url
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)
        self.server.server_close()


@pytest.fixture
def serve() -> Iterator[Callable[[Flask], LiveServer]]:
    """Serve any app on loopback for the test's duration."""
    servers: list[LiveServer] = []

    def start(app: Flask) -> LiveServer:
        server = LiveServer(app).__enter__()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.__exit__()


@pytest.fixture
def live_server(app: Flask, serve: Callable[[Flask], LiveServer]) -> LiveServer:
    """The test's app, served on loopback."""
    return serve(app)


@pytest.fixture
def new_context(browser):
    """Open fresh browser contexts (separate cookies and storage, like another browser)."""
    contexts = []

    def open_context(**options):
        context = browser.new_context(**{"locale": "en-GB", **options})
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield open_context
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context):
    """A page in a fresh context."""
    return new_context().new_page()


def screenshot(page, name: str, full_page: bool = True) -> Path:
    """Save a screenshot under test-artifacts/screenshots (look at them; the good ones go in
    docs/screenshots for the README)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def serious_accessibility_violations(page) -> list[str]:
    """Run axe-core on the page; return the serious and critical violations, described."""
    return accessibility_violations(page, impacts=("serious", "critical"))


#: The phone the respondent pages are checked on (an iPhone 12 to 15's CSS viewport).
PHONE = {"width": 390, "height": 844}


def accessibility_violations(
    page, impacts: tuple[str, ...] = ("minor", "moderate", "serious", "critical")
) -> list[str]:
    """Run axe-core on the page; return its violations of these impacts (any, by default)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    found = []
    for violation in results.response["violations"]:
        if violation.get("impact") in impacts:
            targets = [", ".join(node["target"]) for node in violation["nodes"][:5]]
            found.append(f"{violation['id']} ({violation['impact']}): {targets}")
    return found

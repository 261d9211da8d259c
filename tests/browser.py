"""Debian's Chromium, headless, driven through playwright as a user's browser would be.

The browser is the system's (apt package `chromium`, /usr/bin/chromium), never one playwright
downloads; it starts from a fresh profile and with every feature that reaches out to the network
switched off, since the machine's network is closed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
HOW_TO_INSTALL = (
    f"{CHROMIUM} is missing: the browser tests drive Debian's Chromium. Install it with"
    " `sudo apt-get install -y chromium` (.ci/run does this as root)."
)
CHROMIUM_FLAGS = (
    # As root (CI), Chromium refuses to start with its sandbox on.
    "--no-sandbox",
    "--disable-gpu",
    # Nothing that phones home: the network is closed, and a request that hangs slows every page.
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
VIEWPORT = {"width": 1400, "height": 900}
# A page of the React UI under a busy scheduler can take a while to fetch its data; the wait is on the
# page's text, so a quick page costs nothing.
PAGE_TIMEOUT_MS = 120_000


@contextmanager
def headless_chromium(profile: Path) -> Iterator[BrowserContext]:
    """A headless Chromium with its own new profile folder; fails (never skips) when it is not installed."""
    if not CHROMIUM.exists():
        pytest.fail(HOW_TO_INSTALL, pytrace=False)
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            headless=True,
            args=list(CHROMIUM_FLAGS),
            viewport=VIEWPORT,
        )
        context.set_default_timeout(PAGE_TIMEOUT_MS)
        try:
            yield context
        finally:
            context.close()


def log_into_airflow(page: Page, user: str, password: str) -> None:
    """Fills in the login form Airflow's UI shows an anonymous visitor (its SimpleAuthManager)."""
    page.get_by_label("Username").fill(user)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


@dataclass(frozen=True)
class ShownImage:
    source: str
    natural_width: int


def images_once_loaded(page: Page) -> list[ShownImage]:
    """Every <img> of the page once the browser has finished with each (loaded or broken: a broken
    image is complete with a natural width of 0)."""
    page.wait_for_function("() => Array.from(document.images).every(image => image.complete)")
    found = page.eval_on_selector_all(
        "img", "images => images.map(image => [image.getAttribute('src'), image.naturalWidth])"
    )
    return [ShownImage(source, width) for source, width in found]

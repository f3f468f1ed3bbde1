"""Debian's Chromium, headless on a server: where it is and the flags it runs with.

Shared by the browser tests (tests/browser/conftest.py) and scripts/screenshots.py
(`playwright install` cannot download browsers here: Playwright drives this one).
"""

CHROMIUM_PATH = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]

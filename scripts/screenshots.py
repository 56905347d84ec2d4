"""Refresh the README's screenshots from the demo organisation.

    .venv/bin/python scripts/screenshots.py

Loads the demo into a temporary data directory, serves it and, in Debian's Chromium
(Playwright), saves docs/screenshots/NAME.png at 1280 px wide and NAME-360.png at 360 px: the
sign-in page, then, signed in as the demo lead, the pages below.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from okrs.bench.processes import OKRS, free_port, wait_until_served

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = os.environ.get("OKRS_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
SIGN_IN = "/accounts/login/"
PAGES = {
    "dashboard": "/",
    "alignment": "/alignment/",
    "checkins": "/checkins/",
    "key-result": "/key-results/deploys-advantage/lead-time/",
}
WIDTHS = {"": 1280, "-360": 360}


def shoot(page: Page, url: str, name: str) -> None:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(800)  # let charts and the map finish drawing
    page.screenshot(path=str(OUT / name), full_page=True)
    print(f"wrote {OUT / name}")


def main() -> int:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OKRS_")}
    env["OKRS_DATA_DIR"] = tempfile.mkdtemp(prefix="okrs-screens-")
    subprocess.run([*OKRS, "demo"], env=env, check=True, capture_output=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [*OKRS, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_served(f"{base}{SIGN_IN}", server)
        OUT.mkdir(parents=True, exist_ok=True)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for suffix, width in WIDTHS.items():
                page = browser.new_page(viewport={"width": width, "height": 900})
                shoot(page, f"{base}{SIGN_IN}", f"sign-in{suffix}.png")
                page.fill("input[name=login]", "maya@acme.test")
                page.fill("input[name=password]", "okrs-demo")
                page.click("button[type=submit]")
                page.wait_for_load_state("networkidle")
                for name, path in PAGES.items():
                    shoot(page, f"{base}{path}", f"{name}{suffix}.png")
                page.close()
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=20)
    return 0


if __name__ == "__main__":
    sys.exit(main())

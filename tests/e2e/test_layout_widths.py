"""Every page a partner can reach fits a 390 px phone and a 1,280 px screen: no sideways scrolling on the phone,
axe-core at 0 serious or critical, and a screenshot of each page at both widths in tests/e2e/screenshots/ to look
at. The pages are found by following the links a partner sees, from "Your requests" on."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from tests.e2e.conftest import axe_violations
from tests.web.conftest import PASSWORD

SCREENSHOTS = Path(__file__).parent / "screenshots"
WIDTHS = (390, 1280)
SKIP = re.compile(r"/evidence/|\.(pdf|xlsx|csv)$|/logout")
MOST_PAGES = 80


def _sideways(page) -> int:
    """How far the page scrolls sideways, in CSS pixels (0 when it fits)."""
    return page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")


def _crawl(page, *starts: str) -> list[str]:
    """Paths of the pages reached from `starts` through same-site links, each once."""
    seen, queue = [], list(starts)
    while queue and len(seen) < MOST_PAGES:
        path = queue.pop(0)
        if path in seen:
            continue
        response = page.goto(path)
        if response is None or response.status != 200 or "text/html" not in response.headers.get("content-type", ""):
            continue
        landed = urlsplit(page.url).path
        if landed in seen or landed == "/login":
            continue
        seen.append(landed)
        for href in page.eval_on_selector_all("main a[href]", "links => links.map(a => a.getAttribute('href'))"):
            target = urlsplit(href)
            if target.netloc or not target.path.startswith("/") or SKIP.search(target.path):
                continue
            if target.path not in seen and target.path not in queue:
                queue.append(target.path)
    return seen


def _sign_in(context, email: str):
    page = context.new_page()
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("form.narrow button[type=submit]")
    return page


def test_every_partner_page_fits_a_phone_and_a_screen(live_server, chromium):
    base = live_server.config["DDQ_BASE_URL"]
    SCREENSHOTS.mkdir(exist_ok=True)
    context = chromium.new_context(bypass_csp=True, base_url=base, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = _sign_in(context, "respondent1@partner1.example.org")
    pages = ["/login", *_crawl(page, "/my", "/institute", "/account/password")]
    assert len(pages) >= 15, pages  # requests, sections, review, the institute's disclosure
    assert any("/review" in path for path in pages) and any("/s/" in path for path in pages)
    wide, problems = {}, {}
    anonymous = chromium.new_context(bypass_csp=True, base_url=base)
    for width in WIDTHS:
        for path in pages:
            tab = anonymous.new_page() if path == "/login" else page
            tab.set_viewport_size({"width": width, "height": 900})
            tab.goto(path)
            name = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "root"
            tab.screenshot(path=str(SCREENSHOTS / f"partner-{name}-{width}.png"), full_page=True)
            if width == 390:
                wide[path] = _sideways(tab)
            found = axe_violations(tab)
            if found:
                problems[f"{path} at {width}px"] = found
            if tab is not page:
                tab.close()
    assert {path: pixels for path, pixels in wide.items() if pixels > 0} == {}, "pages scrolling sideways at 390 px"
    assert problems == {}
    context.close()
    anonymous.close()

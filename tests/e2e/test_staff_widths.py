"""Every page staff reach fits a 1,280 px screen: wide tables scroll inside their own box, never the page, with
axe-core at 0 serious or critical. The pages are found by following the links staff see, from the dashboard on."""

from __future__ import annotations

import re

from tests.e2e.conftest import axe_violations
from tests.e2e.test_layout_widths import SCREENSHOTS, _crawl, _sideways, _sign_in

WIDTH = 1280


def test_every_staff_page_fits_a_1280_px_screen(live_server, chromium):
    context = chromium.new_context(
        bypass_csp=True, base_url=live_server.config["DDQ_BASE_URL"], viewport={"width": WIDTH, "height": 900}
    )
    context.set_default_timeout(15_000)
    page = _sign_in(context, "reviewer@bil.example.org")
    pages = _crawl(page, "/staff", "/staff/portfolio", "/staff/burden", "/staff/queue")
    assert any("/action-plan" in path for path in pages) and "/staff/portfolio" in pages, pages
    SCREENSHOTS.mkdir(exist_ok=True)
    wide, problems = {}, {}
    for path in pages:
        page.goto(path)
        name = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-")
        page.screenshot(path=str(SCREENSHOTS / f"staff-{name}-{WIDTH}.png"), full_page=True)
        wide[path] = _sideways(page)
        found = axe_violations(page)
        if found:
            problems[path] = found
    context.close()
    assert {path: pixels for path, pixels in wide.items() if pixels > 0} == {}, "staff pages scrolling sideways"
    assert problems == {}

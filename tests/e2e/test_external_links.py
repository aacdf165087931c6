"""Chromium's own URL parser reads the library's rendered links: a link opens in a new tab
exactly when it leads to another host (tests/content/test_rendering.py lists the hrefs)."""

import pytest

from portal.content.rendering import render_markdown
from tests.content.test_rendering import HREFS_ON_THE_PORTAL, HREFS_TO_ANOTHER_HOST

pytestmark = pytest.mark.e2e


def test_chromium_agrees_with_the_portal_on_which_links_leave_it(browser):
    hrefs = HREFS_TO_ANOTHER_HOST + HREFS_ON_THE_PORTAL
    body = "".join(str(render_markdown(f'<a href="{href}">link</a>')) for href in hrefs)
    page = browser.new_page()
    try:
        # A page of the portal served over http, as `make run` serves it.
        page.set_content(f'<base href="http://portal.test/library/a/">{body}')
        links = page.evaluate("[...document.links].map(a => [a.host, a.target])")
    finally:
        page.close()

    assert len(links) == len(hrefs)
    for href, (host, target) in zip(hrefs, links, strict=True):
        assert (target == "_blank") == (host != "portal.test"), (href, host, target)

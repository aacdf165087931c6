import re

import pytest
from django.utils.safestring import SafeString
from hypothesis import given
from hypothesis import strategies as st

from portal.content.rendering import render_markdown

HOSTILE = """
# Hello

<script>alert("hi")</script>

<img src="x" onerror="alert(1)">

<p onclick="steal()" style="position:fixed" class="btn" id="main">Click</p>

[plain](javascript:alert(1)) [upper](JAVASCRIPT:alert(1)) [data](data:text/html;base64,PHNjcmlwdD4=)

<a href="jav&#x09;ascript:alert(1)">tab</a> <a href=" javascript:alert(1)">space</a>

<iframe src="https://evil.example/"></iframe>

<style>body { display: none }</style>

<form action="https://evil.example/"><input name="password"></form>

<svg onload="alert(1)"><circle r="4"></circle></svg>

<!-- a comment -->
"""


def test_it_renders_headings_lists_emphasis_and_tables():
    html = render_markdown("## Doses\n\n- **one**\n- *two*\n\n| a | b |\n|---|---|\n| 1 | 2 |\n")

    assert "<h2>Doses</h2>" in html
    assert "<li><strong>one</strong></li>" in html
    assert "<em>two</em>" in html
    assert '<table class="table table-sm">' in html
    assert "<td>1</td>" in html


def test_it_returns_html_marked_safe():
    assert isinstance(render_markdown("Hello"), SafeString)


def test_it_turns_a_top_level_heading_into_a_second_level_one():
    # The page title is the only <h1>.
    assert render_markdown("# Title").strip() == "<h2>Title</h2>"


def test_it_removes_scripts_styles_frames_forms_and_svg_with_their_content():
    html = render_markdown(HOSTILE)

    for tag in ("<script", "<style", "<iframe", "<form", "<input", "<svg", "<img", "<!--"):
        assert tag not in html.lower()
    assert "alert" not in html
    assert "display: none" not in html


def test_it_removes_event_handlers_and_author_styles_classes_and_ids():
    html = render_markdown(HOSTILE)

    assert not re.search(r"\son[a-z]+\s*=", html)
    assert "style=" not in html
    assert 'class="btn"' not in html
    assert 'id="main"' not in html
    assert "Click" in html


def test_it_drops_javascript_and_data_links_but_keeps_their_text():
    html = render_markdown(HOSTILE)

    assert "javascript" not in html.lower()
    assert "data:" not in html
    for text in ("plain", "upper", "data", "tab", "space"):
        assert f"<a>{text}</a>" in html


def test_it_opens_external_links_in_a_new_tab_without_referrer():
    html = render_markdown("[trial](https://example.org/trial) and [old](//example.org/x)")

    assert (
        '<a href="https://example.org/trial" rel="noopener noreferrer nofollow" '
        'target="_blank">trial</a>'
    ) in html
    assert '<a href="//example.org/x" rel="noopener noreferrer nofollow" target="_blank">' in html


def test_it_leaves_portal_and_mail_links_in_the_same_tab():
    html = render_markdown("[sleep](/library/sleep-and-dreams/) [mail](mailto:care@example.org)")

    assert '<a href="/library/sleep-and-dreams/">sleep</a>' in html
    assert '<a href="mailto:care@example.org">mail</a>' in html
    assert "target" not in html


def test_it_keeps_a_quote_in_a_link_inside_the_address():
    html = render_markdown('<a href="https://example.org/&quot;onmouseover=&quot;x">q</a>')

    assert "onmouseover=" not in html.replace("&quot;onmouseover=&quot;", "")
    assert html.count("target=") == 1


@given(st.text(alphabet=st.sampled_from(list("<>/\"'=: abcjsvripton()[]#!-&;x")), max_size=200))
def test_it_never_lets_a_script_or_handler_through_whatever_the_input(text):
    html = render_markdown(text)

    assert "<script" not in html.lower()
    assert not re.search(r"<[^>]+\son[a-z]+\s*=", html, re.IGNORECASE)
    assert not re.search(r'href="\s*javascript:', html, re.IGNORECASE)


# Hrefs a browser follows to another host although they do not start with `//` or a scheme
# as written: it reads a backslash as a slash, drops tabs and newlines anywhere and control
# characters and spaces at either end, and takes `https:host` to another host on an http page.
HREFS_TO_ANOTHER_HOST = [
    "/\\evil.example/path",
    "\\\\evil.example/path",
    "\\/evil.example/path",
    "/&#9;/evil.example/path",
    "/\n/evil.example/path",
    " //evil.example/path",
    "\x01//evil.example/path",
    "///evil.example/path",
    "HTTPS://evil.example/path",
    "https:evil.example/path",
    "http:\\\\evil.example/path",
]
HREFS_ON_THE_PORTAL = [
    "/library/sleep-and-dreams/",
    "sleep-and-dreams/",
    "/%5Cevil.example/path",
    "/ /evil.example/path",
    # Markdown turns a tab into spaces before the browser sees it.
    "/\t/evil.example/path",
    "?topic=sleep",
    "#dosing",
]


def _link(href: str) -> str:
    return f'<a href="{href}">link</a>'


@pytest.mark.parametrize("href", HREFS_TO_ANOTHER_HOST)
def test_it_treats_a_link_a_browser_reads_as_another_host_as_external(href):
    html = render_markdown(_link(href))

    assert 'rel="noopener noreferrer nofollow" target="_blank"' in html


def test_it_treats_the_markdown_link_from_the_issue_as_external():
    html = render_markdown("[the study](/\\evil.example/path)")

    assert html.count('rel="noopener noreferrer nofollow" target="_blank"') == 1


@pytest.mark.parametrize("href", HREFS_ON_THE_PORTAL)
def test_it_leaves_links_that_stay_on_the_portal_in_the_same_tab(href):
    html = render_markdown(_link(href))

    assert "<a href=" in html
    assert "target=" not in html

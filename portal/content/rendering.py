"""Markdown to safe HTML for articles. Every path that produces article HTML goes through here."""

import html as html_entities
import re

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

# What authors may produce. No style, class, id or event attributes, no images (they would
# load from other hosts on a health-data page), no frames, forms or scripts.
ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6",
    "strong", "em", "b", "i", "del", "sup", "sub", "abbr", "code", "pre", "blockquote",
    "ul", "ol", "li", "dl", "dt", "dd",
    "table", "thead", "tbody", "tr", "th", "td",
    "a",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    # No attribute on every tag: nh3 would otherwise keep `title` and `lang` everywhere.
    "*": set(),
    # Only href on links: the rel/target step below relies on `<a href="...">` being the
    # whole opening tag.
    "a": {"href"},
    "abbr": {"title"},
    "ol": {"start"},
    "th": {"scope", "colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
}
URL_SCHEMES = {"http", "https", "mailto"}
# Removed together with their content, not just unwrapped.
REMOVED_WITH_CONTENT = {
    "script", "style", "iframe", "object", "embed", "template", "noscript", "textarea",
    "select", "svg", "math",
}  # fmt: skip
# Classes the portal adds itself; authors cannot set any.
PORTAL_CLASSES = {"table": {"class": "table table-sm"}, "blockquote": {"class": "blockquote"}}
EXTERNAL_LINK_ATTRS = 'rel="noopener noreferrer nofollow" target="_blank"'

_H1 = re.compile(r"<(/?)h1(\s|>)", re.IGNORECASE)
_LINK = re.compile(r'<a href="([^"]*)">')
# How a browser reads an href (the WHATWG URL parser): it drops leading and trailing control
# characters and spaces, removes tabs and newlines anywhere, and for http(s) pages reads a
# backslash as a slash. So `/\evil.example`, `\\evil.example` and `/<tab>/evil.example` all
# lead to another host, as `//evil.example` does.
_STRIPPED = "".join(chr(c) for c in range(0x21))
_TAB_OR_NEWLINE = re.compile(r"[\t\n\r]")
_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):", re.IGNORECASE)


def render_markdown(text: str) -> SafeString:
    """Render an article body: Markdown, then the nh3 allow-list, then marked safe.

    The page title is the only level-1 heading, so a `# Heading` in the body becomes `<h2>`.
    External links open in a new tab without passing on the portal's address.
    """
    html = markdown.markdown(text or "", extensions=["tables", "sane_lists"])
    html = _H1.sub(r"<\1h2\2", html)
    html = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags=REMOVED_WITH_CONTENT,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=None,
        set_tag_attribute_values=PORTAL_CLASSES,
        strip_comments=True,
    )
    # nh3 serialises an allowed link as exactly `<a href="...">` (quotes inside are escaped),
    # so adding fixed attributes here cannot open a hole.
    html = _LINK.sub(_mark_external, html)
    return mark_safe(html)  # noqa: S308 (sanitised by nh3 just above)


def leaves_the_portal(href: str) -> bool:
    """Whether a browser on a portal page would follow `href` to another host.

    Anything with an http(s) scheme counts (`https:evil.example` is another host on a page
    served over http), as does anything that starts with two slashes once the browser has
    tidied it. mailto: links and paths on the portal do not.
    """
    url = _TAB_OR_NEWLINE.sub("", href.strip(_STRIPPED)).replace("\\", "/")
    scheme = _SCHEME.match(url)
    if scheme:
        return scheme.group(1).lower() in ("http", "https")
    return url.startswith("//")


def _mark_external(match: re.Match) -> str:
    if leaves_the_portal(html_entities.unescape(match.group(1))):
        return f'<a href="{match.group(1)}" {EXTERNAL_LINK_ATTRS}>'
    return match.group(0)

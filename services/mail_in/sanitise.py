"""The one rule for HTML that arrives by email: what an officer's browser may be shown.

A conservative allowlist (nh3, the Rust `ammonia` sanitiser): text formatting, lists,
tables and links. No scripts, no styles, no event handlers, and no remote content: an image
is kept only when it points at an inline part of the same message (`cid:`), which the
timeline maps to the stored image; any other image is dropped, so opening a message never
tells its sender that it was read.
"""

import html as html_entities
import re

import nh3

TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "div",
        "dl", "dt", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd",
        "li", "mark", "ol", "p", "pre", "q", "s", "small", "span", "strike", "strong", "sub",
        "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
    }
)  # fmt: skip
ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"start"},
}
LINK_SCHEMES = frozenset({"http", "https", "mailto"})
# Dropped with everything inside them, not just their tags.
DROPPED_WITH_CONTENT = frozenset({"script", "style", "title", "template", "noscript"})

_IMG_WITHOUT_SOURCE = re.compile(r"<img(?![^>]*\ssrc=)[^>]*>", re.IGNORECASE)


def _keep_attribute(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src":
        return value if value.strip().lower().startswith("cid:") else None
    if tag == "a" and attribute == "href":
        scheme = value.strip().partition(":")[0].lower()
        return value if scheme in LINK_SCHEMES else None
    return value


def sanitise_html(html: str) -> str:
    """HTML safe to show inside the portal's pages."""
    cleaned = nh3.clean(
        html.replace("\x00", ""),
        tags=set(TAGS),
        attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
        url_schemes=set(LINK_SCHEMES | {"cid"}),
        link_rel="noopener noreferrer",
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attribute_filter=_keep_attribute,
        strip_comments=True,
    )
    return _IMG_WITHOUT_SOURCE.sub("", cleaned)


_BLOCK_END = re.compile(
    r"<\s*(br|/p|/div|/li|/tr|/h[1-6]|/blockquote|/pre|/table|hr)\b[^>]*>", re.IGNORECASE
)
_BLANK_LINES = re.compile(r"\n{3,}")


def text_from_html(html: str) -> str:
    """The readable text of an HTML part, for a message that sent no text/plain."""
    marked = _BLOCK_END.sub("\n", html.replace("\x00", ""))
    bare = nh3.clean(marked, tags=set(), clean_content_tags=set(DROPPED_WITH_CONTENT))
    lines = (" ".join(line.split()) for line in html_entities.unescape(bare).splitlines())
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()

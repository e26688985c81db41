"""User-written Markdown to a small, safe subset of HTML: the only place that imports bleach."""

from __future__ import annotations

import html
import re
import threading
from functools import partial
from urllib.parse import urlsplit

import bleach
import markdown
from bleach.linkifier import LinkifyFilter
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor
from markupsafe import Markup

ALLOWED_TAGS = frozenset(
    {"p", "br", "strong", "em", "ul", "ol", "li", "a", "blockquote", "code", "pre"}
)
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})


def _allowed_attribute(tag: str, name: str, value: str) -> bool:
    """Only links carry attributes: rel, and an href with an explicit http, https or mailto
    scheme (relative and scheme-less links are dropped too: they would point into this site
    in ways the author did not mean)."""
    if tag != "a":
        return False
    if name == "rel":
        return True
    if name != "href":
        return False
    scheme = urlsplit(html.unescape(value).strip()).scheme.lower()
    return scheme in ALLOWED_PROTOCOLS


ALLOWED_ATTRIBUTES = _allowed_attribute
LINK_REL = "nofollow ugc noopener"

_local = threading.local()
HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})


class _PlainBlocks(Treeprocessor):
    """Headings become paragraphs (an idea's headings would compete with the page's own) and
    images become links to them (no page loads anything from elsewhere)."""

    def run(self, root):
        for element in root.iter():
            if element.tag in HEADINGS:
                element.tag = "p"
            elif element.tag == "img":
                src, alt = element.get("src", ""), element.get("alt", "")
                element.attrib.clear()
                element.tag = "a"
                element.set("href", src)
                element.text = alt or src


# The first item of a list: "- ", "* " or "+ " (or "1. ", "1) ") after at most three spaces.
_LIST_START = re.compile(r"^ {0,3}(?:[-*+]|1[.)])[ \t]+\S")
_LIST_ITEM = re.compile(r"^ {0,3}(?:[-*+]|\d{1,9}[.)])[ \t]+\S")


class _ListAfterText(Preprocessor):
    """A list may start right after a line of text, as people write it ("Meine Vorschläge:"
    then "- eins" on the next line) and as the hint under the idea form says: plain Markdown
    would keep those lines in the paragraph. A blank line is put before such a first item,
    unless the paragraph already holds a list (its lazy continuation lines stay as they are).
    Runs after fenced code is set aside, so code keeps its lines."""

    def run(self, lines: list[str]) -> list[str]:
        result: list[str] = []
        text_before = in_list = False
        for line in lines:
            if not line.strip():
                text_before = in_list = False
            elif _LIST_ITEM.match(line):
                if text_before and not in_list and _LIST_START.match(line):
                    result.append("")
                in_list = True
            else:
                text_before = True
            result.append(line)
        return result


def _markdown() -> markdown.Markdown:
    """One Markdown converter per thread (instances keep state between calls), with raw
    HTML switched off: `<script>` typed by someone stays text and is escaped by the
    serializer, instead of being passed through for bleach to catch."""
    md = getattr(_local, "md", None)
    if md is None:
        md = markdown.Markdown(extensions=["sane_lists", "nl2br", "fenced_code"])
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        md.preprocessors.register(_ListAfterText(md), "list_after_text", 20)
        md.treeprocessors.register(_PlainBlocks(md), "plain_blocks", 1)
        _local.md = md
    md.reset()
    return md


def _set_rel(attrs: dict, new: bool = False) -> dict:
    """Every link, typed or linkified, leaves with the same rel: user content is untrusted
    (nofollow ugc) and never gets a handle on our window (noopener)."""
    attrs[(None, "rel")] = LINK_REL
    return attrs


def _cleaner() -> bleach.Cleaner:
    cleaner = getattr(_local, "cleaner", None)
    if cleaner is None:
        cleaner = bleach.Cleaner(
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            protocols=ALLOWED_PROTOCOLS,
            # Markdown makes headings, images, rules: their text stays, the tag goes.
            strip=True,
            strip_comments=True,
            # Linkify inside the cleaner, so links it creates pass the same filter.
            filters=[partial(LinkifyFilter, callbacks=[_set_rel], skip_tags={"pre", "code"})],
        )
        _local.cleaner = cleaner
    return cleaner


def clean_html(markdown_text: str) -> Markup:
    """Render Markdown and keep only p, br, strong, em, ul, ol, li, a (http, https, mailto;
    rel="nofollow ugc noopener"), blockquote, code and pre; bare URLs become links.

    The result is marked safe for templates: nothing else in the code base may do that."""
    html = _markdown().convert(markdown_text or "")
    return Markup(_cleaner().clean(html).strip())  # noqa: S704  (this is the sanitizer)


def stored_html(value: str | None) -> Markup:
    """Mark HTML safe that clean_html produced earlier and that was kept in the database
    (Idea.body_html). Never call it with anything else."""
    return Markup(value or "")  # noqa: S704  (only clean_html output is stored)

"""Reading a page's <head> as a crawler or a messenger's link preview does."""

from __future__ import annotations

from html.parser import HTMLParser


class _HeadParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, list[str]] = {}
        self.links: dict[str, list[str]] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta":
            key = attrs.get("property") or attrs.get("name")
            if key:
                self.meta.setdefault(key, []).append(attrs.get("content") or "")
        elif tag == "link" and attrs.get("rel"):
            self.links.setdefault(attrs["rel"], []).append(attrs.get("href") or "")


def head_of(html: str) -> _HeadParser:
    """The <meta> tags (by name or property) and <link> tags (by rel) of a page's head;
    each maps to the list of its values, so a repeated tag shows."""
    parser = _HeadParser()
    parser.feed(html.split("</head>", 1)[0])
    return parser

"""Ids in URLs, paths and query strings alike: a number no database row can have is a 404.

Every id column is an INTEGER: 32 bits on PostgreSQL (which refuses to compare a larger
number with one: "integer out of range", a 500), 64 on SQLite (whose driver raises
OverflowError beyond that, also a 500). The `int` converter below replaces Werkzeug's for
the whole app (create_app installs it before any blueprint adds a route), so every
`<int:...>` in a route refuses a number beyond MAX_ID while matching: no view sees one.
"""

from __future__ import annotations

from werkzeug.routing import IntegerConverter

# The largest INTEGER on PostgreSQL (signed 32 bits): no row of ours has a larger id.
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """`<int:...>` from 0 to MAX_ID (unless a route sets its own max); anything larger
    does not match, so the answer is a 404."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def parse_id(value: str | None) -> int | None:
    """An id from a query string or form field ("17"), or None when it is not one: anything
    but ASCII digits, or a number larger than any id can be."""
    if not value or not value.isascii() or not value.isdigit() or len(value) > 20:
        return None
    number = int(value)
    return number if number <= MAX_ID else None


# No list has this many pages; a larger ?page= would only overflow the query's OFFSET.
MAX_PAGE = MAX_ID


def parse_page(value: str | None) -> int | None:
    """A page number from a query string: 1 when absent or empty; None (the caller answers
    404) for anything but ASCII digits or a page beyond MAX_PAGE. 0 stays 0: the caller
    decides whether that is page 1 or no page."""
    if not value:
        return 1
    number = parse_id(value)
    if number is None or number > MAX_PAGE:
        return None
    return number

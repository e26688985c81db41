"""Query parameters of the open-data API: parsed strictly, a clear 400 for anything wrong."""

from __future__ import annotations

import re
from dataclasses import dataclass

from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest

from ..routing import MAX_ID

FORMATS = ("json", "csv")
SORTS = ("newest", "votes", "trending", "relevance")
DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
# A CSV download holds a whole data set, not a screenful: up to this many rows per file
# (and per_page defaults to it); larger sets come in several pages.
CSV_MAX_ROWS = 10_000
MAX_Q_LENGTH = 200
MAX_SLUG_LENGTH = 80
# No list has more pages; a larger page number is a 400 (the document says so), not an
# OFFSET the database cannot take.
MAX_PAGE = MAX_ID
_DIGITS = re.compile(r"[0-9]+")


@dataclass(frozen=True)
class ListParams:
    format: str
    page: int
    per_page: int


def bad(message: str) -> BadRequest:
    return BadRequest(description=message)


def _value(args: MultiDict, name: str) -> str | None:
    # An empty value counts as absent: an HTML filter form sends `theme=` for "all themes".
    # Each parameter is one value: `page=1&page=2` is a question without an answer.
    values = args.getlist(name)
    if len(values) > 1:
        raise bad(f"{name} may be given only once.")
    value = values[0] if values else ""
    return value if value != "" else None


def choice(args: MultiDict, name: str, choices: tuple[str, ...], default: str) -> str:
    value = _value(args, name)
    if value is None:
        return default
    if value not in choices:
        raise bad(f"{name} must be one of: {', '.join(choices)}.")
    return value


def integer(args: MultiDict, name: str, *, default: int, minimum: int, maximum: int) -> int:
    value = _value(args, name)
    if value is None:
        return default
    if not _DIGITS.fullmatch(value):
        raise bad(f"{name} must be a whole number.")
    digits = value.lstrip("0") or "0"
    # More digits than the maximum has: out of range (int() of thousands would fail).
    if len(digits) > len(str(maximum)) or not minimum <= int(digits) <= maximum:
        raise bad(f"{name} must be from {minimum} to {maximum}.")
    return int(digits)


def text(args: MultiDict, name: str, *, max_length: int) -> str | None:
    value = _value(args, name)
    if value is not None and len(value) > max_length:
        raise bad(f"{name} may have at most {max_length} characters.")
    return value


def list_params(args: MultiDict) -> ListParams:
    """format (json|csv), page (from 1) and per_page (1..10000; default 20 for JSON, 10000
    for CSV). A JSON page holds at most 100 rows: a larger per_page gives pages of 100 (the
    answer's per_page says so). Raises BadRequest with a message."""
    fmt = choice(args, "format", FORMATS, "json")
    default = CSV_MAX_ROWS if fmt == "csv" else DEFAULT_PER_PAGE
    per_page = integer(args, "per_page", default=default, minimum=1, maximum=CSV_MAX_ROWS)
    if fmt == "json":
        per_page = min(per_page, MAX_PER_PAGE)
    return ListParams(
        format=fmt,
        page=integer(args, "page", default=1, minimum=1, maximum=MAX_PAGE),
        per_page=per_page,
    )

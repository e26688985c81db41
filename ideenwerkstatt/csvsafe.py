"""CSV for spreadsheets: every cell safe against formula injection (for every CSV export)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Mapping, Sequence

# A spreadsheet reads a cell starting with one of these as a formula (or, for tab and carriage
# return, strips them and then reads the formula), e.g. =HYPERLINK("http://evil", "click").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """One cell as text: None is empty, booleans are `true`/`false`, datetimes ISO 8601 in
    UTC with `Z`, numbers as they are. Text starting with a formula trigger (= + - @, tab,
    carriage return) gets a leading single quote, so spreadsheets show it as text; the CSV
    writer quotes separators, quotes and line breaks inside a cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        # A number is a number (-3 is not a formula), and stays one in the spreadsheet.
        return str(value)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    text = str(value)
    if text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


def write_csv(rows: Iterable[Mapping], columns: Sequence[str]) -> str:
    """RFC 4180 CSV (comma, double quotes, CRLF): a header row with `columns`, then one
    line per row with the values of those keys (missing keys give empty cells), every
    cell passed through safe_cell."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_cell(name) for name in columns])
    for row in rows:
        writer.writerow([safe_cell(row.get(name)) for name in columns])
    return buffer.getvalue()

"""CSV for spreadsheets: every cell safe against formula injection, UTF-8 with a byte order
mark (for every CSV export).

The separator: downloads for people in the German interface (a summary's results, the
attendance list) use `;` (SPREADSHEET_DELIMITER), because German Excel splits a
double-clicked CSV at the list separator of the regional settings, which is `;` where the
comma is the decimal mark; LibreOffice's import dialog detects it. The API keeps RFC 4180's
comma: it is read by programs, and its OpenAPI document promises `text/csv`."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Mapping, Sequence

# A spreadsheet reads a cell starting with one of these as a formula (or, for tab and carriage
# return, strips them and then reads the formula), e.g. =HYPERLINK("http://evil", "click").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

# U+FEFF first: Excel and LibreOffice then read the file as UTF-8 (else as Windows-1252,
# and "Bürger" comes out as "BÃ¼rger"). Scripts read it with the `utf-8-sig` codec.
BOM = "\ufeff"
SPREADSHEET_DELIMITER = ";"


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


def write_csv(rows: Iterable[Mapping], columns: Sequence[str], delimiter: str = ",") -> str:
    """CSV as RFC 4180 (comma unless `delimiter` says otherwise, double quotes, CRLF) after
    a byte order mark: a header row with `columns`, then one line per row with the values
    of those keys (missing keys give empty cells), every cell passed through safe_cell."""
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([safe_cell(name) for name in columns])
    for row in rows:
        writer.writerow([safe_cell(row.get(name)) for name in columns])
    return buffer.getvalue()

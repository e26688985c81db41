"""Opening a CSV download the way a spreadsheet program on a German desktop does."""

from __future__ import annotations

import codecs
import csv
import io


def open_like_a_german_spreadsheet(data: bytes, delimiter: str) -> list[list[str]]:
    """The rows German Excel (by double click, or Data > From Text/CSV) and LibreOffice Calc
    show: the file is UTF-8 only when it starts with a byte order mark, else it is read as
    Windows-1252 (and "Mobilität" becomes "MobilitÃ¤t"); cells are split at `delimiter` (a
    double-clicked file: Excel's list separator, `;` in German settings), with RFC 4180
    quoting. Fails when the BOM is missing or anything else comes first."""
    assert data.startswith(codecs.BOM_UTF8), data[:20]
    text = data.decode("utf-8-sig") if data.startswith(codecs.BOM_UTF8) else data.decode("cp1252")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))

"""csvsafe: cells that a spreadsheet would run as formulas come out as plain text."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from ideenwerkstatt.csvsafe import safe_cell, write_csv


@pytest.mark.parametrize(
    "value",
    [
        '=HYPERLINK("http://x")',
        "+1+1",
        "-2+3",
        "@SUM(A1:A2)",
        "\t=1+1",
        "\r=1+1",
        "=cmd|' /C calc'!A0",
    ],
)
def test_formula_triggers_get_a_quote(value):
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Mehr Bänke am Markt", "Mehr Bänke am Markt"),
        ("a=b", "a=b"),
        (" =1", " =1"),
        ("", ""),
        (None, ""),
        (True, "true"),
        (False, "false"),
        (42, "42"),
        (-3, "-3"),  # a number, not a formula
        (
            dt.datetime(2025, 5, 1, 20, 0, tzinfo=dt.timezone(dt.timedelta(hours=2))),
            "2025-05-01T18:00:00Z",
        ),
    ],
)
def test_other_values(value, expected):
    assert safe_cell(value) == expected


def test_write_csv_quotes_separators_and_line_breaks():
    rows = [
        {"id": 1, "title": 'Komma, "Zitat"\nund Zeile', "extra": "ignored"},
        {"id": 2, "title": "=1+1"},
        {"id": 3},
    ]
    text = write_csv(rows, ["id", "title"])
    assert text.startswith("\ufeffid,title\r\n")
    parsed = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))
    assert parsed == [
        ["id", "title"],
        ["1", 'Komma, "Zitat"\nund Zeile'],
        ["2", "'=1+1"],
        ["3", ""],
    ]


def test_write_csv_header_only_for_no_rows():
    assert write_csv([], ["a", "b"]) == "\ufeffa,b\r\n"


def test_write_csv_with_semicolons_quotes_semicolons():
    text = write_csv([{"a": "eins; zwei", "b": "1,5"}], ["a", "b"], delimiter=";")
    assert text == '\ufeffa;b\r\n"eins; zwei";1,5\r\n'

"""The English catalogue is complete, compiled, consistent with the code, and actually used."""

from __future__ import annotations

import re
import shlex
from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_keywords, parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po
from flask import url_for

ROOT = Path(__file__).resolve().parents[1]
PO_PATH = ROOT / "ideenwerkstatt" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
MO_PATH = PO_PATH.with_suffix(".mo")

HOW_TO_FIX = (
    "\nRun `make translations`, then translate every entry with an empty msgstr (and remove any "
    "`#, fuzzy` mark) in ideenwerkstatt/translations/en/LC_MESSAGES/messages.po, and run "
    "`make translations` again to compile it."
)

# %(name)s, %d, %% and the {name} placeholders that JavaScript fills in (data-* texts).
PLACEHOLDER = re.compile(
    r"%\([A-Za-z_]\w*\)[-#0 +]*\d*(?:\.\d+)?[a-zA-Z]"
    r"|%[-#0 +]*\d*(?:\.\d+)?[a-zA-Z%]"
    r"|\{[A-Za-z_]\w*\}"
)


def _babel_keywords() -> dict:
    """Babel's default keywords plus the Makefile's BABEL_KEYWORDS, so test and make agree."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    match = re.search(r"^BABEL_KEYWORDS\s*:?=\s*(.*)$", makefile, re.MULTILINE)
    assert match, "Makefile has no BABEL_KEYWORDS line"
    args = shlex.split(match.group(1))
    extra = [args[i + 1] for i, arg in enumerate(args) if arg == "-k"]
    return {**DEFAULT_KEYWORDS, **parse_keywords(extra)}


def _only_source_dirs(dirpath: str) -> bool:
    """Walk only the folders babel.cfg maps, not .venv, instance/, tests/ or static/."""
    relative = Path(dirpath).resolve().relative_to(ROOT).parts
    return not relative or relative[0] in {"ideenwerkstatt", "templates"}


def _extracted() -> dict[tuple[str | None, str], tuple[bool, str]]:
    """(context, msgid) -> (is plural, "file:line") for every string in the code, with babel.cfg."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as fileobj:
        method_map, options_map = parse_mapping_cfg(fileobj)
    found = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
        ROOT,
        method_map,
        options_map,
        keywords=_babel_keywords(),
        directory_filter=_only_source_dirs,
    ):
        msgid = message if isinstance(message, str) else message[0]
        if msgid:
            plural = not isinstance(message, str)
            found.setdefault((context, msgid), (plural, f"{filename}:{lineno}"))
    return found


@pytest.fixture(scope="module")
def catalog():
    with open(PO_PATH, "rb") as fileobj:
        return read_po(fileobj, locale="en")


def _key(message) -> tuple:
    return (message.context, message.id if isinstance(message.id, str) else tuple(message.id))


def _strings(message) -> list[str]:
    return [message.string] if isinstance(message.string, str) else list(message.string)


def test_every_entry_is_translated_and_none_is_fuzzy(catalog):
    assert not catalog.fuzzy, "The catalogue header is marked fuzzy." + HOW_TO_FIX
    problems = [
        f"{'fuzzy' if message.fuzzy else 'untranslated'}: {message.id!r}"
        for message in catalog
        if message.id and (message.fuzzy or not all(_strings(message)))
    ]
    assert not problems, "\n".join(problems) + HOW_TO_FIX


def test_every_string_in_code_and_templates_is_in_the_catalogue(catalog):
    missing = []
    for (context, msgid), (plural, where) in sorted(_extracted().items(), key=lambda i: i[1][1]):
        message = catalog.get(msgid, context)
        if message is None:
            missing.append(f"{where}: {msgid!r} is not in the catalogue")
        elif plural != message.pluralizable:
            missing.append(f"{where}: {msgid!r} changed between gettext and ngettext")
    assert not missing, "\n".join(missing) + HOW_TO_FIX


def test_compiled_mo_matches_the_po(catalog):
    assert MO_PATH.exists(), "messages.mo is missing." + HOW_TO_FIX
    expected = BytesIO()
    write_mo(expected, catalog)
    expected.seek(0)
    with open(MO_PATH, "rb") as fileobj:
        compiled = read_mo(fileobj)
    want = {_key(m): _strings(m) for m in read_mo(expected) if m.id}
    have = {_key(m): _strings(m) for m in compiled if m.id}
    stale = sorted(str(key[1]) for key in want.keys() ^ have.keys())
    stale += sorted(str(key[1]) for key in want.keys() & have.keys() if want[key] != have[key])
    assert not stale, "messages.mo is out of date for: " + "; ".join(stale[:20]) + HOW_TO_FIX


def test_placeholders_are_kept(catalog):
    wrong = []
    for message in catalog:
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        for index, text in enumerate(_strings(message)):
            source = ids[min(index, len(ids) - 1)]
            allowed = {tuple(sorted(PLACEHOLDER.findall(i))) for i in ids}
            if text and tuple(sorted(PLACEHOLDER.findall(text))) not in allowed:
                wrong.append(f"{source!r} -> {text!r}")
    # Babel's own checks: python-format placeholders compatible between msgid and msgstr.
    wrong += [f"{message.id!r}: {errors}" for message, errors in catalog.check()]
    assert not wrong, "Placeholders differ between msgid and msgstr:\n" + "\n".join(wrong)


def test_pages_are_english_when_the_browser_asks_for_it(app, client, catalog):
    english = {"Accept-Language": "en"}
    skip_link = catalog.get("Zum Inhalt springen")
    email_label = catalog.get("E-Mail-Adresse")  # lazy_gettext in a form
    assert skip_link and email_label, "base.html or the login form changed its texts"

    home = client.get("/", headers=english).get_data(as_text=True)
    assert '<html lang="en"' in home
    assert skip_link.string in home, "the English catalogue is not loaded"
    assert "Zum Inhalt springen" not in home

    with app.test_request_context():
        login_url = url_for("accounts.login")
    login = client.get(login_url, headers=english).get_data(as_text=True)
    assert email_label.string in login

    german = client.get("/", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert "Zum Inhalt springen" in german

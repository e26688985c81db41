"""Consent wording: versions, languages, fingerprints, and the stored text rows."""

import hashlib

import pytest
from sqlalchemy import func, select

from ideenwerkstatt.extensions import db
from ideenwerkstatt.privacy import consent_texts, services
from ideenwerkstatt.privacy.models import ConsentText, Purpose

# Fingerprints of every published wording. A record in the ledger points at these words:
# when this test fails, you edited a published text. Restore it and add a new version.
PUBLISHED = {
    ("participation", 1, "de"): "71b3232e7c737b71",
    ("participation", 1, "en"): "307b6903cd50191e",
    ("invitations", 1, "de"): "a6de40414fea3888",
    ("invitations", 1, "en"): "bb1cfa508d480365",
    ("event_participation", 1, "de"): "8018817dad91636d",
    ("event_participation", 1, "en"): "dfe21fe64b723cb1",
}


def fingerprint(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def test_published_wording_is_never_edited_in_place():
    actual = {
        (str(purpose), version, locale): fingerprint(text)
        for (purpose, version), texts in consent_texts.CONSENT_TEXTS.items()
        for locale, text in texts.items()
    }
    for key, expected in PUBLISHED.items():
        assert actual[key] == expected, f"published consent text {key} was changed"


def test_every_current_version_exists_in_german_and_english():
    for purpose in Purpose:
        version = consent_texts.CURRENT_VERSIONS[purpose]
        texts = consent_texts.CONSENT_TEXTS[(purpose, version)]
        assert set(texts) == {"de", "en"}
        assert all(len(text) > 100 for text in texts.values())
        assert purpose in consent_texts.PURPOSES


def test_german_wording_is_formal_and_says_how_to_withdraw():
    participation = consent_texts.CONSENT_TEXTS[(Purpose.PARTICIPATION, 1)]["de"]
    invitations = consent_texts.CONSENT_TEXTS[(Purpose.INVITATIONS, 1)]["de"]
    for text in (participation, invitations):
        assert "Sie" in text and " du " not in text and " dich " not in text
        assert "widerrufen" in text
    assert "Konto löschen" in participation
    assert "einem Klick" in invitations and "freiwillig" in invitations


def test_current_wording_in_the_locale_falls_back_to_german(app):
    version, text = services.current_consent_wording(Purpose.INVITATIONS, "en")
    assert version == 1 and text.startswith("We send you")
    assert services.current_consent_wording("invitations", "en_GB")[1] == text
    german = services.current_consent_wording(Purpose.INVITATIONS, "de")[1]
    assert services.current_consent_wording(Purpose.INVITATIONS, "fr") == (1, german)
    assert db.session.scalar(select(func.count(ConsentText.id))) == 0  # no write


def test_text_row_is_created_once_and_reused(app):
    first = services.consent_text_row(Purpose.PARTICIPATION, "de")
    again = services.consent_text_row(Purpose.PARTICIPATION, "de", 1)
    english = services.consent_text_row(Purpose.PARTICIPATION, "en")
    assert first.id == again.id != english.id
    assert first.version == 1 and first.locale == "de"
    assert first.text == consent_texts.CONSENT_TEXTS[(Purpose.PARTICIPATION, 1)]["de"]
    assert services.consent_text_row(Purpose.PARTICIPATION, "xx").id == first.id


def test_unknown_version_is_a_value_error(app):
    with pytest.raises(ValueError):
        services.consent_text_row(Purpose.INVITATIONS, "de", 99)


def test_a_concurrent_insert_of_the_same_text_is_absorbed(app, monkeypatch):
    # Another transaction stored the row after our SELECT: our INSERT hits the unique
    # constraint, rolls back to the savepoint, and the other row is returned.
    existing = services.consent_text_row(Purpose.INVITATIONS, "de")
    db.session.commit()
    calls = []

    def find_nothing_first(*args):
        calls.append(args)
        if len(calls) == 1:
            return None
        return original(*args)

    original = services._find_text_row
    monkeypatch.setattr(services, "_find_text_row", find_nothing_first)
    row = services.consent_text_row(Purpose.INVITATIONS, "de")
    assert row.id == existing.id
    assert len(calls) == 2
    # The outer transaction is still usable.
    assert db.session.scalar(select(func.count(ConsentText.id))) == 1

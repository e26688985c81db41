"""How the data export reads as a page: labels for its keys and values, dates, table shapes."""

from __future__ import annotations

import datetime as dt

from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l

from .consent_texts import PURPOSE_LABELS

# Keys of the export (sections and fields). Features that register an export section may
# add their keys here; an unknown key is shown as it is.
EXPORT_LABELS = {
    "export": _l("Über diesen Export"),
    "account": _l("Ihr Konto"),
    "login_sessions": _l("Angemeldete Geräte und Browser"),
    "account_links": _l("Links in E-Mails (Bestätigung, neues Passwort)"),
    "consents": _l("Ihre Einwilligungen"),
    "mails": _l("E-Mails an Sie"),
    "format": _l("Format"),
    "format_version": _l("Formatversion"),
    "id": _l("Nummer"),
    "email": _l("E-Mail-Adresse"),
    "display_name": _l("Anzeigename"),
    "role": _l("Rolle"),
    "locale": _l("Sprache"),
    "password": _l("Passwort"),
    "created_at": _l("Zeitpunkt"),
    "confirmed_at": _l("Bestätigt am"),
    "last_seen_at": _l("Zuletzt genutzt am"),
    "expires_at": _l("Gültig bis"),
    "used_at": _l("Benutzt am"),
    "sent_at": _l("Versendet am"),
    "purpose": _l("Zweck"),
    "action": _l("Entscheidung"),
    "channel": _l("Weg"),
    "text_version": _l("Textfassung"),
    "text_locale": _l("Sprache des Textes"),
    "text": _l("Genauer Wortlaut"),
    "template": _l("Art der E-Mail"),
    "recipient": _l("Empfänger*in"),
    "subject": _l("Betreff"),
    "status": _l("Status"),
    # Sections and fields of the ideas and votes features (their export sections).
    "ideas": _l("Ihre Ideen"),
    "votes": _l("Ihre Stimmen"),
    "comments": _l("Ihre Kommentare"),
    "registrations": _l("Ihre Anmeldungen zu Veranstaltungen"),
    "title": _l("Titel"),
    "body": _l("Text"),
    "theme": _l("Thema"),
    "event": _l("Veranstaltung"),
    "vote_count": _l("Stimmen"),
    "updated_at": _l("Zuletzt geändert am"),
    "published_at": _l("Veröffentlicht am"),
    "idea_id": _l("Nummer der Idee"),
    "idea_title": _l("Idee"),
    "weight": _l("Gewicht (Punkte)"),
}

# Labels for a key within one section, where the plain key would be vague.
SECTION_LABELS = {
    ("account", "created_at"): _l("Registriert am"),
    ("login_sessions", "created_at"): _l("Angemeldet am"),
    ("account_links", "created_at"): _l("Erstellt am"),
    ("mails", "created_at"): _l("Erstellt am"),
    ("ideas", "created_at"): _l("Eingereicht am"),
    ("votes", "created_at"): _l("Abgegeben am"),
    ("export", "created_at"): _l("Erstellt am"),
}

# Values the page says in the reader's language rather than as stored.
VALUE_TEXTS = {
    "password": _l(
        "Nur als nicht umkehrbarer Hash gespeichert (scrypt): Ihr Passwort selbst kennen wir "
        "nicht. Deshalb ist es nicht Teil dieses Exports."
    ),
}

VALUE_LABELS = {
    "purpose": {**PURPOSE_LABELS, "confirm": _l("Konto bestätigen"), "reset": _l("Neues Passwort")},
    "action": {"granted": _l("erteilt"), "withdrawn": _l("widerrufen")},
    "channel": {
        "registration": _l("bei der Registrierung"),
        "account_page": _l("auf der Kontoseite"),
        "unsubscribe_link": _l("über den Abmelde-Link in einer E-Mail"),
        "account_deletion": _l("beim Löschen des Kontos"),
        "admin_cli": _l("durch die Administration"),
    },
    "status": {
        "queued": _l("wartet auf Versand"),
        "sending": _l("wird gerade versendet"),
        "sent": _l("versendet"),
        "failed": _l("nicht zustellbar"),
        "cancelled": _l("abgebrochen"),
    },
    "role": {
        "citizen": _l("Bürger*in"),
        "moderator": _l("Moderation"),
        "organizer": _l("Organisation"),
        "admin": _l("Administration"),
    },
    "locale": {"de": _l("Deutsch"), "en": _l("Englisch")},
    "text_locale": {"de": _l("Deutsch"), "en": _l("Englisch")},
}

# A list of records with a value longer than this reads better as cards than as a table.
LONG_TEXT = 80


def label(key, section=None) -> str:
    known = SECTION_LABELS.get((section, key)) or EXPORT_LABELS.get(key)
    return str(known) if known is not None else str(key)


def value_label(key, value) -> str:
    """The value in words, with the stored value beside it when they differ."""
    if key in VALUE_TEXTS:
        return str(VALUE_TEXTS[key])
    known = VALUE_LABELS.get(key, {}).get(value) if isinstance(value, str) else None
    return f"{known} ({value})" if known is not None else str(value)


def when(value: str) -> str:
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return value
    return format_datetime(moment, "medium")


def is_records(value) -> bool:
    return bool(value) and all(isinstance(item, dict) for item in value)


def has_long_text(records) -> bool:
    return any(
        isinstance(v, str) and len(v) > LONG_TEXT or isinstance(v, dict | list)
        for row in records
        for v in row.values()
    )


def record_columns(records) -> list:
    columns: list = []
    for row in records:
        for key in row:
            if key not in columns:
                columns.append(key)
    return columns


TEMPLATE_HELPERS = {
    "label": label,
    "value_label": value_label,
    "when": when,
    "is_records": is_records,
    "has_long_text": has_long_text,
    "record_columns": record_columns,
}

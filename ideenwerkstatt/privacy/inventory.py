"""The personal-data inventory: every database column, with what it holds, why, on which legal
basis and for how long; or, explicitly, that it holds no personal data.

It feeds the /privacy page (`inventory_rows()`) and `docs/personal-data.md`
(`ideenwerkstatt privacy inventory > docs/personal-data.md`). `tests/privacy/test_inventory.py`
fails when a table gains a column that is classified in neither list, or when a listed column
does not exist: a feature that adds a model adds its columns here.

A column counts as personal when its value, in its row, says something about an identifiable
person: who they are, what they wrote or chose, when they did something, or the link to
them. Row numbers and purely technical state (delivery attempts, locks) do not.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from flask import current_app
from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l


class LegalBasis(enum.StrEnum):
    """Art. 6(1) GDPR."""

    CONSENT = "a"  # (a) consent
    CONTRACT = "b"  # (b) performance of a contract (the terms of use)
    LEGAL_OBLIGATION = "c"  # (c) legal obligation, here: proving consent, Art. 7(1)
    LEGITIMATE_INTEREST = "f"  # (f) legitimate interests

    @property
    def label(self) -> LazyString:
        return _BASIS_LABELS[self]


_BASIS_LABELS = {
    LegalBasis.CONSENT: _l("Art. 6 Abs. 1 lit. a DSGVO (Einwilligung)"),
    LegalBasis.CONTRACT: _l("Art. 6 Abs. 1 lit. b DSGVO (Nutzungsverhältnis)"),
    LegalBasis.LEGAL_OBLIGATION: _l(
        "Art. 6 Abs. 1 lit. c DSGVO mit Art. 7 Abs. 1 DSGVO (Nachweis der Einwilligung)"
    ),
    LegalBasis.LEGITIMATE_INTEREST: _l("Art. 6 Abs. 1 lit. f DSGVO (berechtigtes Interesse)"),
}


@dataclass(frozen=True)
class DataItem:
    """One kind of personal data, held in one or more columns ("table.column")."""

    columns: tuple[str, ...]
    data: LazyString
    purpose: LazyString
    legal_basis: tuple[LegalBasis, ...]
    # May use %(unconfirmed_days)s, %(session_days)s, %(token_hours)s, %(mail_days)s:
    # filled in from the configuration when shown.
    retention: LazyString


UNTIL_DELETION = _l("Bis Sie Ihr Konto löschen.")

PERSONAL_DATA: tuple[DataItem, ...] = (
    # --- accounts --------------------------------------------------------------------------
    DataItem(
        ("user.email",),
        _l("E-Mail-Adresse"),
        _l("Anmelden, Ihr Konto bestätigen, Nachrichten zu Ihrem Konto und Ihren Ideen"),
        (LegalBasis.CONSENT,),
        _l("Bis Sie Ihr Konto löschen; ein nie bestätigtes Konto nach %(unconfirmed_days)s Tagen."),
    ),
    DataItem(
        ("user.display_name",),
        _l("Anzeigename (freiwillig, ein Pseudonym genügt)"),
        _l("Bei Ihren Ideen und Kommentaren anzeigen, wer sie geschrieben hat"),
        (LegalBasis.CONSENT,),
        UNTIL_DELETION,
    ),
    DataItem(
        ("user.password_hash",),
        _l("Passwort, nur als nicht umkehrbarer Hash (scrypt)"),
        _l("Sicher anmelden"),
        (LegalBasis.CONSENT,),
        UNTIL_DELETION,
    ),
    DataItem(
        ("user.id", "user.locale", "user.created_at", "user.confirmed_at"),
        _l("Kontonummer, gewählte Sprache, Zeitpunkt der Registrierung und der Bestätigung"),
        _l("Ihr Konto führen; Seiten und E-Mails in Ihrer Sprache; unbestätigte Konten löschen"),
        (LegalBasis.CONSENT,),
        UNTIL_DELETION,
    ),
    DataItem(
        ("user.role",),
        _l("Rolle (Bürger*in, Moderation, Organisation, Administration)"),
        _l("Festlegen, wer moderieren und Veranstaltungen organisieren darf"),
        (LegalBasis.LEGITIMATE_INTEREST,),
        UNTIL_DELETION,
    ),
    DataItem(
        (
            "login_session.user_id",
            "login_session.token_hash",
            "login_session.created_at",
            "login_session.last_seen_at",
        ),
        _l("Anmeldungen: Hash des Sitzungsschlüssels, Beginn und letzte Nutzung"),
        _l("Sie angemeldet halten; Abmelden auf allen Geräten; Schutz vor Übernahme des Kontos"),
        (LegalBasis.LEGITIMATE_INTEREST,),
        _l(
            "Bis Sie sich abmelden, höchstens %(session_days)s Tage nach der letzten Nutzung; "
            "mit dem Konto."
        ),
    ),
    DataItem(
        (
            "account_token.jti",
            "account_token.user_id",
            "account_token.purpose",
            "account_token.data",
            "account_token.created_at",
            "account_token.expires_at",
            "account_token.used_at",
        ),
        _l(
            "Links in E-Mails (Konto bestätigen, neues Passwort): Kennung, Zweck, "
            "bei der Registrierung gewählte Einwilligungen, Gültigkeit"
        ),
        _l(
            "Double-Opt-in: nur wer das Postfach besitzt, kann ein Konto bestätigen; jeden "
            "Link nur einmal nutzbar machen"
        ),
        (LegalBasis.LEGITIMATE_INTEREST,),
        _l(
            "Höchstens %(token_hours)s Stunden gültig; nach Ablauf, oder einen Tag nach der "
            "Nutzung, gelöscht."
        ),
    ),
    # --- consent ledger ----------------------------------------------------------------------
    DataItem(
        (
            "consent_record.user_id",
            "consent_record.purpose",
            "consent_record.action",
            "consent_record.consent_text_id",
            "consent_record.channel",
            "consent_record.created_at",
        ),
        _l("Ihre Einwilligungen und Widerrufe: Zweck, Zeitpunkt, Weg und der genaue Text"),
        _l("Nachweisen, wozu Sie eingewilligt haben, und Ihren Widerruf beachten"),
        (LegalBasis.LEGAL_OBLIGATION,),
        UNTIL_DELETION,
    ),
    # --- mail ----------------------------------------------------------------------------------
    DataItem(
        (
            "outbox_message.user_id",
            "outbox_message.recipient",
            "outbox_message.template",
            "outbox_message.subject",
            "outbox_message.body_text",
            "outbox_message.body_html",
            "outbox_message.headers",
            "outbox_message.attachments",
            "outbox_message.idempotency_key",
            "outbox_message.last_error",
            "outbox_message.message_id",
            "outbox_message.created_at",
            "outbox_message.sent_at",
        ),
        _l("E-Mails an Sie: Adresse, Inhalt, Zeitpunkt und Zustellstatus"),
        _l(
            "E-Mails zuverlässig und genau einmal zustellen: Bestätigung, neues Passwort, "
            "Nachrichten zu Ihren Ideen, Einladungen und Erinnerungen"
        ),
        (LegalBasis.CONTRACT, LegalBasis.CONSENT),
        _l(
            "%(mail_days)s Tage nach dem Versand; noch nicht versendete Einladungen enden mit "
            "Ihrem Widerruf; alle mit dem Konto."
        ),
    ),
    # --- ideas and votes -----------------------------------------------------------------------
    DataItem(
        (
            "idea.author_id",
            "idea.title",
            "idea.body",
            "idea.body_html",
            "idea.created_at",
            "idea.updated_at",
        ),
        _l("Ihre Ideen: Titel, Text, Zeitpunkte und die Zuordnung zu Ihrem Konto"),
        _l("Ideen sammeln, moderieren, veröffentlichen und in die Ergebnisse übernehmen"),
        (LegalBasis.CONSENT,),
        _l(
            "Bis Sie Ihr Konto löschen; dann, wie Sie wählen, gelöscht oder ohne Zuordnung "
            "zu Ihnen (als „gelöschtes Konto“) weiter veröffentlicht."
        ),
    ),
    DataItem(
        (
            "vote.user_id",
            "vote.idea_id",
            "vote.weight",
            "vote.created_at",
            "vote.updated_at",
            "vote.trend_weight",
            # A vote as it was before its idea was merged into another (so that the merge
            # can be undone exactly): the same data as the vote itself.
            "idea_merge_vote.user_id",
            "idea_merge_vote.merge_id",
            "idea_merge_vote.vote_id",
            "idea_merge_vote.target_vote_id",
            "idea_merge_vote.weight",
            "idea_merge_vote.trend_weight",
            "idea_merge_vote.created_at",
            "idea_merge_vote.updated_at",
            "idea_merge_vote.added_weight",
            "idea_merge_vote.added_trend",
            "idea_merge_vote.target_weight",
            "idea_merge_vote.target_trend",
        ),
        _l("Ihre Stimmen: welche Ideen Sie unterstützen, mit wie vielen Punkten, wann"),
        _l(
            "Jede Stimme nur einmal zählen, Punktebudgets einhalten, Ihre Stimme "
            "zurücknehmen lassen"
        ),
        (LegalBasis.CONSENT,),
        _l(
            "Mit Ihrem Konto verbunden, bis Sie es löschen; danach zählt die Stimme nur noch "
            "anonym."
        ),
    ),
    # --- moderation ----------------------------------------------------------------------------
    DataItem(
        (
            "comment.author_id",
            "comment.idea_id",
            "comment.parent_id",
            "comment.body",
            "comment.body_html",
            "comment.status",
            "comment.hidden_reason",
            "comment.created_at",
            "comment.updated_at",
            "comment.edited_at",
        ),
        _l(
            "Ihre Kommentare: Text, zu welcher Idee, Antwort auf welchen Kommentar, Zeitpunkte, "
            "Moderationsstand und ein Grund, falls die Moderation ihn ausgeblendet hat"
        ),
        _l("Über Ideen diskutieren; Kommentare moderieren und Ihnen Entscheidungen erklären"),
        (LegalBasis.CONSENT,),
        _l(
            "Bis Sie den Kommentar oder Ihr Konto löschen; beim Löschen des Kontos, wie Sie "
            "wählen, gelöscht oder ohne Zuordnung zu Ihnen weiter sichtbar."
        ),
    ),
    DataItem(
        (
            "flag.reporter_id",
            "flag.idea_id",
            "flag.comment_id",
            "flag.reason",
            "flag.status",
            "flag.created_at",
            "flag.decided_at",
            "flag.notified_at",
        ),
        _l("Ihre Meldungen: welchen Beitrag Sie gemeldet haben, warum und wann"),
        _l("Beiträge prüfen, die gegen die Regeln verstoßen; jede Person meldet nur einmal"),
        (LegalBasis.LEGITIMATE_INTEREST,),
        _l("Bis Sie Ihr Konto löschen; mit dem gemeldeten Beitrag."),
    ),
    DataItem(
        ("idea_outcome.moderator_id", "idea_outcome.created_at"),
        _l("Wer aus der Moderation ein Ergebnis zu einer Idee eingetragen hat, und wann"),
        _l("Nachvollziehen, wer den öffentlichen Stand einer Idee verantwortet"),
        (LegalBasis.LEGITIMATE_INTEREST,),
        _l("Solange die Idee besteht; wird das Konto gelöscht, bleibt der Eintrag ohne Zuordnung."),
    ),
    DataItem(
        ("idea.rejection_reason", "idea.moderation_note"),
        _l(
            "Entscheidungen der Moderation zu Ihren Ideen: Grund einer Ablehnung, "
            "Hinweis zu Änderungen"
        ),
        _l("Ihnen sagen, warum eine Idee nicht veröffentlicht oder geändert wurde"),
        (LegalBasis.CONSENT,),
        _l("Wie die Idee selbst."),
    ),
    DataItem(
        (
            "moderation_log_entry.actor_id",
            "moderation_log_entry.action",
            "moderation_log_entry.object_type",
            "moderation_log_entry.object_id",
            "moderation_log_entry.reason",
            "moderation_log_entry.created_at",
            # Who merged two ideas and who undid it, when (the log has the same, in words).
            "idea_merge.moderator_id",
            "idea_merge.undone_by_id",
            "idea_merge.created_at",
            "idea_merge.undone_at",
        ),
        _l(
            "Moderationsprotokoll: wer aus Moderation, Organisation oder Administration was "
            "mit welchem Beitrag getan hat, wann und warum"
        ),
        _l("Nachvollziehbare, faire Moderation; Missbrauch von Rechten erkennen"),
        (LegalBasis.LEGITIMATE_INTEREST,),
        _l(
            "Unbegrenzt (nur anhängend); wird das Konto der handelnden Person gelöscht, "
            "bleibt der Eintrag ohne Zuordnung zu ihr."
        ),
    ),
    # --- summaries ---------------------------------------------------------------------------
    DataItem(
        ("summary_version.actor_id", "summary_version.created_at"),
        _l(
            "Welche Person aus der Moderation eine Fassung eines Ergebnisses veröffentlicht "
            "hat, und wann"
        ),
        _l("Nachvollziehen, wer veröffentlichte Ergebnisse verantwortet und geändert hat"),
        (LegalBasis.LEGITIMATE_INTEREST,),
        _l(
            "Solange das Ergebnis besteht; wird das Konto gelöscht, bleibt die Fassung ohne "
            "Zuordnung zur Person."
        ),
    ),
    # --- registrations and invitations ---------------------------------------------------------
    DataItem(
        (
            "registration.event_id",
            "registration.user_id",
            "registration.status",
            "registration.position",
            "registration.created_at",
            "registration.confirmed_at",
            "registration.cancelled_at",
            "registration.updated_at",
        ),
        _l(
            "Ihre Anmeldungen zu Veranstaltungen: Veranstaltung, angemeldet, auf der Warteliste "
            "oder storniert, Ihre Nummer auf der Teilnahmeliste, Zeitpunkte"
        ),
        _l(
            "Plätze vergeben, die Warteliste in der Reihenfolge der Anmeldung nachrücken lassen, "
            "die Teilnahmeliste für das Organisationsteam (nur Anzeigename oder Nummer), "
            "Bestätigung und Erinnerung per E-Mail"
        ),
        (LegalBasis.CONTRACT,),
        _l(
            "Bis zum Ende der Aufbewahrungsfrist der Veranstaltung (nach ihrem Ende, "
            "standardmäßig 90 Tage), höchstens bis Sie Ihr Konto löschen."
        ),
    ),
    # --- the evening (live session) ---------------------------------------------------------
    DataItem(
        (
            "live_participant.user_id",
            "live_participant.event_id",
            "live_participant.code",
            "live_participant.card_id",
            "live_participant.joined_at",
            "live_card.participant_id",
            "live_card.used_at",
        ),
        _l(
            "Ihre Teilnahme an einem Werkstatt-Abend: zufällige Teilnahme-Nummer, Veranstaltung, "
            "Zeitpunkt, gegebenenfalls die Nummer Ihrer Teilnahmekarte. Als Gast ohne Konto "
            "dazu ein Eintrag ohne E-Mail-Adresse und ohne Passwort (Anzeigename nur, wenn Sie "
            "einen angeben)"
        ),
        _l(
            "Sie am Abend ohne Konto mitmachen lassen: abstimmen und Ideen einreichen, nur bei "
            "dieser Veranstaltung; eine Karte gilt nur einmal (eine Person, eine Stimme)"
        ),
        (LegalBasis.CONSENT,),
        _l(
            "Bis zum Ende der Aufbewahrungsfrist der Veranstaltung (nach ihrem Ende, "
            "standardmäßig 90 Tage) oder bis Sie Ihre Teilnahme löschen; Ihre Ideen bleiben "
            "dann ohne Namen, Ihre Stimmen nur als Anzahl."
        ),
    ),
    DataItem(
        ("invitation_run.organizer_id", "invitation_run.created_at"),
        _l("Wer aus dem Organisationsteam wann eine Einladung verschickt hat"),
        _l("Nachvollziehen, wer Einladungen verschickt hat, und ihren Zustellstand zeigen"),
        (LegalBasis.LEGITIMATE_INTEREST,),
        _l("Bis das Konto der Person aus dem Organisationsteam gelöscht wird."),
    ),
)

# Columns that hold no personal data, and why (German, like the doc; not shown on /privacy).
NOT_PERSONAL: dict[str, str] = {}


def _none(table: str, columns: str, reason: str) -> None:
    for column in columns.split():
        NOT_PERSONAL[f"{table}.{column}"] = reason


_ROW_NUMBER = "Zeilennummer, bezeichnet die Zeile und keine Person"
_none("login_session", "id", _ROW_NUMBER)
_none("account_token", "id", _ROW_NUMBER)
_none("consent_record", "id", _ROW_NUMBER)
_none(
    "consent_text",
    "id purpose version locale text created_at",
    "der veröffentlichte Text der Einwilligungen, für alle gleich",
)
_none("outbox_message", "id", _ROW_NUMBER)
_none(
    "outbox_message",
    "status attempts next_attempt_at claimed_by claimed_at",
    "technischer Zustellstatus (Warteschlange und Sperre der Zustellung); mit der E-Mail gelöscht",
)
_none(
    "theme",
    "id slug name_de name_en description_de description_en active position created_at",
    "redaktioneller Inhalt zu Themen, von Organisator*innen in ihrer Rolle geschrieben",
)
_none(
    "event",
    "id slug title description place starts_at ends_at capacity phase voting_rule "
    "dot_budget retention_days created_at updated_at",
    "öffentliche Angaben zu einer Veranstaltung, von Organisator*innen in ihrer Rolle geschrieben",
)
_none("event_theme", "event_id theme_id", "welche Themen eine Veranstaltung behandelt")
_none(
    "event_live_state",
    "event_id version wall_mode numbers_hidden timer_ends_at updated_at",
    "Zustand der Projektionswand einer Veranstaltung (Änderungszähler, Ansicht, Timer), "
    "ohne Bezug zu Personen",
)
_none("idea", "id", _ROW_NUMBER)
_none(
    "idea",
    "event_id theme_id status from_paper_card by_evening_guest vote_count published_at",
    "Angaben zur Idee als veröffentlichtem Inhalt (Zuordnung, Moderationsstand, anonyme "
    "Stimmensumme), nicht zu der Person, die sie geschrieben hat",
)
_none("vote", "id", _ROW_NUMBER)
_none(
    "idea",
    "trending_score merged_into_id",
    "Angaben zur Idee als veröffentlichtem Inhalt (anonyme Trend-Summe der Stimmen, mit "
    "welcher Idee sie zusammengeführt wurde)",
)
_none("idea_merge", "id", _ROW_NUMBER)
_none("idea_merge_vote", "id", _ROW_NUMBER)
_none(
    "idea_merge",
    "target_id source_id source_status moved_votes combined_votes moved_comments",
    "welche Idee mit welcher zusammengeführt wurde, mit anonymen Anzahlen",
)
_none(
    "idea_merge_comment",
    "merge_id comment_id",
    "welcher Kommentar bei einer Zusammenführung mit zur anderen Idee ging (der Kommentar "
    "selbst ist oben erfasst)",
)
_none("moderation_log_entry", "id", _ROW_NUMBER)
_none("comment", "id", _ROW_NUMBER)
_none("flag", "id", _ROW_NUMBER)
_none(
    "idea_outcome",
    "id idea_id status note decided_at",
    "öffentlicher Stand einer Idee (was daraus geworden ist), von der Moderation in ihrer "
    "Rolle geschrieben",
)
_none("event", "comments_premoderated", "Einstellung der Veranstaltung, für alle gleich")
_none(
    "live_session",
    "id event_id is_open joining_open join_code join_mode announce_link created_at updated_at",
    "Einstellungen des Werkstatt-Abends, für alle gleich",
)
_none(
    "live_session",
    "publish_at_once wall_key_hash",
    "Einstellungen des Werkstatt-Abends (Ideen sofort zeigen; Prüfwert des geheimen "
    "Wand-Links, kein Bezug zu Personen)",
)
_none(
    "live_card",
    "id event_id number code created_at",
    "gedruckte Teilnahmekarte, ohne Person, solange sie nicht benutzt wurde",
)
_none("live_participant", "id", _ROW_NUMBER)
_none(
    "rejection_template",
    "id title text position created_at",
    "Textvorlagen der Moderation für Gründe, für alle gleich",
)
_none("registration", "id", _ROW_NUMBER)
_none("invitation_run", "id", _ROW_NUMBER)
_none(
    "invitation_run",
    "event_id audience audience_size queued skipped",
    "Angaben zu einer Einladung als Ganzes (Veranstaltung, Auswahl, Anzahlen), "
    "ohne Empfänger*innen",
)
_none("summary", "id", _ROW_NUMBER)
_none(
    "summary",
    "event_id intro intro_html conclusion conclusion_html status version published_at "
    "created_at updated_at",
    "redaktioneller Text der Moderation zum Ergebnis einer Veranstaltung, in ihrer Rolle "
    "geschrieben",
)
_none("summary_item", "id", _ROW_NUMBER)
_none(
    "summary_item",
    "summary_id idea_id position note",
    "Auswahl, Reihenfolge und Notizen der Moderation zu veröffentlichten Ideen",
)
_none("summary_version", "id", _ROW_NUMBER)
_none(
    "summary_version",
    "summary_id version snapshot",
    "die veröffentlichte Fassung eines Ergebnisses (Texte, Ideentitel, Stimmen), ohne "
    "Angaben zu Personen",
)


def personal_columns() -> set[str]:
    """Every "table.column" that holds personal data."""
    return {column for item in PERSONAL_DATA for column in item.columns}


def _retention_values() -> dict[str, int]:
    config = current_app.config
    return {
        "unconfirmed_days": config["UNCONFIRMED_ACCOUNT_DAYS"],
        "session_days": config["LOGIN_SESSION_MAX_AGE"] // 86400,
        "token_hours": config["TOKEN_MAX_AGE"] // 3600,
        "mail_days": config["SENT_MAIL_RETENTION_DAYS"],
    }


def inventory_rows() -> list[dict]:
    """The inventory for the /privacy page, in the current language: one dict per kind of
    data with `data`, `purpose`, `legal_basis` (one string, several bases joined),
    `retention` (with the configured periods filled in), `columns` ("table.column" list)
    and `tables`. Needs an app context."""
    values = _retention_values()
    rows = []
    for item in PERSONAL_DATA:
        rows.append(
            {
                "data": str(item.data),
                "purpose": str(item.purpose),
                "legal_basis": "; ".join(str(basis.label) for basis in item.legal_basis),
                "retention": str(item.retention) % values,
                "columns": list(item.columns),
                "tables": sorted({column.split(".")[0] for column in item.columns}),
            }
        )
    return rows


def inventory_markdown() -> str:
    """docs/personal-data.md: the same inventory as a Markdown document. Needs an app context."""
    lines = [
        "# " + _("Verzeichnis der personenbezogenen Daten"),
        "",
        "<!-- "
        "Generated by `ideenwerkstatt privacy inventory > docs/personal-data.md` from "
        "ideenwerkstatt/privacy/inventory.py; edit that file, then regenerate. -->",
        "",
        _(
            "Welche personenbezogenen Daten die Ideenwerkstatt speichert, wozu, auf welcher "
            "Rechtsgrundlage und wie lange. Die Fristen folgen der Konfiguration; hier stehen "
            "die Standardwerte. Gelöscht wird täglich mit `ideenwerkstatt privacy purge`."
        ),
        "",
        "## " + _("Personenbezogene Daten"),
        "",
    ]
    for row in inventory_rows():
        lines += [
            "### " + row["data"],
            "",
            "- **" + _("Spalten") + "**: " + ", ".join(f"`{c}`" for c in row["columns"]),
            "- **" + _("Zweck") + "**: " + row["purpose"],
            "- **" + _("Rechtsgrundlage") + "**: " + row["legal_basis"],
            "- **" + _("Speicherdauer") + "**: " + row["retention"],
            "",
        ]
    lines += ["## " + _("Spalten ohne personenbezogene Daten"), ""]
    by_reason: dict[str, list[str]] = {}
    for column, reason in NOT_PERSONAL.items():
        by_reason.setdefault(reason, []).append(column)
    for reason, columns in by_reason.items():
        lines.append(f"- {reason}: " + ", ".join(f"`{c}`" for c in sorted(columns)))
    lines.append("")
    return "\n".join(lines)

"""The consent wording, per purpose, version and language: the exact words people agree to.

These texts are evidence (GDPR Art. 7(1)): a consent record points at the wording the person
saw. So a published version is never edited. To change a text, add the next version below
(keep the old ones: records still point at them) and raise CURRENT_VERSIONS. The test
`tests/privacy/test_consent_texts.py` holds a fingerprint of every published version and
fails when one is edited in place.

They are not run through gettext on purpose: a translator's edit would silently change what
someone agreed to. Each version carries its own German and English wording.

Purposes are keyed by their values ("participation"); `Purpose` members, being StrEnums,
look them up just the same. This module imports no model on purpose: it is loaded while the
models of accounts and privacy are still being imported.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

DEFAULT_LOCALE = "de"
PARTICIPATION = "participation"  # = Purpose.PARTICIPATION
INVITATIONS = "invitations"  # = Purpose.INVITATIONS
EVENT_PARTICIPATION = "event_participation"  # = Purpose.EVENT_PARTICIPATION

# (purpose, version) -> {locale: text}
CONSENT_TEXTS: dict[tuple[str, int], dict[str, str]] = {
    (PARTICIPATION, 1): {
        "de": (
            "Damit Sie bei der Ideenwerkstatt mitmachen können, speichern wir Ihre "
            "E-Mail-Adresse, Ihren Anzeigenamen, falls Sie einen wählen (ein Pseudonym "
            "genügt, Ihren echten Namen brauchen wir nicht), und was Sie hier beitragen: "
            "Ideen, Stimmen und Kommentare. Wir nutzen diese Daten, um Ihr Konto zu führen, "
            "Ihnen Nachrichten zu Ihrem Konto und Ihren Ideen zu schicken und die gesammelten "
            "Ideen gemeinsam mit Bürger*innen, Politik und Verwaltung weiterzubearbeiten. "
            "Ihre Ideen und Kommentare sind nach der Freigabe durch die Moderation öffentlich "
            "zu sehen, mit Ihrem Anzeigenamen, falls Sie einen angegeben haben. Ihre Stimmen "
            "zählen nur als Zahl, ohne Namen. Ihre E-Mail-Adresse wird nie veröffentlicht. "
            "Ohne diese Einwilligung ist kein Konto möglich. Sie können sie jederzeit "
            "widerrufen, indem Sie Ihr Konto löschen: Dann löschen wir Ihre Daten sofort. Sie "
            "entscheiden dabei selbst, ob Ihre Ideen und Kommentare ohne Namen stehen bleiben "
            "oder mit gelöscht werden."
        ),
        "en": (
            "So that you can take part in the Ideenwerkstatt, we store your e-mail address, "
            "your display name if you choose one (a pseudonym is fine, we do not need your "
            "real name), and what you contribute here: ideas, votes and comments. We use this "
            "data to run your account, to send you messages about your account and your "
            "ideas, and to take the collected ideas further together with citizens, "
            "politicians and the administration. Once the moderators have approved them, "
            "your ideas and comments can be seen publicly, with your display name if you gave "
            "one. Your votes only count as a number, without a name. Your e-mail address is "
            "never published. Without this consent you cannot have an account. You can "
            "withdraw it at any time by deleting your account: we then delete your data at "
            "once. You decide whether your ideas and comments stay, without a name, or are "
            "deleted too."
        ),
    },
    (INVITATIONS, 1): {
        "de": (
            "Wir schicken Ihnen Einladungen zu künftigen Veranstaltungen der Ideenwerkstatt "
            "per E-Mail, und vor Veranstaltungen, zu denen Sie sich angemeldet haben, eine "
            "Erinnerung. Dafür nutzen wir nur Ihre E-Mail-Adresse und Ihre gewählte Sprache. "
            "Diese Einwilligung ist freiwillig: Sie können auch ohne sie mitmachen. Sie können "
            "sie jederzeit mit einem Klick widerrufen, in Ihrem Konto oder über den "
            "Abmelde-Link in jeder Einladung. Danach bekommen Sie keine Einladungen und "
            "Erinnerungen mehr, auch keine, die schon geplant waren."
        ),
        "en": (
            "We send you e-mail invitations to future Ideenwerkstatt events, and a reminder "
            "before events you have registered for. For this we only use your e-mail address "
            "and your chosen language. This consent is voluntary: you can take part without "
            "it. You can withdraw it at any time with one click, in your account or through "
            "the unsubscribe link in every invitation. After that you will receive no more "
            "invitations or reminders, including any that were already planned."
        ),
    },
    (EVENT_PARTICIPATION, 1): {
        "de": (
            "Damit Sie heute Abend bei dieser Ideenwerkstatt mitmachen können, speichern wir "
            "eine zufällige Teilnahme-Nummer, Ihren Anzeigenamen, falls Sie einen angeben (ein "
            "Pseudonym genügt), und was Sie heute beitragen: Ihre Ideen und Ihre Punkte oder "
            "Stimmen. Eine E-Mail-Adresse oder ein Passwort brauchen wir nicht. Ihre Ideen "
            "sind nach der Freigabe durch die Moderation öffentlich zu sehen, mit Ihrem "
            "Anzeigenamen, falls Sie einen angegeben haben. Ihre Stimmen zählen nur als Zahl, "
            "ohne Namen. Wir löschen Ihre Teilnahme mit der Aufbewahrungsfrist dieser "
            "Veranstaltung; Ihre Ideen bleiben dann ohne Namen stehen, Ihre Stimmen nur als "
            "Anzahl. Die Einwilligung ist freiwillig. Sie können sie jederzeit widerrufen: "
            "auf Ihrer Seite des Abends unter „Meine Daten“ mit „Meine Teilnahme löschen“. "
            "Dabei entscheiden Sie, ob Ihre Ideen ohne Namen stehen bleiben oder mit "
            "gelöscht werden."
        ),
        "en": (
            "So that you can take part in this Ideenwerkstatt evening, we store a random "
            "participant number, your display name if you give one (a pseudonym is fine), and "
            "what you contribute tonight: your ideas and your dots or votes. We need no e-mail "
            "address and no password. Once the moderators have approved them, your ideas can "
            "be seen publicly, with your display name if you gave one. Your votes only count "
            "as a number, without a name. We delete your participation when this event's "
            "retention period ends; your ideas then stay without a name, your votes only as "
            "a count. This consent is voluntary. You can withdraw it at any time: on your "
            "page of the evening under “My data” with “Delete my participation”. You then "
            "decide whether your ideas stay without a name or are deleted too."
        ),
    },
}

# The version offered to people now. Raise it after adding a new version above.
CURRENT_VERSIONS: dict[str, int] = {
    PARTICIPATION: 1,
    INVITATIONS: 1,
    EVENT_PARTICIPATION: 1,
}

# The order in which purposes are shown; participation comes first and is required.
PURPOSES: tuple[str, ...] = (PARTICIPATION, INVITATIONS, EVENT_PARTICIPATION)
# Shown on the account page only once decided (granted when joining an evening).
EVENT_PURPOSES: frozenset[str] = frozenset({EVENT_PARTICIPATION})
REQUIRED_PURPOSES: frozenset[str] = frozenset({PARTICIPATION})

PURPOSE_LABELS = {
    PARTICIPATION: _l("Teilnahme an der Ideenwerkstatt"),
    INVITATIONS: _l("Einladungen und Erinnerungen per E-Mail"),
    EVENT_PARTICIPATION: _l("Teilnahme an einem Werkstatt-Abend"),
}


def normalize_locale(locale: str | None) -> str:
    """`en_GB`, `en-gb` and `EN` mean `en`; anything we have no wording for means German."""
    code = (locale or "").replace("-", "_").split("_")[0].lower()
    return code if code in {"de", "en"} else DEFAULT_LOCALE


def wording(purpose: str, version: int, locale: str | None) -> tuple[str, str]:
    """The (locale, text) of one version, falling back to German. Raises KeyError for a
    version that does not exist."""
    texts = CONSENT_TEXTS[(str(purpose), version)]
    code = normalize_locale(locale)
    if code not in texts:
        code = DEFAULT_LOCALE
    return code, texts[code]

"""Forms for ideas: the filter (GET), submitting and editing, the moderators' actions."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SearchField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length

from ..spam import SpamGuardMixin
from .services import BODY_MAX, BODY_MIN, REASON_MAX, REASON_MIN, TITLE_MAX, TITLE_MIN


class FilterForm(FlaskForm):
    """The list's filters, read from the query string (no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    theme = SelectField(_l("Thema"), choices=[], default="")
    event = SelectField(_l("Veranstaltung"), choices=[], default="")
    q = SearchField(_l("Suchbegriffe"), validators=[Length(max=200)])
    sort = SelectField(
        _l("Sortierung"),
        choices=[
            SelectChoice("newest", _l("Neueste zuerst")),
            SelectChoice("votes", _l("Meiste Stimmen zuerst")),
            SelectChoice("trending", _l("Gerade gefragt")),
            # The default with search words (without any: newest first).
            SelectChoice("relevance", _l("Beste Treffer zuerst")),
        ],
        default="newest",
    )


def title_validators() -> list:
    """An idea's title, wherever it is typed (the idea form, the phone's form): the rule of
    ideas.services with a field-level message."""
    return [
        DataRequired(message=_l("Bitte geben Sie einen Titel ein.")),
        Length(
            min=TITLE_MIN,
            max=TITLE_MAX,
            message=_l("Der Titel muss %(min)d bis %(max)d Zeichen lang sein."),
        ),
    ]


class IdeaForm(FlaskForm):
    """Theme, title, body and an optional event. The same rules are checked again in
    ideas.services; the form only gives early, field-level messages."""

    theme = SelectField(_l("Thema"), choices=[], validators=[InputRequired()])
    title = StringField(
        _l("Titel"),
        validators=title_validators(),
    )
    body = TextAreaField(
        _l("Beschreibung"),
        validators=[
            DataRequired(message=_l("Bitte beschreiben Sie Ihre Idee.")),
            Length(
                min=BODY_MIN,
                max=BODY_MAX,
                message=_l("Die Beschreibung muss %(min)d bis %(max)d Zeichen lang sein."),
            ),
        ],
    )
    event = SelectField(_l("Veranstaltung (freiwillig)"), choices=[], default="")


class NewIdeaForm(SpamGuardMixin, IdeaForm):
    """Submitting: with the honeypot and the minimum fill time."""


class RejectForm(FlaskForm):
    reason = TextAreaField(
        _l("Grund der Ablehnung"),
        validators=[
            DataRequired(message=_l("Bitte geben Sie einen Grund an.")),
            Length(
                min=REASON_MIN,
                max=REASON_MAX,
                message=_l("Der Grund muss %(min)d bis %(max)d Zeichen lang sein."),
            ),
        ],
    )


class ActionForm(FlaskForm):
    """An action button (approve, hide, restore): only the CSRF token."""

"""Moderation forms: queue filter, decisions, reason templates, log filter."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from ..ideas.services import BODY_MAX, TITLE_MAX
from ..routing import parse_id
from .services import NOTE_MAX, TEMPLATE_TEXT_MAX, TEMPLATE_TITLE_MAX


def _int_or_none(value):
    # An id, else None (also for numbers larger than any id: see routing.parse_id).
    if isinstance(value, int):
        return value
    return parse_id(value) if isinstance(value, str) else None


class QueueFilterForm(FlaskForm):
    """GET filter: no CSRF token (it changes nothing)."""

    class Meta:
        csrf = False

    event = SelectField(_l("Veranstaltung"), coerce=_int_or_none, validate_choice=False)
    theme = SelectField(_l("Thema"), coerce=_int_or_none, validate_choice=False)


class ActionForm(FlaskForm):
    """An action button (approve, bulk approve, hide, restore): only the CSRF token."""


class RejectForm(FlaskForm):
    template = SelectField(_l("Vorlage für den Grund"), coerce=_int_or_none, validate_choice=False)
    free_text = TextAreaField(
        _l("Eigener Text (freiwillig, wird an die Vorlage angehängt)"),
        validators=[Optional(), Length(max=2000)],
    )


class EditForm(FlaskForm):
    title = StringField(_l("Titel"), validators=[DataRequired(), Length(max=TITLE_MAX)])
    body = TextAreaField(_l("Beschreibung"), validators=[DataRequired(), Length(max=BODY_MAX)])
    note = StringField(
        _l("Hinweis zur Änderung (wird bei der Idee angezeigt)"),
        validators=[
            DataRequired(message=_l("Bitte begründen Sie die Änderung.")),
            Length(min=3, max=NOTE_MAX),
        ],
    )


class OutcomeForm(FlaskForm):
    status = SelectField(
        _l("Stand"),
        choices=[
            SelectChoice("forwarded", _l("An den Rat weitergegeben")),
            SelectChoice("in_progress", _l("In Arbeit")),
            SelectChoice("done", _l("Umgesetzt")),
            SelectChoice("not_pursued", _l("Nicht weiterverfolgt")),
        ],
    )
    note = TextAreaField(
        _l("Notiz (öffentlich bei der Idee)"),
        validators=[DataRequired(message=_l("Bitte schreiben Sie eine Notiz.")), Length(max=2000)],
    )
    decided_on = DateField(_l("Datum (leer: heute)"), validators=[Optional()])


class TemplateForm(FlaskForm):
    title = StringField(
        _l("Kurzer Titel"), validators=[DataRequired(), Length(max=TEMPLATE_TITLE_MAX)]
    )
    text = TextAreaField(
        _l("Text, den die Person per E-Mail bekommt"),
        validators=[DataRequired(), Length(max=TEMPLATE_TEXT_MAX)],
    )


class LogFilterForm(FlaskForm):
    class Meta:
        csrf = False

    actor = SelectField(_l("Person"), coerce=_int_or_none, validate_choice=False)
    action = SelectField(_l("Aktion"), validate_choice=False)
    since = DateField(_l("Von (Datum)"), validators=[Optional()])
    until = DateField(_l("Bis (Datum, einschließlich)"), validators=[Optional()])

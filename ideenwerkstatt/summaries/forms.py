"""The curation form: introduction and conclusion (notes come as note-<item id> fields)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Length

from .services import MAX_TEXT_LENGTH


class SummaryForm(FlaskForm):
    intro = TextAreaField(
        _l("Einleitung"),
        validators=[Length(max=MAX_TEXT_LENGTH, message=_l("Höchstens %(max)d Zeichen, bitte."))],
        render_kw={"rows": 6},
    )
    conclusion = TextAreaField(
        _l("Fazit"),
        validators=[Length(max=MAX_TEXT_LENGTH, message=_l("Höchstens %(max)d Zeichen, bitte."))],
        render_kw={"rows": 6},
    )


class ActionForm(FlaskForm):
    """Only the CSRF token: for the start button."""

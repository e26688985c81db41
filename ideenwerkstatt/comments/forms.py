"""Comment forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField
from wtforms.validators import DataRequired, Length

from .services import BODY_MAX, REASON_MAX


class CommentForm(FlaskForm):
    body = TextAreaField(
        _l("Ihr Kommentar"),
        validators=[
            DataRequired(message=_l("Bitte schreiben Sie einen Kommentar.")),
            Length(max=BODY_MAX),
        ],
    )
    parent = HiddenField()


class HideForm(FlaskForm):
    reason = TextAreaField(
        _l("Grund (geht per E-Mail an die Person)"),
        validators=[
            DataRequired(message=_l("Bitte geben Sie einen Grund an.")),
            Length(max=REASON_MAX),
        ],
    )

"""The organizers' theme form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from .services import NAME_MAX

DESCRIPTION_MAX = 5_000


class ThemeForm(FlaskForm):
    name_de = StringField(
        _l("Name (deutsch)"),
        validators=[
            DataRequired(_l("Bitte geben Sie einen deutschen Namen ein.")),
            Length(max=NAME_MAX, message=_l("Höchstens %(max)d Zeichen.", max=NAME_MAX)),
        ],
    )
    name_en = StringField(
        _l("Name (englisch)"),
        validators=[Length(max=NAME_MAX, message=_l("Höchstens %(max)d Zeichen.", max=NAME_MAX))],
    )
    description_de = TextAreaField(
        _l("Beschreibung (deutsch)"),
        validators=[
            Length(
                max=DESCRIPTION_MAX, message=_l("Höchstens %(max)d Zeichen.", max=DESCRIPTION_MAX)
            )
        ],
    )
    description_en = TextAreaField(
        _l("Beschreibung (englisch)"),
        validators=[
            Length(
                max=DESCRIPTION_MAX, message=_l("Höchstens %(max)d Zeichen.", max=DESCRIPTION_MAX)
            )
        ],
    )


class ThemeActionForm(FlaskForm):
    """The small forms on the theme list (move, retire, reactivate): only the CSRF token."""

"""Forms of the privacy pages: the consent buttons and the account deletion."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, PasswordField, RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Optional

KEEP = "keep"
DELETE = "delete"


class ConsentButtonForm(FlaskForm):
    """One click: withdraw or grant. A grant says which wording was on the screen, so the
    ledger records exactly that text (and a text changed meanwhile is shown again first)."""

    version = IntegerField(validators=[Optional()])
    locale = HiddenField()


class DeleteAccountForm(FlaskForm):
    password = PasswordField(
        _l("Ihr Passwort"),
        validators=[DataRequired(message=_l("Bitte geben Sie Ihr Passwort ein."))],
    )
    contributions = RadioField(
        _l("Was soll mit Ihren Ideen und Kommentaren geschehen?"),
        choices=[
            SelectChoice(
                KEEP, _l("Stehen lassen, ohne meinen Namen: sie erscheinen als „gelöschtes Konto“")
            ),
            SelectChoice(DELETE, _l("Mit meinem Konto löschen")),
        ],
        default=KEEP,
        validators=[InputRequired(message=_l("Bitte wählen Sie eine der beiden Möglichkeiten."))],
    )
    confirm = BooleanField(
        _l("Ja, ich möchte mein Konto jetzt endgültig löschen"),
        validators=[
            DataRequired(message=_l("Bitte bestätigen Sie, dass Sie Ihr Konto löschen möchten."))
        ],
    )

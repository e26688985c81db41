"""Invitation forms: choosing the event and the audience, confirming the send."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, RadioField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired

from .models import Audience

AUDIENCE_LABELS = {
    Audience.CONSENTED: _l("Alle, die Einladungen zugestimmt haben"),
    Audience.INTERESTED: _l(
        "Nur Interessierte: wer zu einem Thema der Veranstaltung eine Idee eingereicht "
        "oder abgestimmt hat (und Einladungen zugestimmt hat)"
    ),
}

AUDIENCE_SHORT = {
    Audience.CONSENTED: _l("Alle mit Einwilligung"),
    Audience.INTERESTED: _l("Interessierte an den Themen"),
}


def audience_label(audience: Audience | str) -> str:
    return str(AUDIENCE_SHORT[Audience(audience)])


def _event_id(value):
    """The chosen event's id; the empty placeholder ("Bitte wählen") is None."""
    return None if value in ("", None) else int(value)


class InvitationForm(FlaskForm):
    """Step one (a GET form: choosing changes nothing, so it needs no CSRF token)."""

    class Meta:
        csrf = False

    event = SelectField(
        _l("Veranstaltung"),
        coerce=_event_id,
        validators=[InputRequired(_l("Bitte wählen Sie eine Veranstaltung."))],
    )
    audience = RadioField(
        _l("Wer bekommt die Einladung?"),
        choices=[SelectChoice(a.value, label) for a, label in AUDIENCE_LABELS.items()],
        default=Audience.CONSENTED.value,
        validators=[DataRequired(_l("Bitte wählen Sie, wer eingeladen wird."))],
    )


class SendForm(FlaskForm):
    """Step two: the confirmed choice, posted with the CSRF token."""

    event = IntegerField(validators=[InputRequired()])
    audience = HiddenField(validators=[DataRequired()])

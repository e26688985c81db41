"""Forms of the evening: the organizer's switch, joining, the phone's idea form, withdrawal."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..accounts.services import DISPLAY_NAME_MAX_LENGTH
from ..ideas.forms import title_validators
from ..ideas.services import BODY_MAX
from .models import JoinMode
from .services import MAX_CARDS

KEEP, DELETE = "keep", "delete"


class LiveSessionForm(FlaskForm):
    """The organizer's switch: on/off, joining open/closed, join mode, link announced."""

    is_open = BooleanField(_l("Der Abend ist eingeschaltet"))
    joining_open = BooleanField(_l("Neue Teilnehmende können dazukommen"))
    join_mode = RadioField(
        _l("Wie kommen die Teilnehmenden dazu?"),
        choices=[
            SelectChoice(
                JoinMode.OPEN_CODE.value,
                _l("Offener Code: Wer den Code kennt, macht mit"),
            ),
            SelectChoice(
                JoinMode.CARDS.value,
                _l("Persönliche Teilnahmekarten: eine Karte, eine Stimme"),
            ),
        ],
        default=JoinMode.OPEN_CODE.value,
        validators=[InputRequired(message=_l("Bitte wählen Sie eine der Möglichkeiten."))],
    )
    announce_link = BooleanField(
        _l("Den Link zum Mitmachen auf der Veranstaltungsseite und in der Einladung zeigen")
    )
    publish_at_once = BooleanField(
        _l("Ideen von Handys während des Abends sofort zeigen (die Moderation blendet danach aus)")
    )


class ActionForm(FlaskForm):
    """A button (new code): only the CSRF token."""


class ReissueForm(FlaskForm):
    number = IntegerField(
        _l("Nummer der Karte"),
        validators=[
            InputRequired(message=_l("Bitte geben Sie die Nummer der Karte ein.")),
            NumberRange(min=1, max=MAX_CARDS, message=_l("Diese Karte gibt es nicht.")),
        ],
    )


class CardsForm(FlaskForm):
    """The number of cards to print (a GET form: it only shows a PDF)."""

    class Meta:
        csrf = False

    n = IntegerField(
        _l("Anzahl der Karten"),
        default=40,
        validators=[
            InputRequired(message=_l("Bitte geben Sie eine Zahl ein.")),
            NumberRange(
                min=1, max=MAX_CARDS, message=_l("Bitte eine Zahl von %(min)d bis %(max)d.")
            ),
        ],
    )


class JoinForm(FlaskForm):
    """Joining an evening: an optional name and the consent box, never pre-ticked."""

    display_name = StringField(
        _l("Ihr Name für heute Abend (freiwillig)"),
        validators=[Optional(), Length(max=DISPLAY_NAME_MAX_LENGTH)],
    )
    consent = BooleanField(
        _l("Ja, ich bin einverstanden und mache heute Abend mit."),
        validators=[DataRequired(message=_l("Bitte stimmen Sie zu, damit Sie mitmachen können."))],
    )


class LiveIdeaForm(FlaskForm):
    """The phone's short idea form: theme, title, optional text."""

    theme = SelectField(_l("Thema"), choices=[], validators=[InputRequired()])
    title = StringField(
        _l("Ihre Idee in einem Satz"),
        validators=title_validators(),
    )
    body = TextAreaField(
        _l("Mehr dazu (freiwillig)"),
        validators=[Optional(), Length(max=BODY_MAX)],
    )


class WithdrawForm(FlaskForm):
    ideas = RadioField(
        _l("Was soll mit Ihren Ideen geschehen?"),
        choices=[
            SelectChoice(KEEP, _l("Stehen lassen, ohne meinen Namen")),
            SelectChoice(DELETE, _l("Mit meiner Teilnahme löschen")),
        ],
        default=KEEP,
        validators=[InputRequired(message=_l("Bitte wählen Sie eine der beiden Möglichkeiten."))],
    )


class AccountForm(FlaskForm):
    """A guest keeps their participation as an account: address, password, the consent."""

    email = EmailField(
        _l("E-Mail-Adresse"),
        validators=[DataRequired(message=_l("Bitte geben Sie Ihre E-Mail-Adresse ein."))],
    )
    password = PasswordField(
        _l("Passwort"),
        validators=[DataRequired(message=_l("Bitte wählen Sie ein Passwort."))],
    )
    consent = BooleanField(
        _l("Ja, ich willige in die Teilnahme an der Ideenwerkstatt ein."),
        validators=[DataRequired(message=_l("Ohne diese Einwilligung ist kein Konto möglich."))],
    )

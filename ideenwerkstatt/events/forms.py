"""The organizers' event form and the phase buttons."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields import DateTimeLocalField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..routing import parse_id
from . import validation as limits
from .models import Phase, VotingRule
from .services import PhaseStep

# datetime-local inputs send "2025-05-17T10:00"; the first format is also how values are shown.
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes; the template puts them in a fieldset with a legend."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _theme_id(value) -> int:
    """A theme id from the form; ValueError (the field's "could not be coerced" error) for
    anything else, also for a number larger than any id (the query would overflow)."""
    number = value if isinstance(value, int) else parse_id(str(value))
    if number is None:
        raise ValueError(value)
    return number


def _range(low: int, high: int) -> NumberRange:
    return NumberRange(
        min=low, max=high, message=_l("Bitte eine Zahl von %(min)d bis %(max)d.", min=low, max=high)
    )


class EventForm(FlaskForm):
    title = StringField(
        _l("Titel"),
        validators=[
            DataRequired(_l("Bitte geben Sie einen Titel ein.")),
            Length(
                max=limits.TITLE_MAX,
                message=_l("Höchstens %(max)d Zeichen.", max=limits.TITLE_MAX),
            ),
        ],
    )
    description = TextAreaField(
        _l("Beschreibung"),
        validators=[
            Length(
                max=limits.DESCRIPTION_MAX,
                message=_l("Höchstens %(max)d Zeichen.", max=limits.DESCRIPTION_MAX),
            )
        ],
    )
    place = StringField(
        _l("Ort"),
        validators=[
            Length(
                max=limits.PLACE_MAX,
                message=_l("Höchstens %(max)d Zeichen.", max=limits.PLACE_MAX),
            )
        ],
    )
    starts_at = DateTimeLocalField(
        _l("Beginn"),
        format=DATETIME_FORMATS,
        invalid_value_message=_l("Bitte Datum und Uhrzeit angeben, z. B. 17.05.2025, 10:00."),
        validators=[InputRequired(_l("Bitte geben Sie Datum und Uhrzeit an."))],
    )
    ends_at = DateTimeLocalField(
        _l("Ende"),
        format=DATETIME_FORMATS,
        invalid_value_message=_l("Bitte Datum und Uhrzeit angeben, z. B. 17.05.2025, 16:00."),
        validators=[InputRequired(_l("Bitte geben Sie Datum und Uhrzeit an."))],
    )
    themes = MultiCheckboxField(_l("Themen"), coerce=_theme_id, validate_choice=False)
    capacity = IntegerField(
        _l("Plätze"),
        invalid_value_message=_l("Bitte eine ganze Zahl, oder leer lassen für unbegrenzt."),
        validators=[Optional(), _range(limits.CAPACITY_MIN, limits.CAPACITY_MAX)],
    )
    voting_rule = RadioField(
        _l("Abstimmungsregel"),
        choices=[
            SelectChoice(
                VotingRule.SUPPORT.value, _l("Unterstützen: eine Stimme pro Person und Idee")
            ),
            SelectChoice(VotingRule.DOTS.value, _l("Punkte: ein Budget an Punkten pro Person")),
        ],
        default=VotingRule.SUPPORT.value,
        validators=[InputRequired(_l("Bitte wählen Sie eine Abstimmungsregel."))],
    )
    dot_budget = IntegerField(
        _l("Punkte pro Person"),
        invalid_value_message=_l("Bitte eine ganze Zahl."),
        validators=[Optional(), _range(limits.DOT_BUDGET_MIN, limits.DOT_BUDGET_MAX)],
    )
    retention_days = IntegerField(
        _l("Aufbewahrung der Anmeldedaten (Tage)"),
        default=limits.RETENTION_DAYS_DEFAULT,
        invalid_value_message=_l("Bitte eine ganze Zahl."),
        validators=[
            InputRequired(_l("Bitte geben Sie eine Zahl von Tagen an.")),
            _range(limits.RETENTION_DAYS_MIN, limits.RETENTION_DAYS_MAX),
        ],
    )

    comments_premoderated = BooleanField(
        _l("Kommentare erst nach Freigabe durch die Moderation zeigen"),
    )

    def service_values(self) -> dict:
        """The form's data as keyword arguments for events.services.create/update_event."""
        return {
            "title": self.title.data or "",
            "description": self.description.data or "",
            "place": self.place.data or "",
            "starts_at": self.starts_at.data,
            "ends_at": self.ends_at.data,
            "theme_ids": self.themes.data or [],
            "capacity": self.capacity.data,
            "voting_rule": self.voting_rule.data,
            "dot_budget": self.dot_budget.data,
            "retention_days": self.retention_days.data,
        }


class PhaseForm(FlaskForm):
    """One phase button: the step, and the phase the organizer saw (see change_phase)."""

    step = HiddenField(validators=[AnyOf([step.value for step in PhaseStep])])
    from_phase = HiddenField(validators=[AnyOf([phase.value for phase in Phase])])
    # Sent by the confirmation page's button (events.services.ConfirmationNeeded).
    confirmed = HiddenField(validators=[Optional(), AnyOf(["yes"])])

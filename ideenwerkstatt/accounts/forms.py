"""Account forms: the rules themselves live in services; forms only report them per field."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, EqualTo, InputRequired, ValidationError

from ..spam import SpamGuardMixin
from . import services
from .services import DISPLAY_NAME_MAX_LENGTH, PASSWORD_MAX_LENGTH

EMAIL_REQUIRED = _l("Bitte geben Sie Ihre E-Mail-Adresse ein.")
PASSWORD_REQUIRED = _l("Bitte geben Sie ein Passwort ein.")
PASSWORDS_DIFFER = _l("Die beiden Passwörter stimmen nicht überein.")


def _email_field(label=None):
    return EmailField(
        label or _l("E-Mail-Adresse"),
        validators=[InputRequired(message=EMAIL_REQUIRED)],
        render_kw={"maxlength": 254, "spellcheck": "false", "autocapitalize": "none"},
    )


def _new_password_fields(label=None, repeat_label=None):
    password = PasswordField(
        label or _l("Passwort"),
        validators=[InputRequired(message=PASSWORD_REQUIRED)],
        render_kw={"minlength": services.PASSWORD_MIN_LENGTH, "maxlength": PASSWORD_MAX_LENGTH},
    )
    repeat = PasswordField(
        repeat_label or _l("Passwort wiederholen"),
        validators=[
            InputRequired(message=_l("Bitte wiederholen Sie das Passwort.")),
            EqualTo("password", message=PASSWORDS_DIFFER),
        ],
    )
    return password, repeat


class _NewPasswordMixin:
    """Checks `password` against the service's strength rule, with the address if known."""

    def _address_for_password_check(self) -> str | None:
        return None

    def validate_password(self, field):
        try:
            services.check_password_strength(field.data, self._address_for_password_check())
        except services.WeakPassword as error:
            raise ValidationError(str(error)) from None


class _ValidEmailMixin:
    def validate_email(self, field):
        try:
            services.normalize_email(field.data)
        except services.InvalidEmail as error:
            raise ValidationError(str(error)) from None


class _DisplayNameMixin:
    def validate_display_name(self, field):
        try:
            services.clean_display_name(field.data)
        except services.InvalidDisplayName as error:
            raise ValidationError(str(error)) from None


def _display_name_field():
    return StringField(
        _l("Anzeigename (freiwillig)"), render_kw={"maxlength": DISPLAY_NAME_MAX_LENGTH}
    )


class RegisterForm(
    SpamGuardMixin, _ValidEmailMixin, _NewPasswordMixin, _DisplayNameMixin, FlaskForm
):
    email = _email_field()
    display_name = _display_name_field()
    password, password_repeat = _new_password_fields()
    # Two purposes, two decisions, never pre-ticked (GDPR Art. 7, recital 32).
    consent_participation = BooleanField(
        _l("Ja, ich willige in die Verarbeitung meiner Daten zur Teilnahme ein"),
        validators=[
            DataRequired(
                message=_l(
                    "Ohne diese Einwilligung können wir kein Konto für Sie anlegen: "
                    "bitte setzen Sie das Häkchen."
                )
            )
        ],
    )
    consent_invitations = BooleanField(
        _l("Ja, schicken Sie mir Einladungen zu künftigen Ideenwerkstätten per E-Mail")
    )
    # The versions of the consent texts shown, so the ledger points at the words seen.
    participation_version = HiddenField()
    invitations_version = HiddenField()

    def _address_for_password_check(self) -> str | None:
        try:
            return services.normalize_email(self.email.data)
        except services.InvalidEmail:
            return None


class LoginForm(FlaskForm):
    email = _email_field()
    password = PasswordField(
        _l("Passwort"), validators=[InputRequired(message=_l("Bitte geben Sie Ihr Passwort ein."))]
    )


class ResetRequestForm(_ValidEmailMixin, FlaskForm):
    email = _email_field()


class ResetPasswordForm(_NewPasswordMixin, FlaskForm):
    password, password_repeat = _new_password_fields(
        _l("Neues Passwort"), _l("Neues Passwort wiederholen")
    )

    def __init__(self, *args, email: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._email = email

    def _address_for_password_check(self) -> str | None:
        return self._email


class PasswordChangeForm(ResetPasswordForm):
    current_password = PasswordField(
        _l("Aktuelles Passwort"),
        validators=[InputRequired(message=_l("Bitte geben Sie Ihr aktuelles Passwort ein."))],
    )
    password, password_repeat = _new_password_fields(
        _l("Neues Passwort"), _l("Neues Passwort wiederholen")
    )


class ProfileForm(_DisplayNameMixin, FlaskForm):
    display_name = _display_name_field()
    locale = SelectField(
        _l("Sprache der Seiten und E-Mails"),
        # Each language named in itself, marked up so screen readers pronounce it right.
        choices=[
            SelectChoice("de", "Deutsch", render_kw={"lang": "de"}),
            SelectChoice("en", "English", render_kw={"lang": "en"}),
        ],
    )

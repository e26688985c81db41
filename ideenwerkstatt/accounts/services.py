"""Account rules: addresses, passwords, registration with double opt-in, login sessions."""

from __future__ import annotations

import enum
import functools
import hashlib
import secrets
from pathlib import Path

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from ..database import utcnow
from ..extensions import db
from ..mail.services import queue_mail
from ..permissions import Role
from .models import AccountToken, LoginSession, TokenPurpose, User
from .tokens import discard_tokens, issue_token, mark_token_used

PASSWORD_MIN_LENGTH = 10
# Long enough for any passphrase, short enough that hashing cannot be abused to burn CPU.
PASSWORD_MAX_LENGTH = 256
DISPLAY_NAME_MAX_LENGTH = 60
CONTROL_CHARACTERS = frozenset(chr(c) for c in range(32)) | {"\x7f"}


class AccountError(Exception):
    """A rule of this module was broken; `str(error)` is a message for the person."""

    def __init__(self, message=None):
        super().__init__(message or self.default_message)
        self.message = message or self.default_message

    default_message = _l("Das hat nicht geklappt.")

    def __str__(self) -> str:
        return str(self.message)


class InvalidEmail(AccountError):
    default_message = _l("Bitte geben Sie eine gültige E-Mail-Adresse ein.")


class WeakPassword(AccountError):
    default_message = _l("Dieses Passwort ist zu leicht zu erraten.")


class InvalidDisplayName(AccountError):
    default_message = _l("Bitte wählen Sie einen anderen Namen.")


class DuplicateEmail(AccountError):
    default_message = _l("Zu dieser E-Mail-Adresse gibt es schon ein Konto.")


class UserNotFound(AccountError):
    default_message = _l("Zu dieser E-Mail-Adresse gibt es kein Konto.")


class WrongPassword(AccountError):
    default_message = _l("Das aktuelle Passwort stimmt nicht.")


# --- addresses, names, passwords ------------------------------------------------------------


def normalize_email(raw: str) -> str:
    """The normalized form of an address (email-validator: Unicode NFC, domain lower-cased).

    Raises InvalidEmail for anything that is not a single valid address, and always for CR,
    LF or NUL, which could smuggle headers into a mail."""
    value = (raw or "").strip()
    if any(ch in value for ch in ("\r", "\n", "\0")):
        raise InvalidEmail(_l("Eine E-Mail-Adresse darf keine Zeilenumbrüche enthalten."))
    if not value:
        raise InvalidEmail()
    try:
        result = validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        raise InvalidEmail() from None
    if len(result.normalized) > 254:
        raise InvalidEmail(_l("Diese E-Mail-Adresse ist zu lang."))
    return result.normalized


def find_user_by_email(email: str) -> User | None:
    """The account for an address, whatever the case of its letters: the same person types
    Max@… today and max@… tomorrow, and must neither get two accounts nor be locked out."""
    # The exact match catches what SQLite's ASCII-only lower() would miss (Ä, Ö, Ü).
    return db.session.scalar(
        select(User)
        .where(or_(User.email == email, func.lower(User.email) == email.lower()))
        .order_by(case((User.email == email, 0), else_=1), User.id)
        .limit(1)
    )


def clean_display_name(raw: str | None) -> str | None:
    """A pseudonym is enough: trimmed, at most 60 characters, no control characters; an empty
    name means none. Raises InvalidDisplayName."""
    name = " ".join((raw or "").split())
    if not name:
        return None
    if len(name) > DISPLAY_NAME_MAX_LENGTH:
        raise InvalidDisplayName(
            _l("Bitte höchstens %(max)d Zeichen.", max=DISPLAY_NAME_MAX_LENGTH)
        )
    if any(ch in CONTROL_CHARACTERS for ch in (raw or "")):
        raise InvalidDisplayName()
    return name


@functools.cache
def common_passwords() -> frozenset[str]:
    path = Path(__file__).with_name("common_passwords.txt")
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(
        line.strip().casefold() for line in lines if line.strip() and not line.startswith("#")
    )


def check_password_strength(password: str, email: str | None = None) -> None:
    """At least 10 characters, not on the list of common passwords, not the e-mail address,
    not one character repeated. No rules about digits or symbols: length beats them (NIST
    SP 800-63B). Raises WeakPassword with the reason."""
    password = password or ""
    if len(password) < PASSWORD_MIN_LENGTH:
        raise WeakPassword(_l("Bitte mindestens %(min)d Zeichen.", min=PASSWORD_MIN_LENGTH))
    if len(password) > PASSWORD_MAX_LENGTH:
        raise WeakPassword(_l("Bitte höchstens %(max)d Zeichen.", max=PASSWORD_MAX_LENGTH))
    folded = password.casefold()
    if folded in common_passwords() or len(set(folded)) < 3:
        raise WeakPassword(
            _l(
                "Dieses Passwort ist sehr verbreitet und leicht zu erraten. Wie wäre es mit "
                "einem Satz aus mehreren Wörtern?"
            )
        )
    if email and folded in {email.casefold(), email.split("@", 1)[0].casefold()}:
        raise WeakPassword(_l("Das Passwort darf nicht Ihre E-Mail-Adresse sein."))


def hash_password(password: str) -> str:
    """Hash with the configured method (scrypt N=2**17 by default, OWASP ASVS 5.0)."""
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


@functools.cache
def _dummy_hash(method: str) -> str:
    return generate_password_hash(secrets.token_urlsafe(16), method=method)


def prepare_dummy_hash(method: str) -> None:
    """Build the hash that unknown addresses are checked against now (create_app calls it),
    so that the first login for an unknown address is not slower than any other: the time
    an answer takes says nothing about whether the address has an account."""
    _dummy_hash(method)


def _needs_rehash(password_hash: str) -> bool:
    # Werkzeug hashes read "<method>$<salt>$<hash>", e.g. "scrypt:131072:8:1$…".
    return password_hash.split("$", 1)[0] != current_app.config["PASSWORD_HASH_METHOD"]


def authenticate(email: str, password: str) -> User | None:
    """The confirmed user with this address and password, else None, the same for an unknown
    address, a wrong password and an unconfirmed account (and about as slow: an unknown
    address is checked against a dummy hash). Upgrades a hash made with an older method."""
    try:
        user = find_user_by_email(normalize_email(email))
    except InvalidEmail:
        user = None
    if user is None:
        check_password_hash(_dummy_hash(current_app.config["PASSWORD_HASH_METHOD"]), password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.is_active:
        return None
    if _needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        db.session.flush()
    return user


# --- login sessions -------------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_login_session(user: User) -> str:
    """Open a server-side login session for `user` and return its token (flush only). The
    token goes into the session cookie in place of the user id."""
    token = secrets.token_urlsafe(32)
    db.session.add(LoginSession(user_id=user.id, token_hash=_token_hash(token)))
    db.session.flush()
    user.session_token = token
    return token


def user_for_session_token(token: str) -> User | None:
    """Flask-Login's user loader: the user of a live login session, or None. Reads only:
    a GET request never writes (the session's age counts from the login)."""
    if not token:
        return None
    login = db.session.scalar(
        select(LoginSession)
        .where(LoginSession.token_hash == _token_hash(token))
        # The user comes along: one query per signed-in request instead of two.
        .options(joinedload(LoginSession.user))
    )
    if login is None:
        return None
    max_age = current_app.config["LOGIN_SESSION_MAX_AGE"]
    if (utcnow() - login.last_seen_at).total_seconds() > max_age:
        return None
    user = login.user
    if not user.is_active:
        return None
    user.session_token = token
    return user


def end_login_session(token: str | None) -> None:
    """Sign out the one browser holding `token`: a copy of its cookie is worthless after."""
    if token:
        db.session.execute(
            delete(LoginSession).where(LoginSession.token_hash == _token_hash(token))
        )


def end_all_login_sessions(user: User) -> None:
    """Sign `user` out everywhere (after a password change or reset)."""
    db.session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))


# --- registration and confirmation ----------------------------------------------------------


class RegistrationOutcome(enum.StrEnum):
    CREATED = "created"  # new account, confirmation mail queued
    RESENT = "resent"  # unconfirmed account updated, new confirmation mail queued
    ALREADY_CONFIRMED = "already_confirmed"  # "you already have an account" mail queued
    CONCURRENT = "concurrent"  # another request registered the address a moment ago


def absolute_url(endpoint: str, **values) -> str:
    """BASE_URL + the path of an endpoint; works in requests and in CLI commands alike."""
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return current_app.config["BASE_URL"] + path


def _send_confirmation(user: User, data: dict) -> None:
    # Only the newest link works: an older mail must not confirm with outdated consents.
    discard_tokens(user, TokenPurpose.CONFIRM)
    token = issue_token(user, TokenPurpose.CONFIRM, data)
    queue_mail(
        "confirm_account",
        to=user.email,
        locale=user.locale,
        user=user,
        confirm_url=absolute_url("accounts.confirm", token=token),
        valid_hours=current_app.config["TOKEN_MAX_AGE"] // 3600,
    )


def _send_already_registered(user: User) -> None:
    queue_mail(
        "already_registered",
        to=user.email,
        locale=user.locale,
        user=user,
        login_url=absolute_url("accounts.login"),
        reset_url=absolute_url("accounts.reset_request"),
    )


def register(
    email: str,
    password: str,
    *,
    display_name: str | None,
    locale: str,
    consent_text_ids: list[int],
) -> RegistrationOutcome:
    """Start a registration (double opt-in). The caller answers every outcome the same way,
    so nobody learns whether an address is registered; only the mail differs:
    a new address gets an unconfirmed account and a confirmation link; an unconfirmed one
    gets its password and name replaced and a fresh link (older links stop working); a
    confirmed one gets a note that it already has an account. The consents take effect only
    when the link is followed (they travel in the token's data).
    Raises InvalidEmail, WeakPassword, InvalidDisplayName."""
    email = normalize_email(email)
    check_password_strength(password, email)
    display_name = clean_display_name(display_name)
    # Hash in every case, so that the answer takes as long whatever the address's state.
    password_hash = hash_password(password)
    data = {"consents": [int(i) for i in consent_text_ids]}

    user = find_user_by_email(email)
    if user is not None and user.is_active:
        _send_already_registered(user)
        return RegistrationOutcome.ALREADY_CONFIRMED
    if user is not None:
        user.password_hash = password_hash
        user.display_name = display_name
        user.locale = locale
        db.session.flush()
        _send_confirmation(user, data)
        return RegistrationOutcome.RESENT

    user = User(email=email, password_hash=password_hash, display_name=display_name, locale=locale)
    try:
        with db.session.begin_nested():
            db.session.add(user)
    except IntegrityError:
        # The unique address: a parallel request got there first and sends its own mail.
        return RegistrationOutcome.CONCURRENT
    _send_confirmation(user, data)
    return RegistrationOutcome.CREATED


def _apply_upgrade(user: User, upgrade: dict) -> bool:
    """Turn a guest of an evening into an account on the same row (so ideas and votes are
    neither moved nor counted twice). False when the address got an account meanwhile."""
    email = upgrade.get("email")
    if not email or find_user_by_email(email) is not None:
        return False
    try:
        with db.session.begin_nested():
            user.email = email
            user.password_hash = upgrade["password_hash"]
            user.role = Role.CITIZEN
            db.session.flush()
    except IntegrityError:
        return False
    return True


def request_account_for_guest(
    user: User, email: str, password: str, *, locale: str, consent_text_ids: list[int]
) -> None:
    """A guest of an evening asks to keep their participation as a full account (double
    opt-in): a confirmation link goes to `email`; following it sets the address and the
    password on the guest's own row and makes it a citizen, so ideas and votes stay where
    they are. An address that already has an account gets the "already registered" mail
    instead; the caller answers alike. Raises InvalidEmail, WeakPassword, ValueError for
    anyone but a guest."""
    if user.role != Role.PARTICIPANT:
        raise ValueError("only a guest of an evening becomes an account this way")
    email = normalize_email(email)
    check_password_strength(password, email)
    password_hash = hash_password(password)
    existing = find_user_by_email(email)
    if existing is not None:
        if existing.is_active:
            _send_already_registered(existing)
        return
    discard_tokens(user, TokenPurpose.CONFIRM)
    data = {
        "consents": [int(i) for i in consent_text_ids],
        "upgrade": {"email": email, "password_hash": password_hash},
    }
    token = issue_token(user, TokenPurpose.CONFIRM, data)
    queue_mail(
        "confirm_account",
        to=email,
        locale=locale,
        user=user,
        confirm_url=absolute_url("accounts.confirm", token=token),
        valid_hours=current_app.config["TOKEN_MAX_AGE"] // 3600,
    )


def confirm_account(row: AccountToken) -> User:
    """Follow a confirmation link (from tokens.verify_token): use it up, activate the account
    and let the consents chosen at registration take effect in the ledger. A guest's link
    (request_account_for_guest) turns the guest into a citizen with that address.
    Raises TokenUsed when another request used the link a moment ago."""
    # Imported here: the privacy slice builds on accounts (its ledger is about users), so
    # accounts reach it only when a link is followed (cycle accounts <-> privacy).
    from ..privacy.services import grant_consents_on_confirmation

    mark_token_used(row)
    user = row.user
    upgrade = (row.data or {}).get("upgrade")
    if upgrade and user.role == Role.PARTICIPANT and _apply_upgrade(user, upgrade):
        grant_consents_on_confirmation(user, list((row.data or {}).get("consents", [])))
        return user
    if user.confirmed_at is None:
        user.confirmed_at = utcnow()
        db.session.flush()
        grant_consents_on_confirmation(user, list((row.data or {}).get("consents", [])))
    return user


# --- passwords: change and reset ------------------------------------------------------------


def request_password_reset(email: str) -> None:
    """Mail a reset link to a confirmed account; re-send the confirmation link to an
    unconfirmed one (with the consents it chose, as long as the earlier link still exists);
    do nothing for an unknown or invalid address. The caller answers all alike."""
    try:
        user = find_user_by_email(normalize_email(email))
    except InvalidEmail:
        return
    if user is None:
        return
    if not user.is_active:
        previous = db.session.scalar(
            select(AccountToken)
            .where(AccountToken.user_id == user.id, AccountToken.purpose == TokenPurpose.CONFIRM)
            .order_by(AccountToken.id.desc())
            .limit(1)
        )
        if previous is not None and (previous.data or {}).get("consents"):
            _send_confirmation(user, dict(previous.data))
        return
    discard_tokens(user, TokenPurpose.RESET)
    token = issue_token(user, TokenPurpose.RESET)
    queue_mail(
        "reset_password",
        to=user.email,
        locale=user.locale,
        user=user,
        reset_url=absolute_url("accounts.reset", token=token),
        valid_hours=current_app.config["TOKEN_MAX_AGE"] // 3600,
    )


def reset_password(row: AccountToken, new_password: str) -> User:
    """Set a new password through a reset link (from tokens.verify_token): uses the link up,
    signs the person out everywhere (whoever knew the old password is out).
    Raises WeakPassword, TokenUsed."""
    user = row.user
    check_password_strength(new_password, user.email)
    mark_token_used(row)
    user.password_hash = hash_password(new_password)
    discard_tokens(user, TokenPurpose.RESET)
    end_all_login_sessions(user)
    db.session.flush()
    return user


def change_password(user: User, current_password: str, new_password: str) -> None:
    """Replace the password after checking the current one; ends every login session of the
    user (the caller starts a new one for the browser in use).
    Raises WrongPassword, WeakPassword."""
    if not check_password_hash(user.password_hash, current_password or ""):
        raise WrongPassword()
    check_password_strength(new_password, user.email)
    user.password_hash = hash_password(new_password)
    end_all_login_sessions(user)
    db.session.flush()


# --- profile and administration -------------------------------------------------------------


def update_profile(user: User, *, display_name: str | None, locale: str) -> None:
    """Change the pseudonym and the language of the UI and of mails.
    Raises InvalidDisplayName, ValueError for an unsupported language."""
    if locale not in current_app.config["LANGUAGES"]:
        raise ValueError(f"unsupported locale {locale!r}")
    user.display_name = clean_display_name(display_name)
    user.locale = locale
    db.session.flush()


def create_confirmed_user(
    email: str,
    password: str,
    role: Role | str = Role.CITIZEN,
    *,
    display_name: str | None = None,
    locale: str = "de",
) -> User:
    """An account that is active at once, for operators (the `users create` command).
    Raises InvalidEmail, DuplicateEmail, WeakPassword, InvalidDisplayName."""
    email = normalize_email(email)
    if find_user_by_email(email) is not None:
        raise DuplicateEmail()
    check_password_strength(password, email)
    user = User(
        email=email,
        password_hash=hash_password(password),
        display_name=clean_display_name(display_name),
        role=Role(role),
        locale=locale,
        confirmed_at=utcnow(),
    )
    try:
        with db.session.begin_nested():
            db.session.add(user)
    except IntegrityError:
        raise DuplicateEmail() from None
    return user


def set_role(email: str, role: Role | str) -> User:
    """Give the account with this address another role. Raises InvalidEmail, UserNotFound."""
    user = find_user_by_email(normalize_email(email))
    if user is None:
        raise UserNotFound()
    user.role = Role(role)
    db.session.flush()
    return user

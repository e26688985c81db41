"""`ideenwerkstatt users …`: create confirmed accounts and assign roles from the shell."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import force_locale

from .. import database
from ..extensions import db
from ..permissions import Role
from . import services

users_cli = click.Group("users", help="Manage accounts and roles.")

# Event participants are made by joining an evening, never by an operator.
ROLE_CHOICE = click.Choice(
    [role.value for role in Role if role is not Role.PARTICIPANT], case_sensitive=False
)


def _fail(error: services.AccountError) -> None:
    db.session.rollback()
    # Messages are German source strings; the CLI speaks the default language.
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        message = str(error)
    raise click.ClickException(message)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        # One line, for scripts: `printf '%s\n' "$PW" | ideenwerkstatt users create …`.
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@users_cli.command("create")
@click.argument("email")
@click.option("--role", type=ROLE_CHOICE, default=Role.CITIZEN.value, show_default=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--display-name", default=None, help="An optional pseudonym.")
@with_appcontext
def create_command(email: str, role: str, password_stdin: bool, display_name: str | None):
    """Create a confirmed account with a role."""
    password = _read_password(password_stdin)
    try:
        with database.writing():
            user = services.create_confirmed_user(
                email,
                password,
                Role(role.lower()),
                display_name=display_name,
                locale=current_app.config["BABEL_DEFAULT_LOCALE"],
            )
            database.commit()
    except services.AccountError as error:
        _fail(error)
    click.echo(f"Created {user.email} ({user.role.value}).")


@users_cli.command("set-role")
@click.argument("email")
@click.argument("role", type=ROLE_CHOICE)
@with_appcontext
def set_role_command(email: str, role: str):
    """Change the role of an account."""
    try:
        with database.writing():
            user = services.set_role(email, Role(role.lower()))
            database.commit()
    except services.AccountError as error:
        _fail(error)
    click.echo(f"{user.email} is now {user.role.value}.")

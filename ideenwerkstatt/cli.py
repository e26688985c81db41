"""The `ideenwerkstatt` command: Flask's CLI for this app plus the project's own commands.

Each command lives beside its feature and calls that feature's services; this module only
gathers them."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup


def register_commands(app: Flask) -> None:
    from .accounts.cli import users_cli
    from .checks import check_command
    from .demo import demo_data_command
    from .mail.cli import mail_cli
    from .moderation.cli import moderation_cli
    from .privacy.cli import privacy_cli
    from .serve import serve_command

    app.cli.add_command(users_cli)
    app.cli.add_command(mail_cli)
    app.cli.add_command(moderation_cli)
    app.cli.add_command(privacy_cli)
    app.cli.add_command(demo_data_command)
    app.cli.add_command(check_command)
    app.cli.add_command(serve_command)


def _create_app():
    from . import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=True)
def main() -> None:
    """Ideenwerkstatt: civic idea workshops."""

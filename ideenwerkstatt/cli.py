"""The `ideenwerkstatt` command: Flask's CLI for this app plus the project's own commands.

Each command lives beside its feature and calls that feature's services; this module only
gathers them, and holds `run`: the development server together with the mail worker."""

from __future__ import annotations

import signal
import threading

import click
from flask import Flask
from flask.cli import FlaskGroup, ScriptInfo, pass_script_info

from .config import DEFAULT_HOST, DEFAULT_PORT
from .serve import WORKER_STOP_TIMEOUT, serve_command, serving_address, start_mail_worker


def register_commands(app: Flask) -> None:
    from .accounts.cli import users_cli
    from .checks import check_command
    from .demo import demo_data_command
    from .mail.cli import mail_cli
    from .moderation.cli import moderation_cli
    from .privacy.cli import privacy_cli

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


@click.command("run", short_help="Run the development server and the mail worker.")
@click.option("--host", "-h", default=None, help=f"Interface to bind to [HOST, {DEFAULT_HOST}].")
@click.option(
    "--port",
    "-p",
    type=click.IntRange(1, 65535),
    default=None,
    help=f"Port to listen on [PORT, {DEFAULT_PORT}].",
)
@click.option(
    "--worker/--no-worker",
    default=True,
    show_default=True,
    help="Also deliver mail in this process, as `ideenwerkstatt mail deliver --loop` does.",
)
@click.option(
    "--interval",
    type=click.FloatRange(min=0.1),
    default=5.0,
    show_default=True,
    help="Seconds between the worker's looks at the outbox.",
)
@pass_script_info
def run_command(
    info: ScriptInfo, host: str | None, port: int | None, worker: bool, interval: float
) -> None:
    """Serve the app for local use, with the mail worker in a thread beside it: one command,
    and one Ctrl-C (or SIGTERM) ends both (the worker finishes the message in hand).

    Without BASE_URL, links in mails, the .ics, the PDF and the API point at this host and
    port (the options are also read from HOST and PORT). For production use a WSGI server
    and `ideenwerkstatt mail deliver --loop` (README)."""
    from werkzeug.serving import run_simple

    host, port = serving_address(host, port)
    app = info.load_app()
    click.echo(f" * Links in mails point at {app.config['BASE_URL']}")
    stop = threading.Event()
    thread = start_mail_worker(app, interval, stop) if worker else None
    previous = _sigterm_interrupts()
    try:
        run_simple(host, port, app, use_reloader=False, use_debugger=app.debug, threaded=True)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        stop.set()
        if thread is not None:
            thread.join(WORKER_STOP_TIMEOUT)


def _sigterm_interrupts():
    """SIGTERM stops the server the way Ctrl-C does (the dev server ends on KeyboardInterrupt),
    so that the worker is stopped cleanly too. Returns the previous handler."""

    def _interrupt(_signum, _frame):
        raise KeyboardInterrupt

    return signal.signal(signal.SIGTERM, _interrupt)


main.add_command(run_command)

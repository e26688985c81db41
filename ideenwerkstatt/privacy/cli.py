"""`ideenwerkstatt privacy purge` (the daily retention purge) and `privacy inventory`.

Run the purge once a day, e.g. with a systemd timer::

    # /etc/systemd/system/ideenwerkstatt-purge.service
    [Service]
    Type=oneshot
    User=ideenwerkstatt
    EnvironmentFile=/etc/ideenwerkstatt.env
    ExecStart=/srv/ideenwerkstatt/.venv/bin/ideenwerkstatt privacy purge

    # /etc/systemd/system/ideenwerkstatt-purge.timer
    [Timer]
    OnCalendar=*-*-* 03:30:00
    Persistent=true
    [Install]
    WantedBy=timers.target

or a crontab line: `30 3 * * * /srv/ideenwerkstatt/.venv/bin/ideenwerkstatt privacy purge`.
"""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ..database import commit, writing
from . import inventory, services

privacy_cli = AppGroup("privacy", help="Privacy: retention purge and the personal-data inventory.")


@privacy_cli.command("purge")
def purge_command() -> None:
    """Delete what has outlived its purpose (flow 10): unconfirmed accounts, expired mail
    links, old login sessions, old mails, and what later features register. Meant to run
    daily; running it more often is harmless."""
    with writing():
        counts = services.purge_expired()
        commit()
    if not counts:
        click.echo("another server is running the purge right now: nothing done here")
        return
    for kind, count in counts.items():
        click.echo(f"{kind}: {count} deleted")
    click.echo(f"total: {sum(counts.values())} deleted")


@privacy_cli.command("inventory")
def inventory_command() -> None:
    """Print the personal-data inventory as Markdown (docs/personal-data.md)."""
    click.echo(inventory.inventory_markdown(), nl=False)

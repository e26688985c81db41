"""`ideenwerkstatt moderation …`: the flag digest and the default rejection reasons."""

from __future__ import annotations

import click

from ..database import commit, writing
from .flags import send_flag_digest
from .services import seed_rejection_templates

moderation_cli = click.Group("moderation", help="Moderation tasks.")


@moderation_cli.command("digest")
def digest_command():
    """Mail moderators the new flags (at most once per hour; `mail deliver` runs it too)."""
    with writing():
        count = send_flag_digest()
        commit()
    click.echo(f"flag digest: {count} mails queued")


@moderation_cli.command("seed-reasons")
def seed_reasons_command():
    """Add the three default rejection reasons when there are none."""
    with writing():
        count = seed_rejection_templates()
        commit()
    click.echo(f"{count} reasons added")

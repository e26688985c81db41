"""`ideenwerkstatt check` (skeleton)."""

import click


@click.command("check")
def check_command():
    """Warn about an unsafe production configuration."""

"""CLI for privacy (skeleton)."""

import click

privacy_cli = click.Group("privacy")

"""CLI for mail (skeleton)."""

import click

mail_cli = click.Group("mail")

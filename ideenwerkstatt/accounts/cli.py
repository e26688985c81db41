"""CLI for accounts (skeleton)."""

import click

users_cli = click.Group("users")

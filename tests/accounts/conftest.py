"""Helpers for the account tests: filling the registration form, finding links in mail."""

from __future__ import annotations

import re

import pytest

from tests.factories import DEFAULT_PASSWORD

LINK = re.compile(r"http://localhost(/account/(?:confirm|reset)/[A-Za-z0-9._-]+)")


def hidden_value(html: str, name: str) -> str | None:
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html) or re.search(
        rf'value="([^"]*)"[^>]*name="{name}"', html
    )
    return match.group(1) if match else None


def link_in(message) -> str:
    """The confirmation or reset path in a queued mail (the text part; checks the HTML too)."""
    match = LINK.search(message.body_text)
    assert match, message.body_text
    assert match.group(0) in message.body_html
    return match.group(1)


class Registration:
    """Fill in the registration form like a browser: GET it, then POST what a person types."""

    def __init__(self, client):
        self.client = client

    def form_data(self, page: str | None = None, **fields) -> dict:
        page = page if page is not None else self.client.get("/account/register").text
        data = {
            "email": "neu@example.org",
            "display_name": "",
            "password": DEFAULT_PASSWORD,
            "password_repeat": DEFAULT_PASSWORD,
            "consent_participation": "y",
            "participation_version": hidden_value(page, "participation_version"),
            "invitations_version": hidden_value(page, "invitations_version"),
            "form_started": hidden_value(page, "form_started"),
            "website": "",
        }
        data.update(fields)
        return {key: value for key, value in data.items() if value is not None}

    def post(self, **fields):
        return self.client.post("/account/register", data=self.form_data(**fields))


@pytest.fixture
def registration(client):
    return Registration(client)

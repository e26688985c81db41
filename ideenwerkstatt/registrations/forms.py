"""Registration forms: one-button forms (register, cancel) that carry only the CSRF token."""

from __future__ import annotations

from flask_wtf import FlaskForm


class ButtonForm(FlaskForm):
    """A button that changes something: validated for its CSRF token alone."""

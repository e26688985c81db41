"""The merge form: which idea the duplicate goes into (its number, or its address)."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import DataRequired, Length

from ..routing import MAX_ID

# "123", "#123", "Nr. 123" or an idea's address ".../ideas/123" (pasted from the browser).
_IDEA_NUMBER = re.compile(r"^\s*(?:nr\.?\s*|#)?(\d{1,12})\s*$", re.IGNORECASE)
_IDEA_ADDRESS = re.compile(r"/ideas/(\d{1,12})(?:[/?#].*)?\s*$")


def idea_number(value: str | None) -> int | None:
    """The idea id in what was typed, or None when there is none (or it is out of range)."""
    value = (value or "").strip()
    match = _IDEA_NUMBER.match(value) or _IDEA_ADDRESS.search(value)
    if match is None:
        return None
    number = int(match.group(1))
    return number if 1 <= number <= MAX_ID else None


class MergeForm(FlaskForm):
    target = StringField(
        _l("In welche Idee geht diese ein? (Nummer oder Adresse)"),
        validators=[
            DataRequired(message=_l("Bitte geben Sie die Nummer der Idee an.")),
            Length(max=300, message=_l("Bitte geben Sie die Nummer der Idee an.")),
        ],
    )
    next = HiddenField()


class UndoForm(FlaskForm):
    next = HiddenField()

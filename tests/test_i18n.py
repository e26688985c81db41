"""Language plumbing: WTForms' own messages in the page's language, each catalogue read once."""

from __future__ import annotations

from babel import support
from flask_wtf import FlaskForm
from wtforms import IntegerField

from ideenwerkstatt import i18n


class NumberForm(FlaskForm):
    class Meta:
        csrf = False

    n = IntegerField()


def message_for(app, language: str) -> list[str]:
    with app.test_request_context(
        "/", method="POST", data={"n": "x"}, headers={"Accept-Language": language}
    ):
        app.preprocess_request()
        form = NumberForm()
        assert not form.validate()
        return form.n.errors


def test_wtforms_messages_follow_the_language(app):
    assert message_for(app, "de") == ["Keine gültige, ganze Zahl."]
    assert message_for(app, "en") == ["Not a valid integer value."]
    assert message_for(app, "de") == ["Keine gültige, ganze Zahl."]


def test_wtforms_catalogue_is_read_once_per_language(app, monkeypatch):
    monkeypatch.setattr(i18n, "WTFORMS_TRANSLATIONS", i18n._WtformsTranslations())
    loads = []
    real_load = support.Translations.load

    def counting_load(*args, **kwargs):
        loads.append(args)
        return real_load(*args, **kwargs)

    monkeypatch.setattr(support.Translations, "load", counting_load)
    for _ in range(3):
        message_for(app, "de")
    assert len(loads) == 1

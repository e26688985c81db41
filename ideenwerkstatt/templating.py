"""What every template can use: role predicates, the locale, safe links."""

from __future__ import annotations

from flask import Flask, request
from flask_babel import get_locale

from .permissions import TEMPLATE_PREDICATES


def register(app: Flask) -> None:
    app.jinja_env.globals.update(TEMPLATE_PREDICATES)
    app.jinja_env.add_extension("jinja2.ext.do")

    @app.context_processor
    def _globals():
        locale = str(get_locale() or app.config["BABEL_DEFAULT_LOCALE"])
        return {
            "current_locale": locale,
            "other_locale": "en" if locale == "de" else "de",
            "operator": {
                "name": app.config["OPERATOR_NAME"],
                "address": app.config["OPERATOR_ADDRESS"],
                "email": app.config["OPERATOR_EMAIL"],
                "phone": app.config["OPERATOR_PHONE"],
                "privacy_email": app.config["PRIVACY_OFFICER_EMAIL"],
                "accessibility_email": app.config["ACCESSIBILITY_CONTACT_EMAIL"],
            },
            "request_path": request.full_path.rstrip("?") if request else "/",
        }

"""Error pages: friendly, translated, with the right status code and never a stack trace."""

from __future__ import annotations

import math
import time

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

# Retry-After when no limit says when it resets (seconds).
DEFAULT_RETRY_AFTER = 60


def protocol_headers(error: HTTPException) -> list[tuple[str, str]]:
    """The headers an error's status requires (Allow on 405, WWW-Authenticate on 401, …),
    which Werkzeug puts on its own response: kept when an error handler answers instead."""
    return [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]


def retry_after_seconds() -> int:
    """Seconds until the rate limit that refused this request lets the next one through."""
    from .extensions import limiter

    try:
        current = limiter.current_limit
    except RuntimeError:  # no limiter on this app
        current = None
    if current is None or not current.breached:
        return DEFAULT_RETRY_AFTER
    return max(1, math.ceil(current.reset_at - time.time()))


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf_error(error):
        return render_template("errors/csrf.html", error=error), 400

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        if request.path.startswith("/api/"):
            body = {"error": error.name, "status": error.code}
            return body, error.code, protocol_headers(error)
        page = render_template("errors/error.html", error=error)
        return page, error.code, protocol_headers(error)

    @app.errorhandler(InternalServerError)
    def _server_error(error):
        from .extensions import db

        db.session.rollback()
        return render_template("errors/error.html", error=InternalServerError()), 500

    @app.after_request
    def _retry_after(response):
        # Every 429 says when to try again (RFC 6585), whichever limit refused the request.
        if response.status_code == 429 and "Retry-After" not in response.headers:
            response.headers["Retry-After"] = str(retry_after_seconds())
        return response

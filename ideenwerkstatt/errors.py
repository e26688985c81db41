"""Error pages: friendly, translated, with the right status code and never a stack trace."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf_error(error):
        return render_template("errors/csrf.html", error=error), 400

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        if request.path.startswith("/api/"):
            return {"error": error.name, "status": error.code}, error.code
        response = render_template("errors/error.html", error=error), error.code
        return response

    @app.errorhandler(InternalServerError)
    def _server_error(error):
        from .extensions import db

        db.session.rollback()
        return render_template("errors/error.html", error=InternalServerError()), 500

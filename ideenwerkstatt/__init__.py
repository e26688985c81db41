"""Ideenwerkstatt: the application factory."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, abort, request
from jinja2 import ChoiceLoader, FileSystemLoader

from . import config as config_module
from .database import harden_sqlite, hold_writer_lock, release_writer_lock, set_write_intent
from .extensions import babel, csrf, db, limiter, login_manager, migrate

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def create_app(overrides: dict | None = None) -> Flask:
    """Build the app: configuration (defaults, environment, overrides), extensions,
    blueprints, error pages, security headers and the CLI."""
    overrides = dict(overrides or {})
    instance_path = Path(
        overrides.pop("INSTANCE_PATH", None) or config_module.default_instance_path()
    )
    instance_path.mkdir(parents=True, exist_ok=True)

    app = Flask(
        __name__,
        instance_path=str(instance_path),
        template_folder=str(config_module.resource_dir("templates")),
        static_folder=str(config_module.resource_dir("static")),
    )
    app.config.update(config_module.build_config(instance_path))
    app.config.update(overrides)
    if "SQLALCHEMY_DATABASE_URI" in overrides:
        app.config["SQLALCHEMY_DATABASE_URI"] = config_module.normalize_database_url(
            overrides["SQLALCHEMY_DATABASE_URI"]
        )

    # An operator changes page texts (imprint, privacy, accessibility, easy language) by
    # putting a template of the same name into INSTANCE_PATH/templates/: it wins.
    app.jinja_loader = ChoiceLoader(
        [FileSystemLoader(str(instance_path / "templates")), app.jinja_loader]
    )

    from .routing import IdConverter

    # Before any blueprint adds a route: every <int:...> stops at the largest possible id.
    app.url_map.converters["int"] = IdConverter
    _init_extensions(app)
    _register_blueprints(app)
    _register_request_hooks(app)

    from . import assets, clusterstate, errors, pagecache, proxies, templating

    errors.register(app)
    templating.register(app)
    assets.init_app(app)
    pagecache.init_app(app)
    clusterstate.init_app(app)  # after pagecache: its hook must run first in a request
    # Outermost: everything inside (rate limits, the page cache's key) sees the visitor.
    proxies.init_app(app)

    from .cli import register_commands

    register_commands(app)
    return app


def _init_extensions(app: Flask) -> None:
    from . import models  # noqa: F401  (all tables known before anything uses the metadata)

    db.init_app(app)
    with app.app_context():
        harden_sqlite(db.engine)
    migrate.init_app(
        app, db, directory=str(config_module.resource_dir("migrations")), render_as_batch=True
    )
    csrf.init_app(app)
    limiter.init_app(app)

    from . import i18n

    babel.init_app(
        app,
        locale_selector=i18n.select_locale,
        timezone_selector=i18n.select_timezone,
        default_translation_directories=str(Path(__file__).parent / "translations"),
    )
    i18n.register(app)

    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = None
    login_manager.session_protection = "basic"

    from .accounts.services import prepare_dummy_hash, user_for_session_token

    login_manager.user_loader(user_for_session_token)
    prepare_dummy_hash(app.config["PASSWORD_HASH_METHOD"])

    from .mail.services import init_app as init_mail

    init_mail(app)


def _register_blueprints(app: Flask) -> None:
    # Each feature's web layer is imported here, and only here: a feature package itself
    # imports nothing, so its models and services load without Flask views.
    from .accounts.views import bp as accounts_bp
    from .api.views import bp as api_bp
    from .catalog.views import bp as catalog_bp
    from .comments.views import bp as comments_bp
    from .events.views import bp as events_bp
    from .ideas.views import bp as ideas_bp
    from .invitations.views import bp as invitations_bp
    from .invitations.views import organize_bp as invitations_organize_bp
    from .live.views import bp as live_bp
    from .livestate.views import bp as livestate_bp
    from .merges.views import bp as merges_bp
    from .moderation.flag_views import bp as flags_bp
    from .moderation.live_views import bp as live_console_bp
    from .moderation.people import bp as people_bp
    from .moderation.views import bp as moderation_bp
    from .organize.views import bp as organize_bp
    from .pages.views import bp as pages_bp
    from .privacy.views import bp as privacy_bp
    from .registrations.views import bp as registrations_bp
    from .registrations.views import organize_bp as registrations_organize_bp
    from .seo.views import bp as seo_bp
    from .summaries.views import bp as summaries_bp
    from .themes.views import bp as themes_bp
    from .votes.views import bp as votes_bp

    app.register_blueprint(pages_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(privacy_bp)
    app.register_blueprint(themes_bp)
    app.register_blueprint(events_bp)
    app.register_blueprint(organize_bp)
    app.register_blueprint(ideas_bp)
    app.register_blueprint(votes_bp)
    app.register_blueprint(merges_bp)
    app.register_blueprint(registrations_bp)
    app.register_blueprint(registrations_organize_bp)
    app.register_blueprint(invitations_bp)
    app.register_blueprint(invitations_organize_bp)
    app.register_blueprint(summaries_bp)
    app.register_blueprint(moderation_bp)
    app.register_blueprint(people_bp)
    app.register_blueprint(comments_bp)
    app.register_blueprint(flags_bp)
    app.register_blueprint(live_console_bp)
    app.register_blueprint(seo_bp)
    app.register_blueprint(live_bp)
    app.register_blueprint(livestate_bp)
    # Read-only open data (GET only): no session, so no CSRF token to check.
    csrf.exempt(api_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(catalog_bp)


CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)


def _has_nul(values) -> bool:
    return any("\x00" in key or any("\x00" in v for v in vals) for key, vals in values.lists())


def _register_request_hooks(app: Flask) -> None:
    @app.before_request
    def _refuse_nul():
        # No page or parameter takes a NUL character, and PostgreSQL cannot even compare
        # text with one (the query would fail: a 500). A path with one names nothing (404);
        # a query or form value with one is malformed (400).
        if "\x00" in request.path:
            abort(404)
        if _has_nul(request.args) or (
            request.method not in SAFE_METHODS and _has_nul(request.form)
        ):
            abort(400)

    @app.before_request
    def _mark_writes():
        # Requests that change things begin their transaction as writers (see database.py);
        # on SQLite they queue for the writer lock before they take a pooled connection.
        # Views marked `reads_first` open their write transaction themselves.
        view = app.view_functions.get(request.endpoint)
        writes = request.method not in SAFE_METHODS and not getattr(view, "reads_first", False)
        set_write_intent(writes)
        if writes:
            hold_writer_lock(db.engine, for_request=True)

    @app.after_request
    def _security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if app.config["SESSION_COOKIE_SECURE"]:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        # Pages carry CSRF tokens and personal details: no shared cache may keep them.
        if response.mimetype == "text/html" and "Cache-Control" not in headers:
            headers["Cache-Control"] = "private, no-cache"
            headers.add("Vary", "Cookie")
        return response

    @app.teardown_request
    def _end_write_intent(_exc):
        set_write_intent(False)
        release_writer_lock(request_ended=True)

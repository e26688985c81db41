"""Configuration: safe defaults first, then the environment, then explicit overrides."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

PACKAGE_DIR = Path(__file__).resolve().parent
SOURCE_ROOT = PACKAGE_DIR.parent


def resource_dir(name: str) -> Path:
    """Where templates/, static/ or migrations/ are: inside the installed wheel, or at the
    repository root in a source checkout (STYLE.md keeps them there)."""
    inside = PACKAGE_DIR / name
    return inside if inside.is_dir() else SOURCE_ROOT / name


def default_instance_path() -> Path:
    return Path(os.environ.get("INSTANCE_PATH") or SOURCE_ROOT / "instance").resolve()


def load_secret_key(instance_path: Path) -> str:
    """SECRET_KEY from the environment, else one generated once and kept in the instance
    folder, so that sessions and links survive a restart without any set-up."""
    from_env = os.environ.get("SECRET_KEY")
    if from_env:
        return from_env
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    # Created with 0600 so other local users cannot read it.
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def normalize_database_url(url: str) -> str:
    """`postgresql://` and `postgres://` mean psycopg 3 here."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5000


def default_base_url() -> str:
    """Where `ideenwerkstatt run` (and so `make run`) serves: http://HOST:PORT from the
    environment (127.0.0.1:5000 without them), so that mailed links, the .ics, the PDF and
    the API's links point at the server that is running. A server bound to every interface
    (0.0.0.0, ::) is reached locally at 127.0.0.1; set BASE_URL for anything else."""
    host = os.environ.get("HOST") or DEFAULT_HOST
    port = os.environ.get("PORT") or str(DEFAULT_PORT)
    if host in ("0.0.0.0", "::", "[::]"):  # noqa: S104  (compared, not bound)
        host = DEFAULT_HOST
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 address in a URL
    return f"http://{host}:{port}"


def build_config(instance_path: Path) -> dict:
    """The whole configuration as a dict; nothing here is required to start."""
    base_url = (os.environ.get("BASE_URL") or default_base_url()).rstrip("/")
    https = urlsplit(base_url).scheme == "https"
    database_url = (
        os.environ.get("DATABASE_URL") or f"sqlite:///{instance_path / 'ideenwerkstatt.db'}"
    )
    return {
        "SECRET_KEY": load_secret_key(instance_path),
        "BASE_URL": base_url,
        "SQLALCHEMY_DATABASE_URI": normalize_database_url(database_url),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # Sessions: one strictly necessary cookie, Secure exactly when BASE_URL is https.
        "SESSION_COOKIE_NAME": "iw_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": https,
        "PREFERRED_URL_SCHEME": "https" if https else "http",
        "PERMANENT_SESSION_LIFETIME": 60 * 60 * 24 * 14,
        "REMEMBER_COOKIE_NAME": "",  # no remember-me cookie is ever set
        # Login sessions stored server-side end after this many seconds without use.
        "LOGIN_SESSION_MAX_AGE": 60 * 60 * 24 * 14,
        "WTF_CSRF_TIME_LIMIT": None,  # bound to the session instead of a clock
        # nginx's client_max_body_size (deploy/nginx/ideenwerkstatt.conf) matches this.
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
        # Addresses or networks of the reverse proxies (nginx) whose X-Forwarded-For and
        # X-Forwarded-Proto are believed (proxies.py); empty: those headers are ignored.
        "TRUSTED_PROXIES": os.environ.get("TRUSTED_PROXIES", ""),
        # Babel: German by default, English on request.
        "BABEL_DEFAULT_LOCALE": "de",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Berlin",
        "LANGUAGES": ["de", "en"],
        # Mail. Without SMTP_HOST every mail becomes an .eml file in INSTANCE_PATH/mail/.
        "SMTP_HOST": os.environ.get("SMTP_HOST", ""),
        "SMTP_PORT": _int("SMTP_PORT", 0),
        "SMTP_USER": os.environ.get("SMTP_USER", ""),
        "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD", ""),
        "SMTP_SECURITY": os.environ.get("SMTP_SECURITY", "none"),
        "SMTP_TIMEOUT": _int("SMTP_TIMEOUT", 10),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "Ideenwerkstatt <no-reply@localhost>"),
        # "thread": try to deliver new mail right after the commit in a background thread;
        # "sync": in the request itself; "off": leave it to `ideenwerkstatt mail deliver`.
        "MAIL_DELIVER_AFTER_COMMIT": os.environ.get("MAIL_DELIVER_AFTER_COMMIT", "thread"),
        "MAIL_MAX_ATTEMPTS": 25,
        # A claim older than this (seconds) belongs to a worker that died: queued again.
        "MAIL_CLAIM_TIMEOUT": 600,
        # Queued mail due longer than this (seconds) means no worker runs: the invitation
        # run's page says so (mail.services.delivery_stalled).
        "MAIL_WORKER_LATE_SECONDS": _int("MAIL_WORKER_LATE_SECONDS", 300),
        # Rate limits (flask-limiter); Redis when REDIS_URL is set, else memory.
        # Off only for load benchmarks (benchmarks/run.py); on in every real deployment.
        "RATELIMIT_ENABLED": os.environ.get("RATELIMIT_ENABLED", "1").lower()
        not in ("0", "false", "no", "off"),
        "RATELIMIT_STORAGE_URI": os.environ.get("REDIS_URL") or "memory://",
        # Redis down: fail open to per-process counters in memory (the same limits, counted
        # by each process alone) and try Redis again later; never refuse everyone, never 500.
        # A hall of 300 phones shares one address and must not be locked out by an outage.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        "RATELIMIT_STORAGE_OPTIONS": {"socket_timeout": 0.5, "socket_connect_timeout": 0.5},
        "RATELIMIT_KEY_PREFIX": os.environ.get("REDIS_KEY_PREFIX", "iw"),
        "RATELIMIT_HEADERS_ENABLED": False,
        "RATELIMIT_LOGIN": os.environ.get("RATELIMIT_LOGIN", "10 per minute"),
        "RATELIMIT_LOGIN_FAILURES": os.environ.get("RATELIMIT_LOGIN_FAILURES", "5 per 15 minutes"),
        "RATELIMIT_REGISTER": os.environ.get("RATELIMIT_REGISTER", "20 per hour"),
        "RATELIMIT_RESET": os.environ.get("RATELIMIT_RESET", "10 per hour"),
        "RATELIMIT_IDEAS": os.environ.get("RATELIMIT_IDEAS", "10 per hour"),
        "RATELIMIT_VOTES": os.environ.get("RATELIMIT_VOTES", "60 per minute"),
        "RATELIMIT_COMMENTS": os.environ.get("RATELIMIT_COMMENTS", "10 per minute;100 per day"),
        # The evening: joins per join code (a hall shares one address), wrong codes per
        # address (guessing).
        "RATELIMIT_JOIN": os.environ.get("RATELIMIT_JOIN", "2000 per 10 minutes"),
        "RATELIMIT_JOIN_WRONG_CODES": os.environ.get(
            "RATELIMIT_JOIN_WRONG_CODES", "20 per 10 minutes"
        ),
        # Live state (livestate/): how a change reaches streams in other processes ("auto":
        # LISTEN/NOTIFY on PostgreSQL, else Redis pub/sub when REDIS_URL is set, else a version
        # poll), and the streams' timing. LIVE_MAX_STREAMS per process; `serve` sets it from
        # its threads so that streams never take the threads pages and votes need.
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
        # Prefix of this site's keys in Redis (several sites, or tests, may share one Redis).
        "REDIS_KEY_PREFIX": os.environ.get("REDIS_KEY_PREFIX", "iw"),
        "LIVE_FANOUT": os.environ.get("LIVE_FANOUT", "auto"),
        "LIVE_POLL_SECONDS": 0.25,
        "LIVE_SAFETY_POLL_SECONDS": 5,
        "LIVE_HUB_IDLE_SECONDS": 60,  # the listener's connection closes after this idle time
        "LIVE_STREAM_SECONDS": 300,
        "LIVE_HEARTBEAT_SECONDS": 15,
        "LIVE_MIN_INTERVAL_SECONDS": float(os.environ.get("LIVE_MIN_INTERVAL_SECONDS", "0.2")),
        # A participant's phone: at most one state a second (the wall: the line above).
        "LIVE_PHONE_MIN_INTERVAL_SECONDS": float(
            os.environ.get("LIVE_PHONE_MIN_INTERVAL_SECONDS", "1.0")
        ),
        "LIVE_RETRY_MS": 2000,
        "LIVE_MAX_STREAMS": _int("LIVE_MAX_STREAMS", 1000),
        # Spam defence on public forms, without CAPTCHAs or third parties.
        "FORM_MIN_FILL_SECONDS": 3,
        # This many open flags hide an idea or comment until a moderator decides.
        "FLAG_HIDE_THRESHOLD": int(os.environ.get("FLAG_HIDE_THRESHOLD", "3")),
        # Password hashing: scrypt N=2**17, r=8, p=1 (OWASP ASVS 5.0); tests lower it.
        "PASSWORD_HASH_METHOD": "scrypt:131072:8:1",
        "TOKEN_MAX_AGE": 48 * 60 * 60,
        "UNCONFIRMED_ACCOUNT_DAYS": 7,
        "SENT_MAIL_RETENTION_DAYS": 30,
        # Operator details shown on /imprint, /privacy and /accessibility.
        "OPERATOR_NAME": os.environ.get("OPERATOR_NAME", "Ideenwerkstatt Musterstadt"),
        "OPERATOR_ADDRESS": os.environ.get("OPERATOR_ADDRESS", "Marktplatz 1, 12345 Musterstadt"),
        "OPERATOR_EMAIL": os.environ.get("OPERATOR_EMAIL", "kontakt@example.org"),
        "OPERATOR_PHONE": os.environ.get("OPERATOR_PHONE", ""),
        "PRIVACY_OFFICER_EMAIL": os.environ.get("PRIVACY_OFFICER_EMAIL", "datenschutz@example.org"),
        "ACCESSIBILITY_CONTACT_EMAIL": os.environ.get(
            "ACCESSIBILITY_CONTACT_EMAIL", "barrierefreiheit@example.org"
        ),
        # The DCAT-AP.de catalogue at /catalog (catalog/): the data provider id GovData gave
        # (dcatde:contributorID, http://dcat-ap.de/def/contributors/...), the town's
        # political geocoding URI (http://dcat-ap.de/def/politicalGeocoding/...), and the
        # contact point: an office's address, never a person's (default OPERATOR_EMAIL).
        "CATALOG_CONTRIBUTOR_ID": os.environ.get("CATALOG_CONTRIBUTOR_ID", "").strip(),
        "CATALOG_POLITICAL_GEOCODING_URI": os.environ.get(
            "CATALOG_POLITICAL_GEOCODING_URI", ""
        ).strip(),
        "CATALOG_CONTACT_EMAIL": os.environ.get("CATALOG_CONTACT_EMAIL", "").strip(),
        "CATALOG_CONTACT_URL": os.environ.get("CATALOG_CONTACT_URL", "").strip(),
        # Seconds the serialized catalogue is kept per process (emptied by its writes); 0: off.
        "CATALOG_CACHE_SECONDS": _int("CATALOG_CACHE_SECONDS", 60),
        "WEB_CONCURRENCY": _int("WEB_CONCURRENCY", 1),
        # Seconds a list filter's idea count is remembered per process (ideas/counts.py); 0: off.
        # With REDIS_URL any server's write forgets it everywhere (clusterstate.py).
        "IDEA_COUNT_CACHE_SECONDS": _int("IDEA_COUNT_CACHE_SECONDS", 5),
        # Seconds a public page is remembered per process for visitors without a cookie
        # (pagecache.py; emptied by this process's writes, with REDIS_URL by any server's
        # writes); 0: off.
        "PAGE_CACHE_SECONDS": _int("PAGE_CACHE_SECONDS", 2),
    }

"""`ideenwerkstatt serve`: the production server, with the serving model that holds live streams.

gunicorn with the `gthread` worker class: N worker processes (default: one per CPU core, at
least two), each a pool of T threads (default 640) behind one event loop that parks idle
keep-alive connections without a thread. A page or a vote takes a thread for a few
milliseconds; a live stream (`/events/<slug>/live/stream`) takes one thread for its lifetime
(5 minutes), sleeping on a condition variable without a database connection, and each process
wakes its streams from one listener (see livestate/hub.py). Threads are started when needed,
so a large T costs memory only while streams are open (about 100-200 KB each).

Every process admits at most T - R streams (R, the reserve: T / 8, at least 16, at most
T / 2); beyond that it answers 503 and the page polls `live.json` instead, so pages and
votes always find a free thread.

Why threads and not gevent: psycopg 3, SQLAlchemy's pool and the SQLite driver block in C;
under gevent a slow query would stop every stream and request of its process, and
monkey-patching the whole app is a larger change than 1,000 sleeping streams need.
"""

from __future__ import annotations

import os
import threading

import click
from flask import Flask

from .config import DEFAULT_HOST, DEFAULT_PORT

DEFAULT_THREADS = 640
# Seconds the server waits, after Ctrl-C, for the mail worker to finish the message in hand.
WORKER_STOP_TIMEOUT = 30.0


def default_workers() -> int:
    """WEB_CONCURRENCY when set (the deployment's environment file), else one per core,
    at least two."""
    configured = os.environ.get("WEB_CONCURRENCY", "").strip()
    if configured:
        return max(1, int(configured))
    return max(2, os.cpu_count() or 1)


def stream_reserve(threads: int) -> int:
    """Threads a process keeps for pages and votes: an eighth, at least 16, at most half."""
    return min(max(16, threads // 8), threads // 2)


def gunicorn_options(host: str, port: int, workers: int, threads: int) -> dict:
    return {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        # Open connections per process: every thread busy plus as many parked keep-alives.
        "worker_connections": threads * 2,
        "keepalive": 75,
        "timeout": 60,
        "graceful_timeout": 10,
        "errorlog": "-",
        "accesslog": os.environ.get("ACCESS_LOG") or None,
        "worker_exit": _end_streams,
    }


def _end_streams(_arbiter, _worker) -> None:
    """A stream's thread would keep an exiting worker alive until its lifetime ends."""
    from .livestate.hub import shutdown_all

    shutdown_all()


def serving_address(host: str | None, port: int | None) -> tuple[str, int]:
    """Host and port to serve on (option, else HOST/PORT, else the defaults), written back to
    the environment before any app is built: config.default_base_url() reads them, so links
    in mails follow the address when BASE_URL is not set."""
    host = host or os.environ.get("HOST") or DEFAULT_HOST
    port = port or int(os.environ.get("PORT") or DEFAULT_PORT)
    os.environ["HOST"], os.environ["PORT"] = host, str(port)
    return host, port


def start_mail_worker(app: Flask, interval: float, stop: threading.Event) -> threading.Thread:
    """Deliver mail in a thread of this process, as `ideenwerkstatt mail deliver --loop` does,
    until `stop` is set (the message in hand is finished first)."""
    from .mail.cli import deliver_loop
    from .mail.delivery import new_worker_id

    def work() -> None:
        with app.app_context():
            deliver_loop(interval, 100, new_worker_id(), stop)

    thread = threading.Thread(target=work, name="mail-worker", daemon=True)
    thread.start()
    return thread


@click.command("serve")
@click.option("--host", default=None, help=f"Address to listen on [HOST, {DEFAULT_HOST}].")
@click.option(
    "--port", default=None, type=click.IntRange(1, 65535), help=f"Port [PORT, {DEFAULT_PORT}]."
)
@click.option(
    "--workers",
    default=None,
    type=click.IntRange(1, 64),
    help="Worker processes [WEB_CONCURRENCY, else one per CPU core, at least 2].",
)
@click.option(
    "--threads",
    default=DEFAULT_THREADS,
    show_default=True,
    type=click.IntRange(4, 4096),
    help="Threads per worker; live streams take up to threads minus a reserve.",
)
@click.option(
    "--worker/--no-worker",
    default=False,
    show_default=True,
    help="Also deliver mail in the main process, as `ideenwerkstatt mail deliver --loop` does "
    "(make run; in production run the delivery worker as its own service).",
)
def serve_command(
    host: str | None, port: int | None, workers: int | None, threads: int, worker: bool
) -> None:
    """Serve the app with gunicorn (gthread workers that hold live streams). Without BASE_URL,
    links in mails, the .ics, the PDF and the API point at this host and port."""
    from gunicorn.app.base import BaseApplication

    host, port = serving_address(host, port)
    workers = workers or default_workers()
    os.environ["LIVE_MAX_STREAMS"] = str(threads - stream_reserve(threads))

    class Server(BaseApplication):
        def load_config(self):
            for key, value in gunicorn_options(host, port, workers, threads).items():
                self.cfg.set(key, value)
            if "control_socket_disable" in self.cfg.settings:  # gunicorn >= 27: not needed
                self.cfg.set("control_socket_disable", True)

        def load(self):
            # Each worker builds its own app after the fork (no preload): its database pool
            # and its live hub's listener thread belong to that process.
            from . import create_app

            return create_app()

    click.echo(
        f"Serving on http://{host}:{port} with {workers} workers x {threads} threads "
        f"(up to {threads - stream_reserve(threads)} live streams per worker)"
    )
    stop = threading.Event()
    mail_thread = None
    if worker:
        from . import create_app

        mail_thread = start_mail_worker(create_app(), 5.0, stop)
        click.echo(" * Mail is delivered by a worker in this process")
    try:
        Server().run()  # returns or raises SystemExit when Ctrl-C or SIGTERM stops gunicorn
    finally:
        stop.set()
        if mail_thread is not None:
            mail_thread.join(WORKER_STOP_TIMEOUT)

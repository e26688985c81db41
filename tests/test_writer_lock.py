"""SQLite's writer lock (database.WriterLock): one writer at a time, within a process and
between processes, handed over at once; requests take it before any connection."""

from __future__ import annotations

import multiprocessing
import threading
import time

from sqlalchemy import create_engine

from ideenwerkstatt.database import (
    WriterLock,
    hold_writer_lock,
    release_writer_lock,
    writer_lock,
)


def test_only_file_based_sqlite_has_one(tmp_path):
    assert writer_lock(create_engine(f"sqlite:///{tmp_path / 'a.db'}")) is not None
    assert writer_lock(create_engine("sqlite://")) is None
    assert writer_lock(create_engine("postgresql+psycopg://x@127.0.0.1/none")) is None


def test_a_second_thread_waits_and_gets_it_at_once_after_release(tmp_path):
    lock = WriterLock(str(tmp_path / "a.db"))
    assert lock.acquire(1)
    got = threading.Event()

    def second():
        if lock.acquire(5):
            got.set()
            lock.release()

    thread = threading.Thread(target=second)
    thread.start()
    assert not got.wait(0.3)  # held: the second writer waits
    released = time.monotonic()
    lock.release()
    assert got.wait(2)
    assert time.monotonic() - released < 0.2  # woken, not polling
    thread.join()


def _hold_in_child(path, holding, release):
    lock = WriterLock(path)
    lock.acquire(5)
    holding.set()
    release.wait(10)
    lock.release()


def test_another_process_holding_it_keeps_this_one_waiting(tmp_path):
    path = str(tmp_path / "a.db")
    context = multiprocessing.get_context("spawn")
    holding, release = context.Event(), context.Event()
    child = context.Process(target=_hold_in_child, args=(path, holding, release))
    child.start()
    try:
        assert holding.wait(30)
        lock = WriterLock(path)
        got = threading.Event()
        thread = threading.Thread(target=lambda: lock.acquire(10) and got.set())
        thread.start()
        assert not got.wait(0.5)  # the other process holds the flock
        release.set()
        assert got.wait(5)
        lock.release()
        thread.join()
    finally:
        release.set()
        child.join(10)


def test_a_timed_out_wait_gives_up_without_holding(tmp_path):
    lock = WriterLock(str(tmp_path / "a.db"))
    assert lock.acquire(1)
    outcome = []
    thread = threading.Thread(target=lambda: outcome.append(lock.acquire(0.1)))
    thread.start()
    thread.join()
    assert outcome == [False]
    lock.release()


def test_held_per_thread_and_given_back_once(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'a.db'}")
    hold_writer_lock(engine, for_request=True)
    hold_writer_lock(engine)  # already held by this thread: no second wait (no deadlock)
    release_writer_lock()  # a transaction's end does not give back a request's lock
    assert writer_lock(engine).lock.locked()
    release_writer_lock(request_ended=True)
    assert not writer_lock(engine).lock.locked()
    release_writer_lock(request_ended=True)  # nothing held: nothing happens


def test_a_request_that_changes_things_holds_it_until_the_request_ends(file_db_app):
    """Taken before the view runs (before any connection), given back at the request's end
    even when the view fails; a GET takes nothing."""
    from ideenwerkstatt import database
    from ideenwerkstatt.extensions import db

    lock = writer_lock(db.engine)
    if lock is None:  # PostgreSQL: nothing to take
        return
    seen = []

    @file_db_app.route("/_writer_lock_probe", methods=["GET", "POST"])
    def probe():
        seen.append(getattr(database._held, "lock", None))
        raise RuntimeError("the view fails")

    file_db_app.config.update(WTF_CSRF_ENABLED=False, PROPAGATE_EXCEPTIONS=False)
    client = file_db_app.test_client()
    assert client.post("/_writer_lock_probe").status_code == 500
    assert client.get("/_writer_lock_probe").status_code == 500
    assert seen == [lock, None]
    assert not lock.lock.locked()

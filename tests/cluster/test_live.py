"""A live stream held on server B shows a vote made on server A within a second; and the same
through nginx (its stream location must not buffer), with the vote sent to the server that
does not hold the stream."""

from __future__ import annotations

import contextlib
import json
import queue
import threading
import time

import httpx
import pytest

from tests.factories import make_event, make_idea, make_theme

pytestmark = pytest.mark.cluster

WITHIN_SECONDS = 1.0


class StreamReader(threading.Thread):
    """Reads the Server-Sent Events of one stream; each state goes on `states` with the
    moment it arrived."""

    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.url = url
        self.states: queue.Queue = queue.Queue()
        self.stop = threading.Event()
        self.status: int | None = None
        self.headers: dict = {}
        self.response = None

    def run(self) -> None:
        try:
            self._read()
        except Exception:
            if not self.stop.is_set():  # closed by the test at its end: not an error
                raise

    def _read(self) -> None:
        timeout = httpx.Timeout(10, read=30)
        with httpx.stream("GET", self.url, timeout=timeout) as response:
            self.response = response
            self.status = response.status_code
            self.headers = dict(response.headers)
            data = None
            for line in response.iter_lines():
                if self.stop.is_set():
                    return
                if line.startswith("data: "):
                    data = line[6:]
                elif line == "" and data is not None:
                    self.states.put((time.monotonic(), json.loads(data)))
                    data = None

    def count_of(self, state: dict, idea_id: int) -> int | None:
        for theme in state["themes"]:
            for idea in theme["ideas"]:
                if idea["id"] == idea_id:
                    return idea.get("count")
        return None

    def wait_for(self, idea_id: int, count: int, timeout: float) -> float | None:
        """The moment a state with the idea's count at least `count` arrived, or None."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                at, state = self.states.get(timeout=left)
            except queue.Empty:
                return None
            if (self.count_of(state, idea_id) or 0) >= count:
                return at
        return None


@pytest.mark.parametrize("held_on", ["B", "nginx"])
def test_a_stream_held_on_b_shows_a_vote_made_on_a_within_a_second(
    app, cluster, servers, person, held_on
):
    a, b = servers
    theme = make_theme()
    event = make_event(phase="voting", starts_in_days=0, themes=[theme])
    idea = make_idea(theme=theme, event=event)
    base = b.url if held_on == "B" else cluster.url
    reader = StreamReader(f"{base}/events/{event.slug}/live/stream?audience=public")
    reader.start()
    try:
        assert reader.wait_for(idea.id, 0, timeout=15) is not None, "no first state"
        assert reader.status == 200
        writer = a
        if held_on == "nginx":
            # nginx chose the server holding the stream: the vote goes to the other one.
            holder = reader.headers["x-upstream"]
            assert holder in (a.address, b.address)
            writer = a if holder == b.address else b
        delays = []
        for n in range(1, 4):
            voter = person()
            sent = time.monotonic()  # from the click: the vote's own request counts too
            answer = voter.post(writer.url, f"/ideas/{idea.id}/vote", json=True)
            assert answer.status_code == 200 and answer.json()["vote_count"] == n
            seen = reader.wait_for(idea.id, n, timeout=10)
            assert seen is not None, f"vote {n} never reached the stream"
            delays.append(seen - sent)
        print(f"vote-to-stream on {held_on}: " + ", ".join(f"{d * 1000:.0f} ms" for d in delays))
        assert max(delays) <= WITHIN_SECONDS, delays
    finally:
        reader.stop.set()
        # Close the connection now, not at the next heartbeat: an open stream would steer
        # nginx's least_conn for the tests that follow.
        with contextlib.suppress(Exception):
            reader.response.close()
        reader.join(timeout=5)

"""benchmarks/live_load.py's bookkeeping: when the simulated wall counts a vote as shown
(no load is generated here)."""

import importlib.util
from pathlib import Path

LIVE_LOAD = Path(__file__).resolve().parents[2] / "benchmarks" / "live_load.py"
spec = importlib.util.spec_from_file_location("bench_live_load", LIVE_LOAD)
live_load = importlib.util.module_from_spec(spec)
spec.loader.exec_module(live_load)


def state(**counts):
    ideas = [{"id": int(k[1:]), "title": k, "count": v} for k, v in counts.items()]
    return {"themes": [{"id": 1, "name": "T", "ideas": ideas}]}


def test_a_vote_counts_as_shown_when_a_state_has_its_count():
    wall = live_load.Wall()
    wall.saw(state(i1=0, i2=0), at=10.0)
    wall.voted(1, 1, answered=10.5)
    wall.voted(2, 1, answered=10.6)
    assert wall.missing() == 2
    wall.saw(state(i1=1, i2=0), at=10.8)
    assert abs(wall.delays[0] - 0.3) < 1e-9
    assert wall.missing() == 1
    wall.saw(state(i1=1, i2=3), at=11.6)  # a later count shows the earlier vote too
    assert abs(wall.delays[1] - 1.0) < 1e-9
    assert wall.missing() == 0


def test_a_state_that_arrived_before_the_answer_is_a_zero_delay():
    wall = live_load.Wall()
    wall.saw(state(i1=2), at=5.0)
    wall.voted(1, 2, answered=5.2)
    assert wall.delays == [0.0] and wall.missing() == 0


def test_percentile_and_hidden_counts():
    assert live_load.percentile([], 50) is None
    assert live_load.percentile([3, 1, 2], 50) == 2
    assert live_load.percentile(list(range(101)), 99) == 99
    wall = live_load.Wall()
    wall.saw({"themes": [{"id": 1, "name": "T", "ideas": [{"id": 1, "title": "x"}]}]}, at=1.0)
    wall.voted(1, 1, answered=1.1)
    assert wall.missing() == 1  # hidden numbers never show a count

"""benchmarks/run.py's parsing of wrk's report (no load is generated here)."""

import importlib.util
from pathlib import Path

import pytest

RUN = Path(__file__).resolve().parents[2] / "benchmarks" / "run.py"
spec = importlib.util.spec_from_file_location("bench_run", RUN)
bench_run = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench_run)

WRK_OUTPUT = """\
Running 10s test @ http://127.0.0.1:8000/ideas
  2 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    12.10ms    3.20ms  80.00ms   90.00%
  Latency Distribution
     50%  850.00us
     75%   13.00ms
     90%   15.00ms
     99%    1.20s
  1234 requests in 10.00s, 1.00MB read
  Socket errors: connect 0, read 1234, write 0, timeout 2
  Non-2xx or 3xx responses: 3
Requests/sec:    123.40
Transfer/sec:    100.00KB
"""


def test_parse_wrk_reads_rate_percentiles_and_errors():
    result = bench_run.parse_wrk(WRK_OUTPUT)
    assert result == {"rps": 123.4, "p50": 0.85, "p99": 1200.0, "errors": 5}


@pytest.mark.parametrize(
    ("text", "ms"), [("900us", 0.9), ("1.5ms", 1.5), ("2s", 2000.0), ("1m", 60000.0)]
)
def test_durations_in_milliseconds(text, ms):
    assert bench_run._ms(text) == pytest.approx(ms)

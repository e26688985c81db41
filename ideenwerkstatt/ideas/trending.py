"""The trending score: votes of the last days count more than older ones, kept up to date
without reading the votes again.

Each vote (or each dot added later) adds `weight * 2 ** ((t - EPOCH) / HALF_LIFE)` to its
idea's `trending_score` (and to the vote row's `trend_weight`, so that a retraction or a merge
subtracts or moves exactly what was added). At any moment `now`, the decayed score
`sum(weight * 2 ** (-(now - t) / HALF_LIFE))` equals `trending_score * 2 ** (-(now - EPOCH) /
HALF_LIFE)`: the factor is the same for every idea, so ordering by the stored number is ordering
by the decayed score, and an index on it serves `sort=trending` like `sort=votes`.

Limits: the exponent grows by one every HALF_LIFE. A double holds up to 2**1024, so with a
vote weight sum below 2**40 per idea the stored numbers stay finite for about 960 half-lives
after EPOCH (3 days each: until about 2033-11). Later votes are clamped to the exponent
MAX_EXPONENT (no overflow, no error): from then on new votes no longer outweigh older ones
and the epoch should be moved (README, "Trending"). Votes long before EPOCH underflow towards
0, which is what they are worth to a trend anyway."""

from __future__ import annotations

import datetime as dt

EPOCH = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
HALF_LIFE = dt.timedelta(days=3)
MAX_EXPONENT = 960.0
MIN_EXPONENT = -1000.0


def exponent(at: dt.datetime) -> float:
    """(at - EPOCH) / HALF_LIFE, clamped so that 2 ** it stays a finite, non-zero double."""
    value = (at - EPOCH) / HALF_LIFE
    return min(MAX_EXPONENT, max(MIN_EXPONENT, value))


def trend_weight(weight: int, at: dt.datetime) -> float:
    """What `weight` votes (or dots) cast at `at` add to an idea's trending score."""
    return float(weight) * 2.0 ** exponent(at)


def decayed(score: float, now: dt.datetime) -> float:
    """The stored score as "votes worth of today": sum(weight * 2 ** (-(now - t) / HALF_LIFE))."""
    return score * 2.0 ** (-exponent(now))

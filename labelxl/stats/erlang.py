"""Queueing formulas for realtime queues: Erlang C (M/M/N) and Erlang A (M/M/N+M) staffing.

Units: ``arrival_rate`` is items per ``interval_seconds`` (default: per hour), handle and
answer times are seconds. Both models assume Poisson arrivals and exponential handle
times; Erlang A adds exponential patience (callers/items that abandon). Formulas and
references are in ``docs/capacity.md``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import special

from labelxl.errors import MetricInputError

# A queue tail whose log-probability is this far below the peak is negligible (e^-45 ≈ 3e-20).
_TAIL_LOG = 45.0
_MAX_QUEUE_STATES = 20_000_000
# Tolerance when comparing a computed service level with its target, so that a target met
# exactly (as in published tables) is not missed by a rounding error in the last bit.
_SL_TOL = 1e-12


@dataclass(frozen=True)
class ErlangResult:
    """Erlang C (M/M/N, no abandonment) performance of ``agents`` agents.

    When ``agents <= traffic`` the queue is unstable (it grows without bound): then
    ``wait_probability`` is 1, ``service_level(t)`` is 0, ``average_speed_of_answer`` is
    ``inf`` and ``occupancy`` is 1 (agents are always busy).
    """

    arrival_rate: float
    aht_seconds: float
    agents: int
    interval_seconds: float
    traffic: float  # offered load A in Erlangs = arrival_rate × aht / interval
    wait_probability: float  # P(an arrival has to wait) = Erlang C
    average_speed_of_answer: float  # mean wait in seconds, over all arrivals
    occupancy: float  # share of agent time spent handling = A / N (≤ 1)

    @property
    def stable(self) -> bool:
        return self.agents > self.traffic

    def service_level(self, answer_seconds: float) -> float:
        """Share of arrivals answered within ``answer_seconds``: 1 − P_w·e^(−(N−A)·t/AHT)."""
        t = _nonnegative("answer_seconds", answer_seconds)
        if not self.stable:
            return 0.0
        if self.wait_probability == 0.0:
            return 1.0
        decay = math.exp(-(self.agents - self.traffic) * t / self.aht_seconds)
        return min(1.0, max(0.0, 1.0 - self.wait_probability * decay))


@dataclass(frozen=True)
class ErlangAResult:
    """Erlang A (M/M/N+M, exponential patience) performance of ``agents`` agents.

    The queue is always stable because waiting items abandon. ``service_level(t)`` is the
    share of *all* arrivals answered within ``t`` seconds: an item that abandons counts as
    not answered, whenever it abandons.
    """

    arrival_rate: float
    aht_seconds: float
    patience_seconds: float
    agents: int
    interval_seconds: float
    traffic: float  # offered load A in Erlangs
    wait_probability: float  # P(an arrival finds all agents busy)
    abandon_probability: float  # P(an arrival abandons before being answered)
    average_speed_of_answer: float  # mean wait of answered arrivals, seconds
    average_wait: float  # mean time in queue over all arrivals (answered or abandoned), s
    occupancy: float  # carried load / N = A × (1 − P_abandon) / N
    _answered_now: float = field(default=0.0, repr=False, compare=False)
    _queue_probs: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False, compare=False)
    _erlang_c: ErlangResult | None = field(default=None, repr=False, compare=False)

    def service_level(self, answer_seconds: float) -> float:
        """P(answered within ``answer_seconds``) over all arrivals (see ``docs/capacity.md``)."""
        t = _nonnegative("answer_seconds", answer_seconds)
        if self._erlang_c is not None:  # infinite patience: exactly Erlang C
            return self._erlang_c.service_level(t)
        if self._queue_probs.size == 0:
            return self._answered_now
        theta = 1.0 / self.patience_seconds
        alpha = self.agents / self.aht_seconds / theta
        j = np.arange(self._queue_probs.size, dtype=float)
        # With j items ahead, e^(−θV) ~ Beta(α, j+1) where V is the offered wait, so
        # P(V ≤ t, V < patience) = α/(α+j+1) · P(Beta(α+1, j+1) ≥ e^(−θt)).
        one_minus_x = -math.expm1(-theta * t)
        within = special.betainc(j + 1.0, alpha + 1.0, one_minus_x)
        served_within = alpha / (alpha + j + 1.0) * within
        value = self._answered_now + float(np.dot(self._queue_probs, served_within))
        return min(1.0, max(0.0, value))


def erlang_c(
    arrival_rate: float, aht_seconds: float, agents: int, interval_seconds: float = 3600
) -> ErlangResult:
    """Erlang C waiting probability, ASA and occupancy for ``agents`` agents."""
    lam, aht, interval = _rates(arrival_rate, aht_seconds, interval_seconds)
    n = _agents(agents)
    traffic = lam * aht / interval
    if traffic == 0.0:
        return ErlangResult(lam, aht, n, interval, 0.0, 0.0, 0.0, 0.0)
    if n <= traffic:
        return ErlangResult(lam, aht, n, interval, traffic, 1.0, math.inf, 1.0)
    pw = _erlang_c_from_b(traffic, n, _erlang_b(traffic, n))
    asa = pw * aht / (n - traffic)
    return ErlangResult(lam, aht, n, interval, traffic, pw, asa, traffic / n)


def erlang_c_agents(
    arrival_rate: float,
    aht_seconds: float,
    target_service_level: float,
    answer_seconds: float,
    interval_seconds: float = 3600,
    max_occupancy: float = 1.0,
) -> int:
    """Smallest agent count with service level ≥ target and occupancy ≤ ``max_occupancy``.

    Zero traffic (no arrivals or zero handle time) needs 0 agents.
    """
    lam, aht, interval = _rates(arrival_rate, aht_seconds, interval_seconds)
    target = _target(target_service_level)
    t = _nonnegative("answer_seconds", answer_seconds)
    occ = _max_occupancy(max_occupancy)
    traffic = lam * aht / interval
    if traffic == 0.0:
        return 0
    start = max(math.floor(traffic) + 1, _ceil(traffic / occ), 1)
    # One pass of the Erlang B recursion gives B(n) for every n, so the search from the
    # first stable n upward costs O(answer) in total.
    b = 1.0
    n = 0
    while True:
        n += 1
        b = traffic * b / (n + traffic * b)
        if n < start:
            continue
        pw = _erlang_c_from_b(traffic, n, b)
        sl = 1.0 - pw * math.exp(-(n - traffic) * t / aht)
        if sl >= target - _SL_TOL:
            return n


def erlang_a(
    arrival_rate: float,
    aht_seconds: float,
    agents: int,
    patience_seconds: float,
    interval_seconds: float = 3600,
) -> ErlangAResult:
    """Erlang A (M/M/N+M) performance of ``agents`` agents with mean patience given.

    ``patience_seconds`` is the mean time an item waits before it abandons (exponential);
    ``math.inf`` means nobody abandons, which is Erlang C.
    """
    lam, aht, interval = _rates(arrival_rate, aht_seconds, interval_seconds)
    n = _agents(agents)
    patience = _patience(patience_seconds)
    traffic = lam * aht / interval
    if math.isinf(patience):
        c = erlang_c(lam, aht, n, interval)
        return ErlangAResult(
            lam,
            aht,
            patience,
            n,
            interval,
            traffic,
            c.wait_probability,
            0.0,
            c.average_speed_of_answer,
            c.average_speed_of_answer,
            c.occupancy,
            _erlang_c=c,
        )
    if traffic == 0.0:
        return ErlangAResult(
            lam, aht, patience, n, interval, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, _answered_now=1.0
        )
    lam_s = lam / interval  # arrivals per second
    mu_n = n / aht  # service completions per second when all agents are busy
    theta = 1.0 / patience
    log_below, log_queue = _birth_death_logs(traffic, n, lam_s, mu_n, theta)
    peak = max(log_below.max(), log_queue.max())
    below = np.exp(log_below - peak)
    queue = np.exp(log_queue - peak)
    total = below.sum() + queue.sum()
    below /= total
    queue /= total
    j = np.arange(queue.size, dtype=float)
    alpha = mu_n / theta
    p_wait = float(queue.sum())
    p_abandon = float(np.dot(queue, (j + 1.0) / (alpha + j + 1.0)))
    p_served = 1.0 - p_abandon
    # E[V·1{answered} | j ahead] = α/(α+j+1) · Σ_{i=1}^{j+1} 1/(α+i) / θ  (digamma difference
    # written as a sum, which stays exact when α is huge, i.e. patience is long).
    harmonic = np.cumsum(1.0 / (alpha + j + 1.0))
    wait_answered = float(np.dot(queue, alpha / (alpha + j + 1.0) * harmonic)) / theta
    asa = wait_answered / p_served if p_served > 0 else math.inf
    mean_wait = float(np.dot(queue, j)) / lam_s  # Little: E[W] = E[queue length] / λ
    occupancy = min(1.0, traffic * p_served / n)
    return ErlangAResult(
        lam,
        aht,
        patience,
        n,
        interval,
        traffic,
        p_wait,
        p_abandon,
        asa,
        mean_wait,
        occupancy,
        _answered_now=float(below.sum()),
        _queue_probs=queue,
    )


def erlang_a_agents(
    arrival_rate: float,
    aht_seconds: float,
    target_service_level: float,
    answer_seconds: float,
    patience_seconds: float,
    interval_seconds: float = 3600,
    max_occupancy: float = 1.0,
) -> int:
    """Smallest agent count whose Erlang A service level and occupancy meet the targets.

    Service level is P(answered within ``answer_seconds``) over all arrivals, abandoned
    ones included as failures; ``patience_seconds`` is the mean patience. Zero traffic
    needs 0 agents.
    """
    lam, aht, interval = _rates(arrival_rate, aht_seconds, interval_seconds)
    target = _target(target_service_level)
    t = _nonnegative("answer_seconds", answer_seconds)
    patience = _patience(patience_seconds)
    occ = _max_occupancy(max_occupancy)
    if lam * aht == 0.0:
        return 0
    if math.isinf(patience):
        return erlang_c_agents(lam, aht, target, t, interval, occ)

    def ok(n: int) -> bool:
        r = erlang_a(lam, aht, n, patience, interval)
        return r.occupancy <= occ + _SL_TOL and r.service_level(t) >= target - _SL_TOL

    traffic = lam * aht / interval
    hi = max(1, math.ceil(traffic))
    while not ok(hi):
        hi *= 2
    lo = 0  # 0 agents never meet a target when there is traffic
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if ok(mid):
            hi = mid
        else:
            lo = mid
    return hi


def _birth_death_logs(
    traffic: float, n: int, lam: float, mu_n: float, theta: float
) -> tuple[np.ndarray, np.ndarray]:
    """Unnormalised log π_k of the M/M/N+M chain: k < N, then k = N + j for j ≥ 0."""
    k = np.arange(n, dtype=float)
    log_below = k * math.log(traffic) - special.gammaln(k + 1.0)
    log_n = n * math.log(traffic) - math.lgamma(n + 1.0)
    # Past the mode j* the ratios λ/(Nμ + jθ) fall below 1, so the tail decays.
    mode = max(0.0, (lam - mu_n) / theta)
    size = int(min(_MAX_QUEUE_STATES, max(1024, 2 * mode + 1024)))
    while True:
        i = np.arange(1, size, dtype=float)
        steps = math.log(lam) - np.log(mu_n + i * theta)
        log_queue = log_n + np.concatenate(([0.0], np.cumsum(steps)))
        top = max(float(log_queue.max()), float(log_below.max()))
        if size - 1 > mode and log_queue[-1] < top - _TAIL_LOG:
            keep = np.flatnonzero(log_queue >= top - _TAIL_LOG)
            # Keep state N itself even when the whole queue is negligible.
            return log_below, log_queue[: (keep[-1] + 1) if keep.size else 1]
        if size >= _MAX_QUEUE_STATES:
            raise MetricInputError(
                "erlang_a: patience is so long against the overload that the queue does not "
                "settle; use erlang_c or add agents"
            )
        size = min(_MAX_QUEUE_STATES, size * 4)


def _erlang_b(traffic: float, n: int) -> float:
    """Erlang B blocking by the stable recursion B(0)=1, B(k)=A·B(k−1)/(k + A·B(k−1))."""
    b = 1.0
    for k in range(1, n + 1):
        b = traffic * b / (k + traffic * b)
    return b


def _erlang_c_from_b(traffic: float, n: int, b: float) -> float:
    return n * b / (n - traffic * (1.0 - b))


def _ceil(x: float) -> int:
    # 10 / 0.8 is 12.500000000000002 in floats; round first so an exact ratio is not bumped.
    return math.ceil(round(x, 9))


def _number(name: str, value: float) -> float:
    if isinstance(value, bool):
        raise MetricInputError(f"{name} must be a number (got {value!r})")
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise MetricInputError(f"{name} must be a number (got {value!r})") from None
    if math.isnan(x):
        raise MetricInputError(f"{name} must be a number (got NaN)")
    return x


def _nonnegative(name: str, value: float) -> float:
    x = _number(name, value)
    if x < 0 or math.isinf(x):
        raise MetricInputError(f"{name} must be a finite number ≥ 0 (got {value!r})")
    return x


def _rates(
    arrival_rate: float, aht_seconds: float, interval_seconds: float
) -> tuple[float, float, float]:
    lam = _nonnegative("arrival_rate", arrival_rate)
    aht = _nonnegative("aht_seconds", aht_seconds)
    interval = _nonnegative("interval_seconds", interval_seconds)
    if interval == 0:
        raise MetricInputError("interval_seconds must be > 0 (got 0)")
    return lam, aht, interval


def _agents(agents: object) -> int:
    if isinstance(agents, bool) or not isinstance(agents, (int, np.integer, float)):
        raise MetricInputError(f"agents must be a whole number ≥ 1 (got {agents!r})")
    if isinstance(agents, float) and not float(agents).is_integer():
        raise MetricInputError(f"agents must be a whole number ≥ 1 (got {agents!r})")
    n = int(agents)  # type: ignore[call-overload]
    if n < 1:
        raise MetricInputError(f"agents must be a whole number ≥ 1 (got {agents!r})")
    return n


def _target(value: float) -> float:
    x = _number("target_service_level", value)
    if not 0 < x < 1:
        raise MetricInputError(
            f"target_service_level must be between 0 and 1, exclusive (got {value!r}); "
            "a service level of 1 cannot be reached with random arrivals"
        )
    return x


def _max_occupancy(value: float) -> float:
    x = _number("max_occupancy", value)
    if not 0 < x <= 1:
        raise MetricInputError(f"max_occupancy must be in (0, 1] (got {value!r})")
    return x


def _patience(value: float) -> float:
    x = _number("patience_seconds", value)
    if x <= 0:
        raise MetricInputError(
            f"patience_seconds must be > 0 (got {value!r}); use math.inf for no abandonment"
        )
    return x

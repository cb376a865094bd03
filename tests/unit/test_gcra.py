"""The GCRA arithmetic every limiter adapter follows."""

from __future__ import annotations

import pytest

from chatport.domain.ratelimit import (
    COMPLETIONS,
    EPSILON,
    IMAGES,
    LOGIN,
    MODEL_PULL,
    REGISTER,
    UPLOADS,
    V1_API,
    RateDecision,
    RatePolicy,
    gcra,
    retry_after_seconds,
)

NOW = 1_767_225_600.0  # 2026-01-01T00:00:00Z, the magnitude real timestamps have
FIVE = RatePolicy(name="five", limit=5, period=10)  # one every 2 s


def _burst(policy: RatePolicy, n: int, now: float = NOW) -> tuple[list[RateDecision], float]:
    tat: float | None = None
    decisions = []
    for _ in range(n):
        decision, new_tat = gcra(tat, now, policy)
        decisions.append(decision)
        tat = new_tat if new_tat is not None else tat
    assert tat is not None
    return decisions, tat


def test_a_new_key_allows_and_stores_one_interval_ahead() -> None:
    decision, tat = gcra(None, NOW, FIVE)

    assert decision == RateDecision(
        allowed=True, limit=5, remaining=4, retry_after=0.0, reset_after=2.0
    )
    assert tat == NOW + 2


def test_a_burst_of_limit_then_a_refusal_with_exact_retry_after() -> None:
    decisions, tat = _burst(FIVE, 5)

    refused, new_tat = gcra(tat, NOW, FIVE)

    assert [d.remaining for d in decisions] == [4, 3, 2, 1, 0]
    assert tat == NOW + 10
    assert refused == RateDecision(
        allowed=False, limit=5, remaining=0, retry_after=2.0, reset_after=10.0
    )
    assert new_tat is None


def test_a_request_exactly_on_time_is_allowed() -> None:
    _, tat = _burst(FIVE, 5)

    decision, new_tat = gcra(tat, NOW + 2, FIVE)

    assert decision.allowed
    assert decision.remaining == 0
    assert new_tat == NOW + 12


def test_a_request_within_epsilon_of_its_time_is_allowed() -> None:
    _, tat = _burst(FIVE, 5)

    decision, new_tat = gcra(tat, NOW + 2 - EPSILON / 2, FIVE)

    assert decision.allowed
    assert new_tat == NOW + 12  # the slack is not credited: the TAT moves a whole interval


def test_a_request_two_milliseconds_early_is_refused() -> None:
    _, tat = _burst(FIVE, 5)

    decision, _ = gcra(tat, NOW + 2 - 2e-3, FIVE)

    assert not decision.allowed
    assert decision.retry_after == pytest.approx(2e-3, abs=1e-6)


def test_epsilon_slack_does_not_compound_into_extra_requests() -> None:
    # After a burst, requests keep coming just inside the slack of their slot: each
    # is a little earlier than the last, yet no more pass than whole intervals elapse.
    _, tat = _burst(FIVE, 5)
    now = NOW
    passed = 0
    for _ in range(1000):
        now += FIVE.interval - EPSILON * 0.9
        decision, new_tat = gcra(tat, now, FIVE)
        passed += decision.allowed
        tat = new_tat if new_tat is not None else tat

    assert passed <= (now - NOW + EPSILON) // FIVE.interval
    assert passed < 1000


def test_remaining_is_exactly_how_many_more_hits_pass_now() -> None:
    # LOGIN: one every 180 s. 4 spent, then 0.1 s (well beyond EPSILON) short of a
    # second slot coming back: one hit passes, not two.
    _, tat = _burst(LOGIN, 4)
    now = NOW + LOGIN.interval - 0.1

    peeked, _ = gcra(tat, now, LOGIN, cost=0)
    first, after_first = gcra(tat, now, LOGIN)
    second, _ = gcra(after_first, now, LOGIN)

    assert peeked.remaining == 1
    assert (first.allowed, first.remaining) == (True, 0)
    assert not second.allowed


def test_float_noise_below_epsilon_does_not_refuse() -> None:
    # 0.1 * 3 is 0.30000000000000004: an arrival "at 0.3" is a hair early in floats.
    policy = RatePolicy(name="tenths", limit=1, period=0.1)
    tat = 0.1 * 3

    decision, _ = gcra(tat, 0.3, policy)

    assert decision.allowed


def test_float_periods_give_the_burst_and_the_rate_on_small_timestamps() -> None:
    policy = RatePolicy(name="floaty", limit=3, period=7.3)
    decisions, tat = _burst(policy, 4, now=0.0)
    now = 0.0
    steady = []
    for _ in range(100):
        now += policy.interval
        decision, new_tat = gcra(tat, now, policy)
        steady.append(decision.allowed)
        tat = new_tat if new_tat is not None else tat

    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert all(steady)


def test_float_periods_give_the_burst_on_epoch_timestamps() -> None:
    # Regression: with an epsilon (1e-9 s) below the float spacing of epoch seconds
    # (~2.4e-7 s), an interval binary floats cannot hold (7.3 s / 3) refused the last
    # request of a burst.
    policy = RatePolicy(name="floaty", limit=3, period=7.3)

    decisions, _ = _burst(policy, 3)

    assert all(d.allowed for d in decisions)


def test_every_shipped_policy_gives_its_full_burst_on_epoch_timestamps() -> None:
    for policy in (LOGIN, REGISTER, V1_API, COMPLETIONS, UPLOADS, IMAGES, MODEL_PULL):
        decisions, tat = _burst(policy, policy.limit + 1)

        assert [d.allowed for d in decisions] == [True] * policy.limit + [False]
        assert decisions[-1].retry_after == pytest.approx(policy.interval)
        assert gcra(tat, NOW + policy.interval, policy)[0].allowed


def test_a_stale_tat_gives_no_extra_credit() -> None:
    decision, tat = gcra(NOW - 3600, NOW, FIVE)

    assert decision.remaining == 4
    assert tat == NOW + 2


def test_partial_recovery_counts_whole_requests() -> None:
    _, tat = _burst(FIVE, 5)

    decision, _ = gcra(tat, NOW + 5, FIVE, cost=0)

    assert decision.allowed
    assert decision.remaining == 2  # 5 s back: two whole intervals, and a half
    assert decision.reset_after == 5.0


def test_cost_zero_asks_without_spending() -> None:
    _, tat = _burst(FIVE, 2)

    decision, new_tat = gcra(tat, NOW, FIVE, cost=0)

    assert (decision.allowed, decision.remaining, decision.reset_after) == (True, 3, 4.0)
    assert new_tat is None


def test_cost_zero_on_an_empty_bucket_refuses_like_a_hit_of_one() -> None:
    _, tat = _burst(FIVE, 5)

    assert gcra(tat, NOW, FIVE, cost=0) == gcra(tat, NOW, FIVE, cost=1)


def test_a_cost_spends_that_many_intervals() -> None:
    decision, tat = gcra(None, NOW, FIVE, cost=3)

    assert (decision.allowed, decision.remaining, decision.reset_after) == (True, 2, 6.0)
    assert tat == NOW + 6


def test_a_cost_that_does_not_fit_waits_for_all_of_it() -> None:
    _, tat = gcra(None, NOW, FIVE, cost=3)
    assert tat is not None

    decision, new_tat = gcra(tat, NOW, FIVE, cost=3)

    assert (decision.allowed, decision.retry_after, decision.reset_after) == (False, 2.0, 6.0)
    assert new_tat is None


def test_the_whole_limit_at_once_fits_an_empty_bucket() -> None:
    decision, _ = gcra(None, NOW, FIVE, cost=5)

    assert (decision.allowed, decision.remaining) == (True, 0)


def test_a_negative_cost_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="cost"):
        gcra(None, NOW, FIVE, cost=-1)


def test_a_cost_above_the_limit_never_fits() -> None:
    decision, new_tat = gcra(None, NOW, FIVE, cost=6)

    assert not decision.allowed
    assert decision.retry_after == 2.0
    assert new_tat is None


def test_interval_is_period_over_limit() -> None:
    assert LOGIN.interval == 180.0
    assert RatePolicy(name="x", limit=3, period=7.5).interval == 2.5


@pytest.mark.parametrize(
    ("retry_after", "seconds"), [(0.0, 1), (0.001, 1), (1.0, 1), (1.01, 2), (179.5, 180)]
)
def test_retry_after_seconds_rounds_up_and_is_never_zero(retry_after: float, seconds: int) -> None:
    decision = RateDecision(
        allowed=False, limit=1, remaining=0, retry_after=retry_after, reset_after=0.0
    )

    assert retry_after_seconds(decision) == seconds

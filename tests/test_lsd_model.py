"""LSD model, instance families, environment and bad inputs (paper page
``docs/papers/lsd-bandits.md``, sections "Setting", "Instances", "Environment")."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mdpkit.envs.lsd import LSDBandit, mean_rewards_of
from mdpkit.models.lsd import (
    LSDInstance,
    check_monotone,
    cycle_payoff,
    greedy_trap,
    initial_code,
    is_monotone,
    laforgue_trick_csb_og,
    laforgue_trick_og,
    next_code,
    random_lsd,
    random_monotone,
    recharging_embedding,
    state_code,
    state_value,
)


# ----------------------------------------------------------------------------- states
@given(st.integers(1, 6), st.data())
def test_state_code_round_trip_and_transition(M, data):
    """Codes are a bijection onto [0, 2M); the transition follows the model's rule on the
    signed states (pulled: +1 if idle, else min(s+1, M); idle: -1 if active, else
    max(s-1, -M))."""
    s = data.draw(st.one_of(st.integers(-M, -1), st.integers(1, M)))
    c = state_code(s, M)
    assert 0 <= c < 2 * M and state_value(c, M) == s
    pulled = state_value(next_code(c, True, M), M)
    idle = state_value(next_code(c, False, M), M)
    assert pulled == (min(s + 1, M) if s > 0 else 1)
    assert idle == (-1 if s > 0 else max(s - 1, -M))


def test_state_outside_range_is_refused():
    with pytest.raises(ValueError, match="s must be in"):
        state_code(0, 3)
    with pytest.raises(ValueError, match="s must be in"):
        state_code(4, 3)
    with pytest.raises(ValueError, match="s must be in"):
        state_code(-4, 3)
    with pytest.raises(ValueError, match="state code c"):
        state_value(6, 3)
    inst = greedy_trap(3)
    with pytest.raises(ValueError, match="s must be in"):
        inst.payoff(0, 5)


def test_bad_instances_named():
    with pytest.raises(ValueError, match=r"payoffs in \[0, 1\]; f\[arm 1\]\(state \+2\)"):
        LSDInstance(np.array([[0.1, 0.2, 0.3, 0.4], [0.1, 0.2, 0.3, 1.5]]))
    with pytest.raises(ValueError, match="shape"):
        LSDInstance(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="shape"):
        LSDInstance(np.zeros((0, 2)))
    with pytest.raises(ValueError, match="finite"):
        LSDInstance(np.array([[np.nan, 0.1]]))
    with pytest.raises(ValueError, match="k must be >= 1"):
        random_monotone(0, 2, 0)
    with pytest.raises(ValueError, match="M must be >= 1"):
        random_monotone(2, 0, 0)
    with pytest.raises(ValueError, match="M must be >= 1"):
        state_code(1, 0)


def test_monotonicity_check_names_first_violating_state():
    # arm 0 fine; arm 1: f(-1..-3) = .2 .5 .4 -> first violation at state -3
    neg = [[0.1, 0.2, 0.3], [0.2, 0.5, 0.4]]
    pos = [[0.3, 0.2, 0.1], [0.9, 0.95, 0.1]]  # arm 1 also violates at +2 (later in scan)
    inst = LSDInstance.from_branches(neg, pos)
    assert not is_monotone(inst)
    with pytest.raises(ValueError, match=r"arm 1, state -3: f = 0.4, but f\(-2\) = 0.5"):
        check_monotone(inst, "inst")
    inst2 = LSDInstance.from_branches([[0.1, 0.2]], [[0.3, 0.4]])
    with pytest.raises(ValueError, match=r"first violation: arm 0, state \+2"):
        check_monotone(inst2, "f")
    with pytest.raises(TypeError, match="inst must be an LSDInstance"):
        check_monotone(np.zeros((1, 2)), "inst")


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 4), st.integers(1, 4), st.integers(0, 2**31 - 1), st.booleans())
def test_random_monotone_family_is_monotone(k, M, seed, scale):
    inst = random_monotone(k, M, seed, scale=scale)
    assert inst.f.shape == (k, 2 * M) and is_monotone(inst)
    assert 0 <= inst.f.min() and inst.f.max() <= 1


def test_greedy_trap_values():
    inst = greedy_trap(3)
    assert inst.payoff(0, -1) == pytest.approx(0.2) and inst.payoff(0, -3) == pytest.approx(1.0)
    assert inst.payoff(0, 2) == 0.0 and inst.payoff(1, -2) == 0.3 and is_monotone(inst)
    assert greedy_trap(1).payoff(0, -1) == 1.0


def test_cycle_payoff_definition():
    inst = random_lsd(3, 3, 5)
    for tau, delta in itertools.product(range(1, 6), range(1, 6)):
        want = np.array(
            [
                inst.payoff(i, -min(delta, 3))
                + sum(inst.payoff(i, min(j, 3)) for j in range(1, tau))
                for i in range(3)
            ]
        )
        np.testing.assert_allclose(cycle_payoff(inst, tau, delta), want, rtol=0, atol=1e-12)


def _positive_convention_means(P, actions):
    """Laforgue et al.'s own dynamics: state = rounds since last pull, all start at 1,
    pulled -> 1, others + 1, payoff read at min(state, width - 1)."""
    k, width = P.shape
    s = np.ones(k, dtype=int)
    out = []
    for a in actions:
        out.append(P[a, min(s[a], width - 1) - 1])
        s += 1
        s[a] = 1
    return np.array(out)


@pytest.mark.parametrize("maker,width", [(laforgue_trick_csb_og, 10), (laforgue_trick_og, 11)])
def test_laforgue_embedding_matches_their_dynamics(maker, width):
    """After a warm-up that pulls every arm once (so that both conventions agree on the
    state of every arm), the LSD embedding pays exactly what Laforgue's positive-only
    dynamics pay along random action sequences."""
    inst = maker()
    k, M = inst.k, inst.M
    assert M == width - 2
    # the 5-arm instance has spikes (not monotone); the 2-arm one is monotone in the LSD
    # sense (arm 1: 0.06 right after a pull, 0.95 after any rest)
    assert is_monotone(inst) == (k == 2)
    # their matrix, rebuilt from the definition in their code (data_tools.py)
    P = np.zeros((k, width))
    if k == 5:
        P[:] = 0.15
        P[1] = 0.0
        P[1, 2] = 0.95
        P[2] = 0.14
        P[2, 5] = 0.16
        P[2, 8:] = 0.96
    else:
        P[0] = 0.05
        P[1, 0] = 0.06
        P[1, 1:] = 0.95
    rng = np.random.default_rng(0)
    for _ in range(20):
        acts = np.concatenate([np.arange(k), rng.integers(0, k, 60)]).astype(np.int64)
        ours = mean_rewards_of(np.ascontiguousarray(inst.f), acts, M)
        theirs = _positive_convention_means(P, acts)
        np.testing.assert_array_equal(ours[k:], theirs[k:])


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 3), st.integers(1, 4), st.integers(0, 2**31 - 1))
def test_recharging_embedding_depends_on_delay_only(k, M, seed):
    p = np.random.default_rng(seed).random((k, M + 1))
    inst = recharging_embedding(p)
    for i in range(k):
        for j in range(1, M + 1):
            assert inst.payoff(i, j) == p[i, 0]
            assert inst.payoff(i, -j) == p[i, j]


# ----------------------------------------------------------------------------- env
def test_env_reward_stream_and_idle_action():
    """One uniform per round (idle included): rewards are ``u < f_a(s_a)`` with
    ``u = rng.random()`` in order; the idle action pays 0 and rests every arm."""
    inst = greedy_trap(3)
    env = LSDBandit(inst, 7)
    u = np.random.default_rng(7).random(50)
    acts = np.random.default_rng(1).integers(0, 3, 50)
    codes = np.full(2, 2)
    for t, a in enumerate(acts):
        mu = 0.0 if a == 2 else inst.f[a, codes[a]]
        assert env.mean(int(a)) == mu
        assert env.pseudo_regret(int(a)) == env.gain - mu
        assert env.pull(int(a)) == (1.0 if u[t] < mu else 0.0)
        for i in range(2):
            codes[i] = next_code(codes[i], i == a, 3)
        np.testing.assert_array_equal(env.codes, codes)
    assert env.n_actions == 3 and env.idle_action == 2
    assert env.states.min() >= -3 and env.states.max() <= 3


def test_env_exactly_one_and_bad_actions():
    env = LSDBandit(greedy_trap(2), 0, exactly_one=True)
    assert env.n_actions == 2 and env.idle_action is None
    with pytest.raises(ValueError, match=r"a must be in \[0, 2\)"):
        env.pull(2)
    with pytest.raises(TypeError, match="a must be an integer"):
        env.pull(0.5)
    with pytest.raises(ValueError, match="benchmark"):
        LSDBandit(greedy_trap(2), 0, benchmark="opt")
    with pytest.raises(TypeError, match="instance must be an LSDInstance"):
        LSDBandit(np.zeros((2, 4)), 0)
    with pytest.raises(ValueError, match="max_states"):
        LSDBandit(laforgue_trick_csb_og(), 0)  # DP too large: benchmark='lp' needed
    assert LSDBandit(laforgue_trick_csb_og(), 0, benchmark="lp").gain > 0


def test_initial_code():
    assert state_value(initial_code(4), 4) == -4

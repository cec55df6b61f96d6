"""Latent MDPs: model validation, instances and the exact planner (docs/papers/latent-mdp.md).

Properties: M = 1 reduces to backward induction; planner exact by exhaustion over all
deterministic history-dependent policies (micro instances); alpha-vector value vs Monte
Carlo; total-variance identity, Var <= 1/4, zero variance on deterministic LMDPs,
Var2 <= Var1; memory refusal before allocation; bad inputs named.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from mdpkit import solve
from mdpkit.models.latent import LatentMDP, bandit_tree, random_lmdp, tiger
from mdpkit.solvers import _latent_kernels as LK
from mdpkit.solvers.latent import (
    LatentPolicy,
    enumerate_policy_values,
    estimate_tree,
    markov_optimum,
    markov_policy,
    plan,
    policy_alpha,
    policy_value,
    return_variance,
    total_variance,
    var_candidates,
)

_settings = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def lmdps(draw, max_M=3, max_S=4, max_A=3, max_H=4, deterministic=False, M=None):
    seed = draw(st.integers(0, 2**31 - 1))
    M = M or draw(st.integers(1, max_M))
    S = draw(st.integers(2, max_S))
    A = draw(st.integers(2, max_A))
    H = draw(st.integers(2, max_H))
    return random_lmdp(np.random.default_rng(seed), M, S, A, H, deterministic=deterministic)


# ----------------------------------------------------------------------------- model
def _good():
    P = np.zeros((2, 2, 2, 2))
    P[:, 0, :, 0] = 1.0  # self-loops
    P[:, 1, :, 1] = 1.0
    R = np.zeros((2, 2, 2))
    nu = np.array([[1.0, 0.0], [0.0, 1.0]])
    return P, R, nu, np.array([0.5, 0.5])


def test_bad_weights_named():
    P, R, nu, w = _good()
    with pytest.raises(ValueError, match="w must be a distribution"):
        LatentMDP(P, R, nu, np.array([0.7, 0.7]), 3)
    with pytest.raises(ValueError, match="w must be a distribution"):
        LatentMDP(P, R, nu, np.array([1.0, 0.0]), 3)


def test_bad_row_names_context_and_index():
    P, R, nu, w = _good()
    P[1, 0, 1, 0] = 0.5  # row sums to 0.5
    with pytest.raises(ValueError, match=r"P of context 1: row \(s=0, a=1\)"):
        LatentMDP(P, R, nu, w, 3)
    P, R, nu, w = _good()
    nu[1] = [0.5, 0.2]
    with pytest.raises(ValueError, match="nu of context 1"):
        LatentMDP(P, R, nu, w, 3)
    P, R, nu, w = _good()
    R[0, 1, 1] = 1.5
    with pytest.raises(ValueError, match=r"R of context 0: R\[0, 1, 1\]"):
        LatentMDP(P, R, nu, w, 3)


def test_total_reward_above_one_refused():
    P, R, nu, w = _good()
    R[1, 1, 0] = 0.4  # context 1 starts in state 1 and stays there: 3 x 0.4 > 1
    with pytest.raises(ValueError, match="context 1 has a feasible trajectory with return 1.2"):
        LatentMDP(P, R, nu, w, 3)
    LatentMDP(P, R, nu, w, 2)  # 0.8 <= 1 is fine
    R[0, 1, 0] = 0.9  # state 1 is unreachable in context 0: no violation
    LatentMDP(P, R, nu, w, 2)


def test_bad_shapes_and_types():
    P, R, nu, w = _good()
    with pytest.raises(ValueError, match="R must have shape"):
        LatentMDP(P, R[:, :1], nu, w, 3)
    with pytest.raises(TypeError, match="H must be an integer"):
        LatentMDP(P, R, nu, w, 2.5)
    with pytest.raises(ValueError, match="Sb must be a power of two"):
        bandit_tree(2, 3, 2, 8, 0.2, 0.1, 0)
    with pytest.raises(ValueError, match=r"H must be >= 3 \+ log2\(Sb\) = 5"):
        bandit_tree(2, 4, 2, 4, 0.2, 0.1, 0)


def test_bandit_tree_structure():
    lm = bandit_tree(3, 4, 2, 9, 0.3, 0.2, seed=5)
    assert lm.gamma == 2 and lm.S == 3 + 3 + 4 + 2
    # reaching G returns exactly 1 whatever H: max feasible return is 1 in every context
    from mdpkit.models.latent import max_feasible_return

    np.testing.assert_allclose(max_feasible_return(lm.P, lm.R, lm.nu, lm.H), 1.0)
    pl = plan(lm)
    assert pl.v_star == pytest.approx(0.5)  # v + eps
    noisy = bandit_tree(2, 4, 2, 16, 0.2, 0.4, 0, noise=True)
    assert noisy.gamma == 2 and plan(noisy).v_star == pytest.approx(0.6)
    det = bandit_tree(2, 4, 2, 8, 0.2, 0.4, 0, deterministic=True)
    assert det.is_deterministic() and plan(det).v_star == pytest.approx(1.0)
    pad = bandit_tree(2, 4, 2, 8, 0.25, 0.1, 0, pad_to=17)
    assert pad.S == 17 and plan(pad).v_star == pytest.approx(0.35)
    shared = bandit_tree(4, 4, 2, 8, 0.25, 0.1, 0, shared_arm=True)
    assert (shared.meta["best_arms"] == shared.meta["best_arms"][0]).all()


# ----------------------------------------------------------------------------- planner
@_settings
@given(lmdps(M=1, max_S=4, max_H=4))
def test_single_context_is_backward_induction(lm):
    pl = plan(lm)
    res = solve(lm.context_mdp(0))
    assert pl.v_star == pytest.approx(float(lm.nu[0] @ res.V[0]), abs=1e-12)
    # decisions depend only on (t, s): one node per (t, s)
    pol = pl.policy
    for t in range(lm.H):
        nodes = np.arange(pol.level_start[t], pol.level_start[t + 1])
        assert len(set(pol.node_s[nodes])) == len(nodes)
    # the Markov optimum coincides
    if lm.A ** (lm.H * lm.S) <= 4096:
        assert markov_optimum(lm)[0] == pytest.approx(pl.v_star, abs=1e-12)


@_settings
@given(lmdps(max_M=2, max_S=2, max_A=2, max_H=2))
def test_planner_exact_by_exhaustion_micro(lm):
    vals = enumerate_policy_values(lm)
    assert pl_value(lm) == pytest.approx(vals[:, 0].sum(axis=1).max(), abs=1e-12)


def pl_value(lm):
    return plan(lm).v_star


@_settings
@given(lmdps(max_M=3, max_S=3, max_A=2, max_H=3))
def test_planner_exact_by_exhaustion_small(lm):
    try:
        vals = enumerate_policy_values(lm, max_policies=300_000)
    except ValueError:
        assume(False)
    v_all = vals[:, 0].sum(axis=1)
    pl = plan(lm)
    assert pl.v_star == pytest.approx(v_all.max(), abs=1e-12)
    # the planner's own policy evaluates to V* (alpha-vector decomposition)
    assert policy_value(lm, pl.policy) == pytest.approx(pl.v_star, abs=1e-12)
    # the best Markov policy is one of the history policies: never better
    try:
        vm, pim = markov_optimum(lm, max_policies=100_000)
    except ValueError:
        return
    assert vm <= pl.v_star + 1e-12
    assert policy_value(lm, markov_policy(lm, pim)) == pytest.approx(vm, abs=1e-12)


def test_tiger_history_beats_markov():
    lm = tiger()
    pl = plan(lm)
    brute = enumerate_policy_values(lm)[:, 0].sum(axis=1).max()
    vm, _ = markov_optimum(lm)
    assert pl.v_star == pytest.approx(brute, abs=1e-12)
    assert pl.v_star == pytest.approx(0.784, abs=1e-12)  # listen 3 times, open by majority
    assert vm == pytest.approx(0.742, abs=1e-12)
    assert pl.v_star > vm + 0.04


def _random_policy(lm, rng):
    pl = plan(lm)
    pol = pl.policy
    act = rng.integers(0, lm.A, size=pol.n_nodes).astype(np.int64)
    return LatentPolicy(pol.root, pol.node_s, act, pol.child, pol.level_start, pol.reward_values)


@settings(max_examples=8, deadline=None)
@given(lmdps(max_M=3, max_S=4, max_A=3, max_H=4), st.integers(0, 10**6))
def test_alpha_value_matches_monte_carlo(lm, seed):
    """V^pi = sum_m w_m nu_m . alpha_1 vs the mean of 20,000 rollouts; 4-sigma tolerance
    (false-positive rate < 1e-4 per example by the CLT, returns in [0, 1])."""
    rng = np.random.default_rng(seed)
    pol = _random_policy(lm, rng)
    v = policy_value(lm, pol)
    n = 20_000
    U = rng.random((n, lm.H + 2))
    st_, ac, rw = np.zeros(lm.H + 1, np.int64), np.zeros(lm.H, np.int64), np.zeros(lm.H)
    ret = np.empty(n)
    for i in range(n):
        LK.rollout(
            pol.root,
            pol.node_s,
            pol.act,
            pol.child,
            lm.ridx,
            lm.P,
            lm.R,
            lm.nu,
            lm.w,
            U[i],
            st_,
            ac,
            rw,
        )
        ret[i] = rw.sum()
    sd = max(ret.std(), 1e-3)
    assert abs(ret.mean() - v) <= 4 * sd / np.sqrt(n)


@_settings
@given(lmdps(max_M=3, max_S=3, max_A=3, max_H=4), st.integers(0, 10**6))
def test_total_variance_identity_and_range(lm, seed):
    pol = _random_policy(lm, np.random.default_rng(seed))
    var = return_variance(lm, pol)
    np.testing.assert_allclose(total_variance(lm, pol), var, atol=1e-10)
    assert np.all(var <= 0.25 + 1e-12) and np.all(var >= -1e-12)
    alpha = policy_alpha(lm, pol)
    assert np.nanmin(alpha) >= -1e-12 and np.nanmax(alpha) <= 1 + 1e-12


@_settings
@given(lmdps(max_M=2, max_S=3, max_A=2, max_H=3, deterministic=True))
def test_variance_candidates_zero_when_deterministic(lm):
    vc = var_candidates(lm, max_policies=50_000)
    assert abs(vc["var2"]) <= 1e-12 and abs(vc["var3"]) <= 1e-12
    if vc["var1"] is not None:
        assert abs(vc["var1"]) <= 1e-12


@_settings
@given(lmdps(max_M=2, max_S=2, max_A=2, max_H=3))
def test_var2_le_var1_le_quarter(lm):
    vc = var_candidates(lm, max_policies=50_000)
    assume(vc["var1"] is not None)
    assert vc["var2_min"] <= vc["var2"] + 1e-12
    assert vc["var2_min"] <= vc["var1"] + 1e-12 and vc["var1"] <= 0.25 + 1e-12


def test_bandit_tree_variance_matches_analytic():
    lm = bandit_tree(2, 2, 2, 4, 0.2, 0.3, seed=1)
    vc = var_candidates(lm, max_policies=200_000)
    assert vc["var1"] == pytest.approx(lm.meta["var1"], abs=1e-12)
    assert vc["var2"] == pytest.approx(lm.meta["var2"], abs=1e-12)


def test_memory_refused_before_allocation():
    rng = np.random.default_rng(0)
    M, S, A, H = 2, 4, 3, 12  # full-support kernels: beliefs never collapse
    P = rng.dirichlet(np.ones(S), size=(M, S, A))
    lm = LatentMDP(P, np.zeros((M, S, A)), np.full((M, S), 1 / S), np.full(M, 0.5), H)
    est = estimate_tree(lm)
    with pytest.raises(ValueError, match=r"H=12 is too large .* estimated at .* GB"):
        plan(lm)
    assert est["bytes"] > 2e9
    small = random_lmdp(np.random.default_rng(0), 3, 3, 2, 3)
    assert plan(small).n_nodes <= estimate_tree(small)["nodes"]
    with pytest.raises(ValueError, match="max_bytes"):
        plan(small, max_bytes=-1)


def test_estimate_is_tight_on_one_hot_instances():
    lm = bandit_tree(2, 4, 2, 64, 0.2, 0.4, 0, noise=True)
    pl = plan(lm)
    assert pl.n_nodes <= estimate_tree(lm)["nodes"] <= 2 * pl.n_nodes


def test_policy_value_rejects_uncovering_policy():
    lm = tiger()
    pl = plan(lm)
    child = pl.policy.child.copy()
    child[:] = -1
    bad = LatentPolicy(
        pl.policy.root,
        pl.policy.node_s,
        pl.policy.act,
        child,
        pl.policy.level_start,
        pl.policy.reward_values,
    )
    with pytest.raises(ValueError, match="does not cover"):
        policy_value(lm, bad)
    with pytest.raises(TypeError, match="LatentMDP"):
        plan("tiger")


@pytest.mark.parametrize("keep_impossible", [False, True])
def test_tree_keys_unique_and_children_consistent(keep_impossible):
    """The history tree's node table (``build_tree``): within a level no two nodes share
    (state, rounded belief); every child has the child state and the normalised Bayes
    update of its parent's belief (the backed-off one for learners' trees). The instance
    has levels wider than half the initial table, and starts from capacity 16, so table
    and array growth are exercised."""
    lm = random_lmdp(np.random.default_rng(7), 3, 5, 3, 4)
    key_scale = 1e10
    root_rho = (lm.w[:, None] * lm.nu).T[None].copy()
    status, n, tree = LK.build_tree(
        lm.P, lm.ridx, lm.n_rewards, root_rho, lm.H, key_scale, 10**6, 16, keep_impossible
    )
    assert status == LK.STATUS_OK and n == len(tree.node_s)
    widths = np.diff(tree.level_start)
    assert widths.max() > 32  # the level table (64 slots) doubles past 32 nodes
    for t in range(lm.H):
        lo, hi = tree.level_start[t], tree.level_start[t + 1]
        keys = {
            (int(tree.node_s[j]), tuple(np.round(tree.node_b[j] * key_scale).astype(np.int64)))
            for j in range(lo, hi)
        }
        assert len(keys) == hi - lo
    out = np.zeros(lm.M)
    for p in range(tree.level_start[lm.H - 1]):
        s = tree.node_s[p]
        for a in range(lm.A):
            for r in range(lm.n_rewards):
                match = (tree.node_b[p] > 0) & ((lm.ridx[:, s, a] < 0) | (lm.ridx[:, s, a] == r))
                for s2 in range(lm.S):
                    rule = LK.child_belief_backoff if keep_impossible else LK.child_belief_exact
                    tot = rule(tree.node_b[p], match, lm.P[:, s, a, s2].copy(), out)
                    c = tree.child[p, a, r, s2]
                    if tot <= 0:
                        assert c == -1
                        continue
                    assert tree.node_s[c] == s2
                    assert tree.level_start[np.searchsorted(tree.level_start, p, "right")] <= c
                    np.testing.assert_allclose(tree.node_b[c], out / tot, atol=1e-9)

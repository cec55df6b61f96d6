"""HF-UCRL-RFE++, its building blocks and baselines (docs/papers/linear-mixture.md,
"Checks")."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mdpkit import solve
from mdpkit.algorithms.linear_mixture import _kernels as kn
from mdpkit.algorithms.linear_mixture.common import reward_dictionary
from mdpkit.algorithms.linear_mixture.hf_ucrl_rfe import HFUCRLRFE
from mdpkit.algorithms.linear_mixture.reference import home_np, oracle_values_np
from mdpkit.algorithms.linear_mixture.sample_complexity import checkpoints, fit_slope, k_hat
from mdpkit.algorithms.linear_mixture.ucrl_rfe import UCRLRFE, UCRLRFEPlus
from mdpkit.algorithms.linear_mixture.uniform import UniformVTR
from mdpkit.models.linear_mixture import hard_lm, rand_lm


def _small(H=4, seed=0):
    m = rand_lm(4, 2, 3, H, rng=seed)
    rd = reward_dictionary(m, 6, np.random.default_rng(seed + 1))
    return m, rd


def _hf(m, rd, **kw):
    kw.setdefault("c_beta", 0.01)
    return HFUCRLRFE(m, kw.pop("K", 64), kw.pop("rng", 7), rdict=rd, **kw)


# --------------------------------------------------------------- fast == generic
@pytest.mark.parametrize("cls", ["hf", "hf-decoupled", "rfe", "rfep", "uni"])
def test_fast_equals_generic(cls):
    m, rd = _small()
    make = {
        "hf": lambda f: _hf(m, rd, fast=f, replan_every=3),
        "hf-decoupled": lambda f: _hf(m, rd, fast=f, replan_every=3, oracle="decoupled"),
        "rfe": lambda f: UCRLRFE(m, 64, 7, c_beta=0.1, replan_every=2, fast=f),
        "rfep": lambda f: UCRLRFEPlus(m, 64, 7, c_beta=0.1, fast=f),
        "uni": lambda f: UniformVTR(m, 64, 7, fast=f),
    }[cls]
    a, b = make(True), make(False)
    for ex in (a, b):
        ex.explore(10, np.random.default_rng(3))
        ex.explore(7, np.random.default_rng(4))
    np.testing.assert_array_equal(a.planning_kernel(), b.planning_kernel())
    for c in a.LOG_COLUMNS:
        np.testing.assert_array_equal(a.log_frame()[c], b.log_frame()[c])


# --------------------------------------------------------------- oracle
def test_oracle_matches_numpy_reference():
    m, rd = _small(H=5)
    ex = _hf(m, rd, c_beta=0.001, K=64)  # small radius: V^ strictly inside (0, 1)
    ex.explore(20, np.random.default_rng(0))
    ps = ex.plan_state
    n = int(ps.info[1])
    n2 = kn.candidates(ex.hat, ex.til, ex.const["betas"][20], 0.999, np.zeros_like(ps.cand))
    assert n2 >= 1
    cands = np.array(ps.cand[:n])
    Pts = np.ascontiguousarray(np.einsum("satd,cd->csat", m.phi, cands))
    vals = np.zeros((n, n, len(rd)))
    pi, Vt, Vh = np.zeros_like(ps.pi), np.zeros_like(ps.Vt), np.zeros_like(ps.Vh)
    kn.oracle(
        ex.phi,
        Pts,
        n,
        rd,
        ex.til.Sdot_inv[0],
        ex.hat.Sdot_inv[0],
        ex.consts.beta,
        0,
        0.5,
        pi,
        Vt,
        Vh,
        vals,
    )
    ref = oracle_values_np(
        m.phi, cands, rd, ex.til.Sdot_inv[0], ex.hat.Sdot_inv[0], ex.consts.beta, 0
    )
    np.testing.assert_allclose(vals, ref, atol=1e-12)
    assert 0 < vals.min() and vals.max() < 1  # informative: no clipping
    assert Vh[0, 0] == pytest.approx(ref.max(), abs=1e-12)


def test_candidates_inside_set_and_on_boundary():
    """Line-searched candidates are in U (all 2M constraints) and at 0.999 of its boundary."""
    m, rd = _small(H=5)
    ex = _hf(m, rd, c_beta=0.3, K=128)
    ex.explore(40, np.random.default_rng(0))
    bk = ex.const["betas"][40]
    out = np.zeros((2 * m.d + 2, m.d))
    n = kn.candidates(ex.hat, ex.til, bk, 0.999, out)
    assert n == 2 * m.d + 2 or n == 2 * m.d + 1

    def worst(th):  # max over constraints of ||th - theta_j||_{Sdot_j} / beta_k
        w = 0
        for lad in (ex.hat, ex.til):
            for j in range(lad.theta.shape[0]):
                dlt = th - lad.theta[j]
                w = max(w, np.sqrt(dlt @ lad.Sdot[j] @ dlt) / bk)
        return w

    ws = [worst(out[i]) for i in range(n)]
    assert max(ws) <= 1 + 1e-9
    # the perturbed points (the last 2d) sit at 0.999 of the boundary along their ray:
    # moving them 2/1000 further out leaves the set
    c = ex.hat.theta[0]
    for p in out[n - 2 * m.d : n]:
        assert worst(c + (p - c) * (1.002 / 0.999)) > 1


def test_oracle_dominates_theta_star_triples():
    """With theta* among the candidates (test hook), the chosen value dominates
    V^(theta*, greedy(theta*, r), r) for every r in R_dict (what Lemma 2.8.7 needs)."""
    m, rd = _small(H=4, seed=2)
    ex = _hf(m, rd, c_beta=0.05, K=256, extra_candidates=m.theta[None], replan_every=1)
    for _ in range(6):
        ex.explore(30, np.random.default_rng(5))
        ps = ex.plan_state
        n = int(ps.info[1])
        np.testing.assert_array_equal(ps.cand[n - 1], m.theta)
        star = ps.vals[n - 1, n - 1, :]
        assert ex.certificate() >= star.max() - 1e-12
        assert ex.certificate() == pytest.approx(np.nanmax(ps.vals[:n, :n]), abs=1e-12)


# --------------------------------------------------------------- HOME, ladders
def test_home_matches_numpy_and_invariants():
    m, rd = _small(H=5)
    ex = _hf(m, rd, c_beta=0.5, K=64)
    ex.explore(12, np.random.default_rng(2))
    lad = ex.hat
    M = lad.theta.shape[0]
    c = ex.const
    rng = np.random.default_rng(0)
    for _ in range(20):
        V = rng.random(m.S)
        s, a = rng.integers(m.S), rng.integers(m.A)
        phis = np.empty((M, m.d))
        kn.power_features(ex.phi, s, a, V, phis)
        sig2 = np.empty(M)
        kn.home(phis, lad, c["betas"][12], c["alpha"], c["gamma"], sig2)
        ref = home_np(
            phis, lad.theta, lad.Sinv, lad.Sdot_inv, c["betas"][12], c["alpha"], c["gamma"]
        )
        np.testing.assert_allclose(sig2, ref, rtol=1e-12, atol=1e-14)
        assert np.all(sig2 >= c["alpha"] ** 2)
        assert sig2[-1] >= 1
        for j in range(M):
            x = phis[j]
            assert sig2[j] >= c["gamma"] ** 2 * np.sqrt(x @ lad.Sinv[j] @ x) - 1e-15


def test_home_variance_dominates_when_estimate_exact():
    """With theta_m = theta* at every level, Vbar_m + E_m >= Var[V^(2^m)(s') | s, a]
    (Vbar is then the exact variance and E >= 0)."""
    m, rd = _small(H=5)
    M = 6
    lad = kn.new_ladder(M, m.d, 1.0)
    lad.theta[:] = m.theta
    rng = np.random.default_rng(1)
    for _ in range(30):
        V = rng.random(m.S)
        s, a = rng.integers(m.S), rng.integers(m.A)
        phis = np.empty((M, m.d))
        kn.power_features(m.phi, s, a, V, phis)
        sig2 = np.empty(M)
        kn.home(phis, lad, 0.0, 0.0, 0.0, sig2)  # beta = 0: E = 0, only Vbar
        for j in range(M - 1):
            p = m.P[s, a]
            w = V ** (2**j)
            var = p @ w**2 - (p @ w) ** 2
            assert sig2[j] == pytest.approx(max(var, 0.0), abs=1e-12)


def test_covariances_psd_and_loewner_increasing():
    m, rd = _small(H=4)
    ex = _hf(m, rd, K=64)
    prev = [np.array(l.Sdot) for l in (ex.hat, ex.til)]
    for _ in range(5):
        ex.explore(4, np.random.default_rng(3))
        for lad, p in zip((ex.hat, ex.til), prev):
            for j in range(lad.Sdot.shape[0]):
                assert np.linalg.eigvalsh(lad.Sdot[j]).min() > 0
                assert np.linalg.eigvalsh(lad.Sdot[j] - p[j]).min() >= -1e-9
                np.testing.assert_allclose(lad.Sdot_inv[j] @ lad.Sdot[j], np.eye(m.d), atol=1e-8)
        prev = [np.array(l.Sdot) for l in (ex.hat, ex.til)]


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 10**6), st.floats(0.01, 1.0))
def test_ranges_and_fixed_triple_monotone(seed, c_beta):
    """V~, V^ in [0,1]; V^_1 of a FIXED triple is non-increasing in k (covariances grow)."""
    m, rd = _small(H=4, seed=seed % 1000)
    ex = _hf(m, rd, c_beta=c_beta, K=64, rng=seed)
    ex.explore(1, np.random.default_rng(seed))
    ps = ex.plan_state
    theta = np.array(ps.theta_sel)
    pi = np.array(ps.pi)
    r = rd[0]
    Pt = m.phi @ theta
    Vt = np.empty((m.H + 1, m.S))
    kn.pseudo_value(Pt, r, pi, Vt)
    last = np.inf
    for _ in range(6):
        assert ps.Vt.min() >= 0 and ps.Vt.max() <= 1 and ps.Vh.min() >= 0 and ps.Vh.max() <= 1
        Vh = np.empty((m.H + 1, m.S))
        kn.hat_value(
            ex.phi,
            Pt,
            pi,
            Vt,
            ex.til.Sdot_inv[0],
            ex.hat.Sdot_inv[0],
            ex.consts.beta,
            Vh,
            np.empty(m.d),
        )
        assert Vh[0, 0] <= last + 1e-12
        last = Vh[0, 0]
        ex.explore(5, np.random.default_rng(seed + 1))


# --------------------------------------------------------------- planning
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_known_model_exact_planning(seed):
    """Planning with theta* gives the optimal value exactly (gap 0 to 1e-10), and the
    kernel's V* equals mdpkit's backward induction on to_tabular."""
    m = rand_lm(5, 3, 3, 6, rng=seed)
    R = reward_dictionary(m, 8, np.random.default_rng(seed))
    gaps = np.empty(len(R))
    kn.planning_gaps(m.P, m.phi @ m.theta, R, m.s1, gaps)
    np.testing.assert_allclose(gaps, 0, atol=1e-10)
    # a wrong kernel gives a positive gap that matches the exact evaluation of mdpkit
    bad = m.phi @ (m.theta[::-1].copy())
    kn.planning_gaps(m.P, bad, R, m.s1, gaps)
    for i, r in enumerate(R):
        t = m.to_tabular(r)
        vstar = solve(t, method="backward").V[0][m.s1]
        V = np.empty((m.H + 1, m.S))
        pi = np.empty((m.H, m.S), np.int64)
        kn.greedy_plan(bad, r, V, pi)
        from mdpkit import evaluate

        assert gaps[i] == pytest.approx(vstar - evaluate(t, pi)[0][m.s1], abs=1e-12)


def test_ridge_estimate_converges():
    """||theta~_{k,0} - theta*|| shrinks with more exploration (decreasing trend)."""
    m, info = hard_lm(3, 5, 0.1, rng=0)
    rd = reward_dictionary(m, 6, 0, action_sets=[info["actions"][:, 0] > 0])
    ex = HFUCRLRFE(m, 2048, 1, rdict=rd, c_beta=0.01, replan_every=8)
    errs = []
    for n in (32, 224, 1792):
        ex.explore(n, np.random.default_rng(n))
        errs.append(np.linalg.norm(ex.til.theta[0] - m.theta))
    assert errs[2] < errs[0] / 2


def test_uniform_and_rfe_learn_hardlm():
    m, info = hard_lm(3, 5, 0.1, rng=1)
    R = np.array([info["task"], info["anti_task"]])
    for ex in (UniformVTR(m, 1024, 0, target=2), UCRLRFE(m, 1024, 0, c_beta=0.01)):
        ex.explore(1024, np.random.default_rng(0))
        assert ex.gaps(R).max() < 1e-12  # signs of mu recovered: exact optimum


# --------------------------------------------------------------- measurement + bad input
def test_checkpoints_and_k_hat():
    g = checkpoints(64)
    np.testing.assert_array_equal(g, [8, 11, 16, 23, 32, 45, 64])
    assert k_hat([0.5, 0.05, 0.2, 0.05, 0.01, 0.0, 0.0], g, 0.1) == (23.0, False)
    assert k_hat([0.5] * 7, g, 0.1) == (64.0, True)
    assert k_hat([0.0] * 7, g, 0.1) == (8.0, False)
    assert fit_slope([1, 2, 4], [3, 12, 48]) == pytest.approx(2.0)
    with pytest.raises(ValueError, match="eps"):
        k_hat([0.1], [8], 1.5)


def test_bad_inputs_named():
    m, rd = _small()
    with pytest.raises(ValueError, match="delta"):
        HFUCRLRFE(m, 8, 0, rdict=rd, delta=1.0)
    with pytest.raises(ValueError, match="delta"):
        UCRLRFE(m, 8, 0, delta=0.0)
    with pytest.raises(ValueError, match="c_beta"):
        HFUCRLRFE(m, 8, 0, rdict=rd, c_beta=0.0)
    bad = rd.copy()
    bad[0] *= 5
    with pytest.raises(ValueError, match=r"rdict\[0\].*total"):
        HFUCRLRFE(m, 8, 0, rdict=bad)
    with pytest.raises(ValueError, match="rdict must have shape"):
        HFUCRLRFE(m, 8, 0, rdict=rd[0])
    ex = _hf(m, rd, K=4)
    with pytest.raises(ValueError, match="budget K"):
        ex.explore(5, 0)
    with pytest.raises(ValueError, match="R has a trajectory total"):
        ex.plan(np.ones((m.S, m.A)))
    with pytest.raises(TypeError, match="model"):
        UniformVTR("x", 4, 0)


def test_vtr_add_keeps_inverse_and_solves_ridge():
    """Within an episode Sinv stays the inverse of Sigma (Sherman-Morrison); at the end
    theta = argmin of the weighted ridge objective (normal equations)."""
    rng = np.random.default_rng(0)
    d, lam = 3, 0.7
    lad = kn.new_ladder(2, d, lam)
    X = rng.normal(size=(15, d))
    y = rng.normal(size=15)
    w = rng.uniform(0.2, 2.0, size=15)
    for x, yy, s2 in zip(X, y, w):
        kn.vtr_add(lad, 1, x, yy, s2)
        np.testing.assert_allclose(lad.Sinv[1] @ lad.Sigma[1], np.eye(d), atol=1e-10)
    kn.ladder_end_episode(lad)
    G = lam * np.eye(d) + (X.T / w) @ X
    np.testing.assert_allclose(lad.theta[1], np.linalg.solve(G, (X.T / w) @ y), atol=1e-10)
    np.testing.assert_allclose(lad.Sdot[1], G, atol=1e-12)
    np.testing.assert_array_equal(lad.theta[0], 0.0)

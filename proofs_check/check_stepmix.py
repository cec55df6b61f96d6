"""Deterministic identities of StepMix / EpsMix (spec stepmix.md §b.4, §b.5, §e.2, §e.3).

* Mixture linearity: the exact value of the step mixture (h, ρ) is
  ``ρ V^{π^{(h+1)}} + (1−ρ) V^{π^{(h)}}`` (symbolic in ρ, then on hypothesis instances).
* Certified threshold: ``ρ LB_{h+1} + (1−ρ) LB_h = thr`` with ``ρ = (LB_h − thr)/(LB_h − LB_{h+1})``
  and ``ε LB + (1−ε) V^b = thr`` with ``ε = (V^b − thr)/(V^b − LB)`` (sympy), and in every
  episode of compiled StepMix/EpsMix runs on hypothesis-generated instances.
* EpsMix: ``ε = α V^b/(V^b − LB) >= α`` whenever ``0 <= LB < thr`` (sympy + runs).
"""
from __future__ import annotations

import numpy as np
import sympy as sp
from hypothesis import given, settings, strategies as st

from mdpkit.algorithms.conservative import _kernels as kr
from mdpkit.algorithms.conservative.base import log_term, step_mixture_policy, step_switch_policy
from mdpkit.solvers import evaluate
from mdpkit.envs.episodic import EpisodicTabularEnv
from mdpkit.envs.sampling import episode_tables
from mdpkit.testing import policies, tabular_mdps

_mdps = tabular_mdps(min_S=2, max_S=4, min_A=2, max_A=3, discounted=False, step_dependent=True,
                     max_H=4)


def _v(mdp, pol):
    return float(mdp.mu @ evaluate(mdp, pol)[0])


def test_certified_threshold_symbolic():
    lo, hi, thr, vb, lb, alpha = sp.symbols("LB_h LB_h1 thr V_b LB alpha", real=True)
    rho = (lo - thr) / (lo - hi)
    assert sp.simplify(rho * hi + (1 - rho) * lo - thr) == 0
    eps = (vb - thr) / (vb - lb)
    assert sp.simplify(eps * lb + (1 - eps) * vb - thr) == 0
    # eps with thr = (1 - alpha) V^b equals alpha V^b / (V^b - LB), and eps - alpha >= 0 for LB >= 0
    e = eps.subs(thr, (1 - alpha) * vb)
    assert sp.simplify(e - alpha * vb / (vb - lb)) == 0
    diff = sp.simplify(e - alpha)
    assert sp.simplify(diff - alpha * lb / (vb - lb)) == 0  # >= 0 when 0 <= LB < V^b


def test_mixture_value_linear_in_rho_symbolic():
    """One-step picture: at the randomised step the law of the action is linear in ρ, and the
    value is an expectation over that law, hence affine in ρ (exactly)."""
    r = sp.Symbol("rho", real=True)
    qk, qb = sp.symbols("Q_k Q_b", real=True)
    v = r * qk + (1 - r) * qb
    assert sp.diff(v, r, 2) == 0
    assert v.subs(r, 0) == qb and v.subs(r, 1) == qk


@settings(max_examples=40, deadline=None, derandomize=True)
@given(data=st.data())
def test_mixture_linearity_exact(data):
    mdp = data.draw(_mdps)
    H = mdp.H
    pib = data.draw(policies(mdp, deterministic=False, stationary=False))
    pik = data.draw(policies(mdp, deterministic=True, stationary=False))
    order = data.draw(st.sampled_from(["opt_first", "base_first"]))
    vals = [_v(mdp, step_switch_policy(pik, pib, h, order)) for h in range(H + 1)]
    assert abs(vals[0] - _v(mdp, pib)) <= 1e-10 and abs(vals[H] - _v(mdp, pik)) <= 1e-10
    h = data.draw(st.integers(0, H - 1))
    rho = data.draw(st.floats(0.0, 1.0))
    v = _v(mdp, step_mixture_policy(pik, pib, h, rho, order))
    assert abs(v - (rho * vals[h + 1] + (1 - rho) * vals[h])) <= 1e-10


@settings(max_examples=25, deadline=None, derandomize=True)
@given(data=st.data())
def test_certified_threshold_in_runs(data):
    mdp = data.draw(_mdps)
    H, S, A = mdp.H, mdp.S, mdp.A
    pib = np.ascontiguousarray(data.draw(policies(mdp, deterministic=False, stationary=False)))
    alpha = data.draw(st.floats(0.01, 1.0))
    seed = data.draw(st.integers(0, 2 ** 32 - 1))
    vb = _v(mdp, pib)
    thr = (1 - alpha) * vb
    K = 40
    rng = np.random.default_rng(seed)
    L = log_term(S, A, H, K, 0.05)
    env = EpisodicTabularEnv(mdp, 0)
    tab = episode_tables(env, step_dependent=True)
    mu = np.ascontiguousarray(mdp.mu)
    for alg in (kr.ALG_STEPMIX, kr.ALG_EPSMIX):
        cfg = kr.Settings(alg, L, alpha, kr.BONUS_HOEFFDING, 1.0, kr.ORDER_OPT_FIRST,
                          kr.SELECT_MAX_H, True, vb, True, False)
        R = np.ascontiguousarray(np.broadcast_to(mdp.R, (H, S, A)))
        data = kr.AgentData(np.zeros((H, S, A)), np.zeros((H, S, A, S)), np.zeros((H, S, A)),
                            R.copy(), R.copy(), pib, np.cumsum(pib, axis=-1), mu,
                            np.array([thr, 0.0]))
        value, lb, mix, vbar, _, _, full, unc, _, _ = kr.run_episodes(
            cfg, data, tab, rng.random((K, H + 1)), rng.random(K * (H + 1)))
        assert not unc.any()  # LB_0 = V^b >= thr: always certified
        assert np.all(np.abs(lb[~full] - thr) <= 1e-9 * max(1.0, vb))
        assert np.all(lb[full] >= thr - 1e-12)
        if alg == kr.ALG_STEPMIX:
            frac = mix[~full] - np.floor(mix[~full])
            assert np.all((frac >= 0) & (frac < 1))
        else:
            assert np.all((mix[~full] >= alpha - 1e-12) & (mix[~full] < 1))
            assert np.all(mix[full] == 1.0)

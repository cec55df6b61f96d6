"""Lemmas of StepMix / EpsMix checked on mdpkit's outputs (paper page
``docs/papers/stepmix.md``, sections "Algorithms as implemented" and "Checks").

Each check takes numbers produced by mdpkit (the selection rules, the mixture policies, the
recorded lower bounds of runs) and compares them with an independent computation written
here: exact values of policies by a from-scratch numpy backward recursion
(:func:`exact_value`, not ``mdpkit.solvers``), identities instantiated with mdpkit's numbers
in sympy rationals.

* Pessimism (page section "PolicyEva"): the lower bound StepMix records for an episode is <= the exact value of
  the policy it deploys in that episode (on the good event, probability >= 1 - δ).
* Certified threshold: mdpkit's (h*, ρ) satisfies ``ρ LB_{h*+1} + (1−ρ) LB_{h*} = thr`` and
  h* is the largest certified step; EpsMix's ε satisfies ``ε LB + (1−ε) V^b = thr``, ε >= α.
* Mixture linearity: the exact value of mdpkit's step mixture (h, ρ) is
  ``ρ V^{π^{(h+1)}} + (1−ρ) V^{π^{(h)}}``.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from mdpkit.algorithms.base import PolicyMixture
from mdpkit.algorithms.conservative import EpsMix, StepMix
from mdpkit.algorithms.conservative import _kernels as kr
from mdpkit.algorithms.conservative.base import (
    epsmix_epsilon,
    log_term,
    step_mixture_policy,
    step_switch_policy,
    stepmix_select,
)
from mdpkit.envs.conservative import make_conservative_env
from mdpkit.envs.episodic import EpisodicTabularEnv
from mdpkit.envs.sampling import episode_tables
from mdpkit.testing import policies, tabular_mdps

_mdps = tabular_mdps(
    min_S=2, max_S=4, min_A=2, max_A=3, discounted=False, step_dependent=True, max_H=4
)


def exact_value(mdp, pol):
    """mu . V_0 of a Markov policy ``pol`` (H, S, A) (or deterministic (H, S)) by backward
    recursion in plain numpy, written here (independent of mdpkit.solvers)."""
    H, S, A = mdp.H, mdp.S, mdp.A
    P = np.asarray(mdp.dense_P(), dtype=np.float64)
    P = np.broadcast_to(P, (H, S, A, S)) if P.ndim == 3 else P
    R = np.asarray(mdp.R, dtype=np.float64)
    R = np.broadcast_to(R, (H, S, A)) if R.ndim == 2 else R
    pol = np.asarray(pol)
    if pol.dtype.kind in "iu":
        pol = np.eye(A)[pol]
    V = np.zeros(S)
    for h in range(H - 1, -1, -1):
        V = (pol[h] * (R[h] + P[h] @ V)).sum(axis=1)
    return float(np.asarray(mdp.mu) @ V)


_v = exact_value


# ----------------------------------------------------------------------------- pessimism
def test_pessimism_lemma_recorded_lb_below_exact_value():
    r"""Pessimism (page section "PolicyEva"): in every episode k, the lower bound LB_k that StepMix (and EpsMix)
    records for the deployed policy π_k satisfies ``LB_k <= V^{π_k}_1(s_1)``, on the event
    that the L1 confidence sets hold (probability >= 1 - δ per run, δ = 0.05).

    mdpkit side: the policy committed by ``begin_episode`` and the ``lb`` of ``info()``
    (generic learner). Independent side: :func:`exact_value` of that policy on the true
    model. 4 runs × 150 episodes per learner; a run "fails" if any episode has
    LB_k > V^{π_k} + 1e-9. On a correct implementation the number of failing runs is
    Bin(4, p <= δ); asserting <= 1 has false-positive rate P(Bin(4, 0.05) >= 2) = 1.4% per
    learner. (A flipped radius sign makes LB optimistic and fails in every run.)
    Also checks that the bound is not vacuous: LB_k >= 0.5 V^b in every episode.
    """
    K = 150
    for cls in (StepMix, EpsMix):
        failing = 0
        for seed in range(4):
            ss = np.random.SeedSequence(700 + seed).spawn(2)
            env = make_conservative_env(np.random.default_rng(ss[0]))
            info = env.env_info()
            info["n_steps"] = K
            ln = cls(info, np.random.default_rng(ss[1]), fast=False)
            mdp = env.instance.mdp
            vb = exact_value(mdp, env.instance.baseline_policy)
            bad = False
            for _ in range(K):
                pi = ln.begin_episode()
                s = env.reset()
                for h in range(env.H):
                    a = ln.act(h, s)
                    r, s2 = env.step(h, s, a)
                    ln.update(h, s, a, r, s2)
                    s = s2
                ln.end_episode()
                lb = ln.info()["lb"]
                assert lb >= 0.5 * vb - 1e-12
                if isinstance(pi, PolicyMixture):  # EpsMix: value of the episode-level mixture
                    v_pi = sum(
                        w * exact_value(mdp, np.asarray(p)) for w, p in zip(pi.weights, pi.policies)
                    )
                else:
                    v_pi = exact_value(mdp, np.asarray(pi))
                bad |= lb > v_pi + 1e-9
            failing += bad
        assert failing <= 1, (cls.__name__, failing)


# ----------------------------------------------------------------------------- selection rules
@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.lists(st.floats(0.0, 10.0), min_size=2, max_size=7), st.floats(0.0, 0.99))
def test_stepmix_select_certifies_threshold_exactly(lbs, alpha):
    r"""mdpkit's ``stepmix_select`` (rule max_h) on LB_0..LB_H with thr = (1−α) LB_0:
    either full (LB_H >= thr) or ``ρ LB_{h*+1} + (1−ρ) LB_{h*} = thr`` -- checked in exact
    rationals built from mdpkit's float outputs (error <= a few ulps) -- with ρ in [0, 1)
    and h* the LARGEST certified h < H (independent scan)."""
    LB = np.array(lbs)
    thr = (1 - alpha) * LB[0]
    H = len(LB) - 1
    full, hstar, rho = stepmix_select(LB, thr)
    if LB[H] >= thr:
        assert full
        return
    assert not full
    certified = [h for h in range(H) if LB[h] >= thr]
    assert hstar == max(certified)
    assert 0.0 <= rho < 1.0 or (rho == 1.0 and LB[hstar] == LB[hstar + 1])
    mixed = Fraction(rho) * Fraction(LB[hstar + 1]) + (1 - Fraction(rho)) * Fraction(LB[hstar])
    assert abs(float(mixed - Fraction(thr))) <= 1e-12 * max(1.0, abs(thr))


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.floats(0.01, 10.0), st.floats(0.0, 1.0), st.floats(0.01, 0.99))
def test_epsmix_epsilon_identity_on_mdpkit_numbers(vb, lb_frac, alpha):
    r"""EpsMix (page section "EpsMix") with lb0 = V^b, thr = (1−α)V^b and 0 <= LB < thr: mdpkit's ε satisfies
    ``ε LB + (1−ε) V^b = thr`` and equals ``α V^b/(V^b − LB) >= α`` -- the sympy identity
    ``(V^b − thr)/(V^b − LB) = α V^b/(V^b − LB)`` instantiated with mdpkit's inputs and
    compared with mdpkit's output."""
    thr = (1 - alpha) * vb
    lb = lb_frac * thr * (1 - 1e-9)
    eps = epsmix_epsilon(lb, vb, thr)
    Vb, LBs, a = sp.Rational(vb), sp.Rational(lb), sp.Rational(alpha)
    exact = a * Vb / (Vb - LBs)
    assert abs(eps - float(exact)) <= 1e-12 * max(1.0, float(exact))
    assert eps >= alpha - 1e-12
    assert abs(eps * lb + (1 - eps) * vb - thr) <= 1e-12 * max(1.0, vb)
    assert epsmix_epsilon(thr, vb, thr) == 1.0


@settings(max_examples=30, deadline=None, derandomize=True)
@given(data=st.data())
def test_mixture_policy_affine_in_rho(data):
    """mdpkit's step mixture (h, ρ) as a table is ``(1−ρ) π^{(h)} + ρ π^{(h+1)}`` entrywise
    (π^{(h)} from mdpkit's switch policies), so its law is affine in ρ: checked at three ρ."""
    mdp = data.draw(_mdps)
    H = mdp.H
    pib = data.draw(policies(mdp, deterministic=False, stationary=False))
    pik = data.draw(policies(mdp, deterministic=True, stationary=False))
    order = data.draw(st.sampled_from(["opt_first", "base_first"]))
    h = data.draw(st.integers(0, H - 1))
    lo, hi = step_switch_policy(pik, pib, h, order), step_switch_policy(pik, pib, h + 1, order)
    for rho in (0.0, 0.3, 1.0):
        np.testing.assert_allclose(
            step_mixture_policy(pik, pib, h, rho, order),
            (1 - rho) * lo + rho * hi,
            rtol=0,
            atol=1e-15,
        )


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
    seed = data.draw(st.integers(0, 2**32 - 1))
    vb = _v(mdp, pib)
    thr = (1 - alpha) * vb
    K = 40
    rng = np.random.default_rng(seed)
    L = log_term(S, A, H, K, 0.05)
    env = EpisodicTabularEnv(mdp, 0)
    tab = episode_tables(env, step_dependent=True)
    mu = np.ascontiguousarray(mdp.mu)
    for alg in (kr.ALG_STEPMIX, kr.ALG_EPSMIX):
        cfg = kr.Settings(
            alg,
            L,
            alpha,
            kr.BONUS_HOEFFDING,
            1.0,
            kr.ORDER_OPT_FIRST,
            kr.SELECT_MAX_H,
            True,
            vb,
            True,
            False,
        )
        R = np.ascontiguousarray(np.broadcast_to(mdp.R, (H, S, A)))
        data = kr.AgentData(
            np.zeros((H, S, A)),
            np.zeros((H, S, A, S)),
            np.zeros((H, S, A)),
            R.copy(),
            R.copy(),
            pib,
            np.cumsum(pib, axis=-1),
            mu,
            np.array([thr, 0.0]),
        )
        value, lb, mix, vbar, _, _, full, unc, _, _ = kr.run_episodes(
            cfg, data, tab, rng.random((K, H + 1)), rng.random(K * (H + 1))
        )
        assert not unc.any()  # LB_0 = V^b >= thr: always certified
        assert np.all(np.abs(lb[~full] - thr) <= 1e-9 * max(1.0, vb))
        assert np.all(lb[full] >= thr - 1e-12)
        if alg == kr.ALG_STEPMIX:
            frac = mix[~full] - np.floor(mix[~full])
            assert np.all((frac >= 0) & (frac < 1))
        else:
            assert np.all((mix[~full] >= alpha - 1e-12) & (mix[~full] < 1))
            assert np.all(mix[full] == 1.0)

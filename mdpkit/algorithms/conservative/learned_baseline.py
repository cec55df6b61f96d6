r"""Learned-baseline StepMix / EpsMix from an offline dataset
(docs/papers/stepmix.md#learned-baseline).

Li, Huang, Shen, Yang, ICML 2023 (arXiv:2306.06265). [V] the extension exists (baseline not
given, learned from an offline dataset; guarantees once the dataset is large enough);
[R] every detail below.

Input: N trajectories of an unknown behaviour policy π^β (``env_info["offline_dataset"]``:
int arrays ``states, actions, next_states`` (N, H), float ``rewards`` (N, H)). The constraint
is ``V^{π_k}_1 >= (1−α) V^{π^β}_1`` (the behaviour policy is the reference; stepmix.md#decisions).

1. ``V̂^β = mean return``, ``ε_V = H sqrt(ln(6/δ)/(2N))``, ``thr = (1−α)(V̂^β + ε_V)``.
2. ``π̂^b_h(a|s) = N^D_h(s,a)/N^D_h(s)`` (behaviour cloning; uniform where ``N^D_h(s) = 0``);
   flag ``baseline_estimator="vi_lcb"``: greedy policy of the stepmix.md#policyeva pessimistic
   recursion on D instead.
3. The model counts start from the transitions of D.
4. StepMix (``base="stepmix"``, default) or EpsMix (``base="epsmix"``) with π^b := π̂^b and
   ``LB_0 := PolicyEva(π̂^b)`` (not exact); if no member is certified (``LB_0 < thr`` and
   nothing else certified) π̂^b is deployed and the episode is logged ``uncertified = 1``.

Decisions
---------
* ``N = 0`` (no dataset) raises ``ValueError``: the threshold is undefined.
* ``baseline_value`` reported in the records is ``V̂^β``; the constraint check of the fast path
  uses the env's true ``(1−α) V^{π^β}`` (oracle).
* The union-bound log term L keeps K = number of online episodes (the dataset's transitions
  only add counts; the concentration events of stepmix.md#policyeva are per (h, s, a, n) so L's role
  is the same up to replacing K by K + N, which we do: ``L = ln(6 S A H (K + N)/δ)``).
"""

from __future__ import annotations

import numpy as np

from ...experiments.registry import register_learner
from . import _kernels as kr
from .base import (
    _R3,
    PROVENANCE_MACHINERY,
    ConservativeLearner,
    EmpiricalModel,
    check_delta,
    log_term,
)

__all__ = [
    "LearnedBaselineStepMix",
    "LearnedBaselineEpsMix",
    "make_learned_baseline",
    "learned_baseline_setup",
]

_PROV = (
    "Learned-baseline variant (stepmix.md#learned-baseline). [V] existence of the extension and of "
    "guarantees for a large enough dataset. [R] threshold (1-alpha)(mean return + "
    "H sqrt(ln(6/delta)/2N)), behaviour cloning, counts initialised with D, LB_0 = "
    "PolicyEva(pi_hat^b), uncertified fallback. "
)


def learned_baseline_setup(
    dataset: dict,
    R,
    S: int,
    A: int,
    H: int,
    *,
    alpha: float,
    delta: float,
    K: int,
    estimator: str = "bc",
):
    """Threshold, estimated baseline policy, initial model and L of stepmix.md#learned-baseline.

    Returns a dict with ``thr, V_hat, eps_V, policy (H, S, A), model (EmpiricalModel), L, N``.
    """
    if dataset is None:
        raise ValueError("offline_dataset is required for the learned-baseline variant")
    try:
        st = np.asarray(dataset["states"], dtype=np.int64)
        ac = np.asarray(dataset["actions"], dtype=np.int64)
        nx = np.asarray(dataset["next_states"], dtype=np.int64)
        rw = np.asarray(dataset["rewards"], dtype=np.float64)
    except (KeyError, TypeError) as exc:
        raise ValueError(
            f"offline_dataset must hold states, actions, next_states, rewards: {exc}"
        ) from None
    N = st.shape[0]
    if (
        N < 1
        or st.shape != (N, H)
        or ac.shape != (N, H)
        or nx.shape != (N, H)
        or rw.shape != (N, H)
    ):
        raise ValueError(f"offline_dataset arrays must all have shape (N >= 1, H={H})")
    delta = check_delta(delta)
    V_hat = float(rw.sum(axis=1).mean())
    eps_V = H * np.sqrt(np.log(6.0 / delta) / (2.0 * N))
    thr = (1.0 - alpha) * (V_hat + eps_V)
    model = EmpiricalModel(S, A, H)
    model.add_trajectories(st, ac, nx)
    L = log_term(S, A, H, K + N, delta)
    R3 = _R3(R, H) if R is not None else np.zeros((H, S, A))
    if estimator == "bc":
        cnt = np.zeros((H, S, A))
        np.add.at(cnt, (np.broadcast_to(np.arange(H), st.shape), st, ac), 1.0)
        tot = cnt.sum(-1, keepdims=True)
        pol = np.where(tot > 0, cnt / np.maximum(tot, 1.0), 1.0 / A)
    elif estimator == "vi_lcb":
        pol = np.zeros((H, S, A))
        V = np.zeros(S)
        for h in range(H - 1, -1, -1):
            Q = kr.pess_q(R3, model.N, model.Nsas, V, h, L)
            a = np.argmax(Q, axis=1)
            pol[h, np.arange(S), a] = 1.0
            V = Q[np.arange(S), a]
    else:
        raise ValueError(f"baseline_estimator must be 'bc' or 'vi_lcb', got {estimator!r}")
    rsum = np.zeros((H, S, A))
    np.add.at(rsum, (np.broadcast_to(np.arange(H), st.shape), st, ac), rw)
    return {
        "thr": float(thr),
        "V_hat": V_hat,
        "eps_V": float(eps_V),
        "policy": pol,
        "model": model,
        "L": L,
        "N": N,
        "reward_sums": rsum,
    }


class _Learned(ConservativeLearner):
    def __init__(
        self, env_info, rng, *, alpha=0.1, delta=0.05, K=None, baseline_estimator="bc", **params
    ):
        S, A, H = int(env_info["S"]), int(env_info["A"]), int(env_info["H"])
        K0 = env_info.get("n_steps") if K is None else K
        if K0 is None:
            raise ValueError("K (number of episodes) is required: pass K or env_info['n_steps']")
        from .base import check_alpha

        alpha = check_alpha(alpha)
        setup = learned_baseline_setup(
            env_info.get("offline_dataset"),
            env_info.get("R"),
            S,
            A,
            H,
            alpha=alpha,
            delta=delta,
            K=int(K0),
            estimator=baseline_estimator,
        )
        self.setup = setup
        info = dict(env_info)
        info.pop("baseline_policy", None)
        info.pop("baseline_value", None)
        super().__init__(
            info,
            rng,
            alpha=alpha,
            delta=delta,
            K=K0,
            baseline_policy=setup["policy"],
            baseline_value=setup["V_hat"],
            init_model=setup["model"],
            thr=setup["thr"],
            lb0_exact=False,
            init_reward_sums=setup["reward_sums"],
            **params,
        )
        if self.rewards_known:
            self.L = setup["L"]
        else:
            self.L = log_term(S, A, H, int(K0) + setup["N"], delta, self.n_events)


class LearnedBaselineStepMix(_Learned):
    """StepMix with a baseline learned from an offline dataset (stepmix.md#learned-baseline)."""

    ALG = kr.ALG_STEPMIX
    provenance = _PROV + PROVENANCE_MACHINERY


class LearnedBaselineEpsMix(_Learned):
    """EpsMix with a baseline learned from an offline dataset (stepmix.md#learned-baseline)."""

    ALG = kr.ALG_EPSMIX
    provenance = _PROV + PROVENANCE_MACHINERY


@register_learner("stepmix-learned")
def make_learned_baseline(env_info, rng, *, base="stepmix", **params):
    """Learned-baseline variant; ``base`` in {"stepmix", "epsmix"}."""
    if base == "stepmix":
        return LearnedBaselineStepMix(env_info, rng, **params)
    if base == "epsmix":
        return LearnedBaselineEpsMix(env_info, rng, **params)
    raise ValueError(f"base must be 'stepmix' or 'epsmix', got {base!r}")

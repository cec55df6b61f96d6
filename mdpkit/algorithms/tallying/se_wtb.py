r"""SE-WTB: successive elimination with burn-in blocks for weighted tallying bandits.

Paper page: ``docs/papers/weighted-tallying.md`` ("SE-WTB", "Decisions"). Malik, Igoe, Li,
Singh (ICML 2023) describe their algorithm as "a simple modification of successive
elimination" with an additive ``(m + M) K`` cost; the modification below is reconstructed.

Input K, T, M >= m, delta (default 1/T). ``R_T = ceil(log2(T + 1))``,
``L = log(2 K R_T / delta)``. Phase r = 1, 2, ...: every active arm, in ascending index
order, is played in one consecutive block: ``burn_in`` plays (default M; losses discarded,
after which the tally is saturated) followed by ``L_r = 2^{r-1}`` recorded plays. After
the phase ``n = 2^r - 1`` (pooled) and ``rad = sqrt(L / (2 n))``; arm a stays iff
``mean_a - rad <= min_b (mean_b + rad)`` (losses: eliminate when the LCB exceeds the best
UCB). One survivor is then played for all remaining rounds.

Flags: ``pool_across_phases`` (default True; False: each phase's own L_r samples with
``rad = sqrt(L / (2 L_r))``), ``skip_burnin_if_continuing`` (default False: when the first
block of a phase is the arm of the previous phase's last block, skip its burn-in),
``burn_in`` (default M). "SE-WTB with the true m" is this learner with ``M = m`` given by
the experimenter (the learner itself never sees m).

Info columns per round: ``recorded`` (1 if that round's loss entered an estimate),
``n_active``, ``phase``.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit

from ...bounds.tallying import SE_WTB_GAP, SE_WTB_HP, WTB_LOWER_ORDER, WTB_UPPER_ORDER
from ...envs.tallying import env_step
from ...experiments.registry import register_learner
from ...utils import as_generator, check_positive_int
from ._common import TallyingLearner, check_bool, check_delta, horizon_of, memory_bound_of

__all__ = [
    "SEWTB",
    "SEWTBState",
    "SEWTBParams",
    "se_wtb_act",
    "se_wtb_update",
    "run_se_wtb",
    "make_se_wtb",
    "n_phases_bound",
    "log_term",
]

# positions in SEWTBState.ints
PHASE, POS, IDX, N_ACTIVE, N_POOLED, SURVIVOR, RECORDED, BLOCK_LEN = range(8)


class SEWTBState(NamedTuple):
    ints: np.ndarray  # int64 (8,): see the index constants above
    active: np.ndarray  # int64 (K,): active arms, ascending, first ints[N_ACTIVE] valid
    sums: np.ndarray  # float (K,): pooled sums of recorded losses
    phase_sums: np.ndarray  # float (K,): this phase's sums


class SEWTBParams(NamedTuple):
    burn_in: int
    log_term: float  # L = log(2 K R_T / delta)
    pool: bool
    skip_burnin: bool


def n_phases_bound(T: int) -> int:
    """``R_T = ceil(log2(T + 1))`` (exact, = T.bit_length())."""
    return int(check_positive_int(T, "T")).bit_length()


def log_term(K: int, T: int, delta: float) -> float:
    """``L = log(2 K R_T / delta)``."""
    return math.log(2.0 * K * n_phases_bound(T) / delta)


def init_state(K: int) -> SEWTBState:
    ints = np.zeros(8, dtype=np.int64)
    ints[PHASE] = 1
    ints[N_ACTIVE] = K
    ints[SURVIVOR] = -1
    ints[BLOCK_LEN] = 1
    if K == 1:
        ints[SURVIVOR] = 0
    return SEWTBState(ints, np.arange(K, dtype=np.int64), np.zeros(K), np.zeros(K))


@njit(cache=True)
def se_wtb_act(st):
    """The arm of the current block (or the survivor)."""
    if st.ints[SURVIVOR] >= 0:
        return st.ints[SURVIVOR]
    return st.active[st.ints[IDX]]


@njit(cache=True)
def _end_phase(st, prm, last):
    ints = st.ints
    Lr = ints[BLOCK_LEN]
    ints[N_POOLED] += Lr
    k = ints[N_ACTIVE]
    if prm.pool:
        n = ints[N_POOLED]
    else:
        n = Lr
    rad = math.sqrt(prm.log_term / (2.0 * n))
    best_ucb = np.inf
    for j in range(k):
        a = st.active[j]
        mean = (st.sums[a] if prm.pool else st.phase_sums[a]) / n
        if mean + rad < best_ucb:
            best_ucb = mean + rad
    kept = 0
    for j in range(k):
        a = st.active[j]
        mean = (st.sums[a] if prm.pool else st.phase_sums[a]) / n
        if mean - rad <= best_ucb:
            st.active[kept] = a
            kept += 1
    for a in range(st.phase_sums.shape[0]):
        st.phase_sums[a] = 0.0
    ints[N_ACTIVE] = kept
    ints[PHASE] += 1
    ints[BLOCK_LEN] = 2 * Lr
    ints[IDX] = 0
    ints[POS] = 0
    if kept == 1:
        ints[SURVIVOR] = st.active[0]
    elif prm.skip_burnin and st.active[0] == last:
        ints[POS] = prm.burn_in


@njit(cache=True)
def se_wtb_update(st, prm, a, loss):
    """Record ``loss`` of arm ``a`` if past the burn-in; advance block / phase."""
    ints = st.ints
    if ints[SURVIVOR] >= 0:
        ints[RECORDED] = 0
        return
    pos = ints[POS]
    if pos >= prm.burn_in:
        st.sums[a] += loss
        st.phase_sums[a] += loss
        ints[RECORDED] = 1
    else:
        ints[RECORDED] = 0
    pos += 1
    if pos == prm.burn_in + ints[BLOCK_LEN]:
        ints[IDX] += 1
        ints[POS] = 0
        if ints[IDX] == ints[N_ACTIVE]:
            _end_phase(st, prm, a)
    else:
        ints[POS] = pos


@njit(cache=True)
def run_se_wtb(data, hist, io, st, prm):
    """Whole run; info rows: recorded, n_active, phase."""
    T = io.draws.shape[0]
    for t in range(T):
        a = se_wtb_act(st)
        y, f, loss = env_step(data, hist, a, io.draws[t])
        io.regret[t] = f - data.mu_star
        r = 1.0 - loss
        io.reward[t] = r
        io.tally[t] = y
        se_wtb_update(st, prm, a, 1.0 - r)
        io.info[0, t] = st.ints[RECORDED]
        io.info[1, t] = st.ints[N_ACTIVE]
        io.info[2, t] = st.ints[PHASE]


PROVENANCE = (
    "Setting, REO, the idea 'simple modification of successive elimination' and the "
    "O~(sqrt(KT) + (m+M)K) CPR order: paper abstract [A]. Block structure (one block per arm "
    "per phase, burn-in M, doubling recorded lengths 2^{r-1}), pooled Hoeffding radius "
    "sqrt(L/(2n)) with L = log(2 K R_T / delta), elimination rule, delta = 1/T and the three "
    "flags: reconstructed [R]/[D] (the paper's Algorithm 1 was not readable); see "
    "docs/papers/weighted-tallying.md."
)


class SEWTB(TallyingLearner):
    """Successive elimination with burn-in blocks (module docstring).

    Parameters
    ----------
    n_actions : int        K
    T : int                horizon
    M : int                memory bound (M >= m; m itself is never seen)
    delta : float, optional (default 1/T)
    burn_in : int, optional (default M)
    pool_across_phases, skip_burnin_if_continuing : bool
    fast : bool, default True
    """

    provenance = PROVENANCE
    info_keys = ("recorded", "n_active", "phase")
    #: Bound objects this learner is checked against (mdpkit.bounds.tallying).
    bounds = (SE_WTB_HP, SE_WTB_GAP, WTB_UPPER_ORDER, WTB_LOWER_ORDER)

    def __init__(
        self,
        n_actions,
        T,
        M,
        *,
        delta=None,
        burn_in=None,
        pool_across_phases=True,
        skip_burnin_if_continuing=False,
        fast=True,
    ):
        self.n_actions = check_positive_int(n_actions, "n_actions")
        self.T = check_positive_int(T, "T")
        self.M = check_positive_int(M, "M")
        self.delta = check_delta(delta, self.T)
        self.burn_in = self.M if burn_in is None else check_positive_int(burn_in, "burn_in", 0)
        self.params = SEWTBParams(
            int(self.burn_in),
            log_term(self.n_actions, self.T, self.delta),
            check_bool(pool_across_phases, "pool_across_phases"),
            check_bool(skip_burnin_if_continuing, "skip_burnin_if_continuing"),
        )
        self.fast = check_bool(fast, "fast")
        self.state = init_state(self.n_actions)

    @property
    def active(self) -> np.ndarray:
        """Currently active arms (ascending)."""
        return self.state.active[: self.state.ints[N_ACTIVE]].copy()

    @property
    def survivor(self) -> int:
        """The survivor's index once one arm is left, else -1."""
        return int(self.state.ints[SURVIVOR])

    def act(self) -> int:
        return int(se_wtb_act(self.state))

    def update(self, a: int, r: float) -> None:
        se_wtb_update(self.state, self.params, int(a), 1.0 - float(r))

    def _info_values(self):
        i = self.state.ints
        return (i[RECORDED], i[N_ACTIVE], i[PHASE])

    def _run(self, data, hist, io):
        run_se_wtb(data, hist, io, self.state, self.params)


@register_learner("se-wtb")
def make_se_wtb(
    env_info: dict,
    rng,
    *,
    M=None,
    T=None,
    delta=None,
    burn_in=None,
    pool_across_phases=True,
    skip_burnin_if_continuing=False,
    fast=True,
) -> SEWTB:
    """SE-WTB (deterministic; ``rng`` unused). M defaults to ``env_info["M"]``."""
    as_generator(rng)
    return SEWTB(
        env_info["n_actions"],
        horizon_of(env_info, T, "se-wtb"),
        memory_bound_of(env_info, M, "se-wtb"),
        delta=delta,
        burn_in=burn_in,
        pool_across_phases=pool_across_phases,
        skip_burnin_if_continuing=skip_burnin_if_continuing,
        fast=fast,
    )

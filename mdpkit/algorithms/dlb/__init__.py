r"""Baselines of the DynLin-UCB experiments (docs/papers/dynlin-ucb.md#baselines),
one module per algorithm, with the exact configurations of the reference driver
(``scripts/main.py`` of marcomussi/DLB).

Agents (registered learner names in brackets; T = horizon, K = number of arms, d = dim):

* Lin-UCB (lam = log T) [``dlb-linucb-log-t``]: OFUL updated every round, fed the DLB
  constants, ``beta_t = c_h sqrt(lam) + sqrt(2 sigma~^2 (log(1/delta) + (d/2) log(1 + t U^2/(d lam))))``,
  delta = 1/T. Myopic: no persistence.
* Lin-UCB (lam = 1) [``dlb-linucb-1``]: reference ``LinUCBAgent``; constant
  ``beta = Theta sqrt(lam) + sqrt(2 log T + d log((d lam + T 1.5^2)/(d lam)))`` (sigma unused,
  1.5 = daily budget as the action-norm bound; dynlin-ucb.md#baselines).
* D-Lin-UCB (lam = log T) [``dlb-dlinucb-log-t``]: the reference's
  ``LinearAgent(dlinucb=True, gamma=0.999999)``: the *undiscounted* Lin-UCB update; only
  beta's log-det term is discounted (dynlin-ucb.md#baselines). Reproduced as is and labelled.
* D-Lin-UCB (lam = 1) [``dlb-dlinucb-1``]: Russac et al. (2019) with gamma = 1 - 1e-9:
  ``lam_t = gamma^{-t} lam``, ``V <- gV + uu^T + (1-g) lam_t I``,
  ``Vt <- g^2 Vt + uu^T + (1-g^2) lam_t I``, ``b <- g b + u y``, index
  ``<u, hhat> + beta_t sqrt(u^T V^{-1} Vt V^{-1} u)``,
  ``beta_t = Theta sqrt(lam_t) + sigma sqrt(2 log T + d log(1 + 1.5^2 (1-g^{2t})/(d lam_t (1-g^2))))``.
* AR2 [``dlb-ar2``]: Chen et al. (arXiv 2210.16386) over the K arms with alpha = rho,
  ``Delta_ep = ceil(K alpha^{-3} sigma^{-3})``,
  ``c0 = sqrt(4 log(1/(alpha sigma)) + 4 log Delta_ep + 2 log(4K))``, ``c1 = 24 c0``
  (dynlin-ucb.md#baselines for the state machine).
* EXP3 [``dlb-exp3``]: ``gamma = min(1, sqrt(K ln K / ((e-1) 2T/3)))``, ``eta = gamma/K``,
  reward rescaled ``(y + 2M)/(4M)``, ``M = (Theta + Omega ||B|| / (1 - rho)) U``.
* Batch-EXP3 [``dlb-batch-exp3``]: EXP3 on batches of ``tau = ceil(log M_T / log(1/rho))``
  rounds (M_T = DynLin-UCB epochs covering T), batch-mean reward, T/tau in gamma.
* Expert [``dlb-expert``] (real data): the fixed allocation proportional to the config's
  spend vector, shares clipped to [0, 1/1.5] with the clipped mass redistributed over the
  others (the reference's one-pass clip-and-rescale), times 1.5. Not an element of U:
  ``act`` returns the action *vector*.
* Clairvoyant [``dlb-clairvoyant``]: holds ``u*`` (oracle); zero R_ss.

``reference_quirks`` (default False = clean version; dynlin-ucb.md#baselines):

* AR2: with quirks, arms are never removed from the triggered set (the reference's
  behaviour, so after the first trigger the agent alternates forever between ``i_sup`` and
  the earliest-triggered arms); clean: a triggered arm leaves the set when it is explored,
  and the set is emptied at a restart. No truncation ``B(.)`` in either version.
* Batch-EXP3: with quirks, the reward window of each EXP3 update is the reference's
  (updates after rounds ``1, 1 + tau, 1 + 2 tau, ...`` on the sum of the rewards since the
  previous update divided by tau, credited to the arm of the current batch, so a window
  straddles two batches and the first one holds 2 rounds); clean: one update per batch on
  the mean of its own tau rewards. (Found in the reference code.)

Modules: ``linucb``, ``dlinucb``, ``exp3``, ``batch_exp3``, ``ar2``, ``expert``,
``clairvoyant`` (one algorithm each, with its docstring and ``provenance``);
``fixed_action`` (the constant-action learner of Expert and Clairvoyant);
``reference_config`` (provenance prefix and fed DLB constants shared by all).

Decisions shared by all: rho is the real ``max |eig(A)|`` (dynlin-ucb.md#model; the reference passes
complex values to AR2/EXP3 on the real-data system); randomness (first random action,
EXP3 draws, AR2 tie-breaks) comes from the learner's Generator: EXP3 and AR2 draw one
uniform per round and Batch-EXP3 one per batch, in ``act`` and in ``fast_run`` alike, so the
two paths give identical numbers. EXP3 probabilities are computed with the largest
exponent subtracted (identical mathematically to the reference's plain exponentials).
"""

# isort: off
# Registration order (the registry lists learners in import order): as before the split.
from . import linucb, dlinucb, exp3, batch_exp3, ar2, expert, clairvoyant  # noqa: F401

# isort: on
from .ar2 import AR2, ar2_parameters, make_ar2
from .batch_exp3 import BatchExp3, batch_size, make_batch_exp3
from .clairvoyant import make_clairvoyant
from .dlinucb import DLinUCB, make_dlinucb, make_dlinucb_1, make_dlinucb_logT
from .exp3 import Exp3, exp3_rate, make_exp3
from .expert import expert_allocation, make_expert
from .fixed_action import FixedAction
from .linucb import make_linucb, make_linucb_1, make_linucb_logT

__all__ = [
    "Exp3",
    "BatchExp3",
    "AR2",
    "DLinUCB",
    "FixedAction",
    "expert_allocation",
    "make_linucb",
    "make_dlinucb",
    "make_ar2",
    "make_exp3",
    "make_batch_exp3",
    "make_expert",
    "make_clairvoyant",
    "make_linucb_logT",
    "make_linucb_1",
    "make_dlinucb_logT",
    "make_dlinucb_1",
    "exp3_rate",
    "batch_size",
    "ar2_parameters",
]

r"""Lin-UCB baselines of the DynLin-UCB experiments (docs/papers/dynlin-ucb.md#baselines).

* Lin-UCB (lam = log T) [``dlb-linucb-log-t``]: OFUL updated every round, fed the DLB
  constants, ``beta_t = c_h sqrt(lam) + sqrt(2 sigma~^2 (log(1/delta) + (d/2) log(1 + t U^2/(d lam))))``,
  delta = 1/T. Myopic: no persistence.
* Lin-UCB (lam = 1) [``dlb-linucb-1``]: reference ``LinUCBAgent``; constant
  ``beta = Theta sqrt(lam) + sqrt(2 log T + d log((d lam + T 1.5^2)/(d lam)))`` (sigma unused,
  1.5 = daily budget as the action-norm bound; dynlin-ucb.md#baselines).

Both are :class:`~mdpkit.algorithms.dynlin_ucb.LinearFamilyLearner` configurations (their
decision and update kernels are the DynLin-UCB ones, selected by the ``BETA_*`` constants of
:mod:`mdpkit.algorithms._dlb_kernels`).
"""

from __future__ import annotations

import math

import numpy as np

from ...experiments.registry import register_learner
from ...utils import check_positive_int
from .. import _dlb_kernels as K
from ..base import with_fast_switch
from ..dynlin_ucb import LinearFamilyLearner, _info_get, _real
from .reference_config import _PROV_CODE, _fed_constants


class _LinUCBLike(LinearFamilyLearner):
    provenance = (
        _PROV_CODE + "OFUL structure: Abbasi-Yadkori et al. 2011 (classical_baselines 1.3)."
    )


@register_learner("dlb-linucb")
@with_fast_switch
def make_linucb(env_info, rng, *, config="logT", beta_scale=1.0, norm_bound=1.5):
    """Lin-UCB as in the reference experiments (dynlin-ucb.md#baselines).

    ``config="logT"``: ``LinearAgent(linucb=True)``, lam = log T, fed DLB constants;
    ``config="1"``: ``LinUCBAgent``, lam = 1, constant beta with ``norm_bound`` (1.5).
    """
    T = check_positive_int(_info_get(env_info, "n_steps"), "env_info['n_steps']")
    X = _info_get(env_info, "features")
    d = np.asarray(X).shape[1]
    if config in ("logT", "log T"):
        rho, c = _fed_constants(env_info)
        return _LinUCBLike(
            X,
            T,
            rng,
            lam=math.log(T),
            beta_mode=K.BETA_LINUCB_FED,
            rho_bar=0.0,
            eps=1e-4,
            c_h=c["c_h"],
            sigma2_tilde=c["sigma2_tilde"],
            U_bar=_info_get(env_info, "U_bar"),
            beta_scale=beta_scale,
            h_true=env_info.get("oracle_h"),
            label="Lin-UCB (lambda=log T)",
        )
    if config in ("1", 1):
        lam = 1.0
        nb = _real(norm_bound, "norm_bound", low=0.0, low_open=True)
        beta = _info_get(env_info, "theta_norm") * math.sqrt(lam) + math.sqrt(
            2 * math.log(T) + d * math.log((d * lam + T * nb**2) / (d * lam))
        )
        return _LinUCBLike(
            X,
            T,
            rng,
            lam=lam,
            beta_mode=K.BETA_CONST,
            rho_bar=0.0,
            eps=1e-4,
            beta_const=beta,
            beta_scale=beta_scale,
            h_true=env_info.get("oracle_h"),
            label="Lin-UCB (lambda=1)",
        )
    raise ValueError(f"config must be 'logT' or '1', got {config!r}")


@register_learner("dlb-linucb-log-t")
def make_linucb_logT(env_info, rng, **kw):
    """Lin-UCB (lambda = log T), dynlin-ucb.md#baselines."""
    return make_linucb(env_info, rng, config="logT", **kw)


@register_learner("dlb-linucb-1")
def make_linucb_1(env_info, rng, **kw):
    """Lin-UCB (lambda = 1), dynlin-ucb.md#baselines."""
    return make_linucb(env_info, rng, config="1", **kw)

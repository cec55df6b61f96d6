r"""Weighted tallying bandit environment and its oracle (exact optimum, REO sandwich).

Paper page: ``docs/papers/weighted-tallying.md`` ("Setting", "Benchmark and regret").

:class:`TallyingBandit` samples a :class:`~mdpkit.models.tallying.TallyingInstance`. Each
round the learner plays ``a``; the env computes the played action's tally ``y`` from the
last m actions (the "none" sentinel before round 1), the mean loss ``f = f_a(y)`` and a loss
``l`` in [0, 1]:

* ``noise="bernoulli"`` (default): ``l = 1{U < f}``, ``U = rng.random()``;
* ``noise="clipped-gaussian"``: ``l = clip(f + sigma Z, 0, 1)``, ``Z = rng.standard_normal()``
  (``sigma = 0`` gives noise-free losses ``l = f``).

Sign convention (decision): ``pull`` returns the **reward** ``1 - l`` so that the runner's
``reward`` column is a reward, as for every other bandit env; the tallying learners turn it
back into the loss ``1 - r``. ``pseudo_regret(a) = f_a(y_t(a)) - mu*`` (asked before the
pull), so the runner's ``cum_regret`` at round t is ``sum_s f_{a_s}(y_s) - t mu*``, an upper
bound on the complete policy regret (CPR) because ``OPT_t >= t mu*`` under REO. The exact
CPR is ``cum_regret - (OPT_t - t mu*)`` with ``0 <= OPT_t - t mu* <= (m - 1)`` (REO
sandwich). The runner records the CPR columns itself through the env's hook
:meth:`TallyingBandit.extra_columns` (:func:`cpr_arrays`: the exact CPR by DP when it is
cheap, the bracketing lower end, the realised-loss version); :func:`cpr_columns` adds them
to a frame built otherwise.

Oracle: :func:`opt_values` computes ``OPT_t`` for t = 1..T exactly by dynamic programming
over the last m - 1 actions (m actions for the previous-round window), ``(K+1)^{m-1}``
states including the sentinel; :func:`reo_sandwich` gives ``[T mu*, T mu* + prefix]`` with
``prefix = cost(constant a*) - T mu* <= m - 1``.

The numba functions :func:`tally_of`, :func:`mean_loss`, :func:`draw_loss` and
:func:`push_action` are the single implementation of the sampling scheme: ``pull`` and every
learner's compiled whole-run loop call them.

Registered envs: ``"practice-makes-perfect"``, ``"random-reo-tallying"`` (instance drawn
from the env's stream before any loss) and ``"tallying-bandit"`` (explicit weights and knots).
Each takes ``M`` (the memory bound published to learners in ``env_info``; ``m > M`` is a
``ValueError``). ``env_info`` never contains m or w.
"""

from __future__ import annotations

import numbers
from typing import NamedTuple

import numpy as np
from numba import njit

from ..experiments.registry import register_env
from ..models.tallying import (
    TallyingInstance,
    check_reo,
    make_weights,
    practice_makes_perfect,
    random_reo_instance,
)
from ..utils import as_generator, check_positive_int

__all__ = [
    "TallyData",
    "TallyingBandit",
    "tally_of",
    "mean_loss",
    "draw_loss",
    "push_action",
    "env_step",
    "opt_values",
    "opt_value",
    "reo_sandwich",
    "cpr_columns",
    "cpr_arrays",
    "NOISES",
    "NONE_ACTION",
    "MAX_DP_WORK",
    "EXACT_CPR_WORK",
]

NOISES = ("bernoulli", "clipped-gaussian")
#: The "none" sentinel of the pre-history (no action was played before round 1).
NONE_ACTION = -1
#: Largest ``(K+1)^h * K * T`` the exact DP accepts.
MAX_DP_WORK = 2 * 10**8
#: Largest DP work the runner spends per run on the exact ``cpr`` column (~0.05 s).
EXACT_CPR_WORK = 10**7


class TallyData(NamedTuple):
    """Grouped kernel inputs of one instance + noise model.

    w (m,), W, window_offset (0: tally includes the current round; 1: previous m rounds),
    xs/vs (K, J) knots of the losses in u = y/W, n_knots (K,), bernoulli (bool), sigma,
    mu_star.
    """

    w: np.ndarray
    W: float
    window_offset: int
    xs: np.ndarray
    vs: np.ndarray
    n_knots: np.ndarray
    bernoulli: bool
    sigma: float
    mu_star: float


@njit(cache=True)
def tally_of(data, hist, a):
    """Tally of action ``a`` if played now; ``hist[j]`` = action j + 1 rounds back (-1 none).

    Weights are added in increasing index order (a saturated tally equals ``data.W``)."""
    m = data.w.shape[0]
    if data.window_offset == 0:
        y = data.w[0]
        for i in range(1, m):
            if hist[i - 1] == a:
                y += data.w[i]
    else:
        y = 0.0
        for i in range(m):
            if hist[i] == a:
                y += data.w[i]
    return y


@njit(cache=True)
def mean_loss(data, a, y):
    """``f_a(y)``: piecewise-linear interpolation of arm a's knots at ``u = y / W``."""
    u = y / data.W
    if u < 0.0:
        u = 0.0
    elif u > 1.0:
        u = 1.0
    J = data.n_knots[a]
    for j in range(1, J):
        x0 = data.xs[a, j - 1]
        x1 = data.xs[a, j]
        if u <= x1:
            v0 = data.vs[a, j - 1]
            return v0 + (data.vs[a, j] - v0) * ((u - x0) / (x1 - x0))
    return data.vs[a, J - 1]


@njit(cache=True)
def draw_loss(data, f, z):
    """Loss from mean ``f`` and the round's draw ``z`` (uniform if Bernoulli, else normal)."""
    if data.bernoulli:
        return 1.0 if z < f else 0.0
    v = f + data.sigma * z
    return min(max(v, 0.0), 1.0)


@njit(cache=True)
def push_action(hist, a):
    """Shift the history by one round and record ``a`` as the most recent action."""
    for j in range(hist.shape[0] - 1, 0, -1):
        hist[j] = hist[j - 1]
    hist[0] = a


@njit(cache=True)
def env_step(data, hist, a, z):
    """One round: ``(tally y, mean loss f, loss l)`` of playing ``a`` with draw ``z``; the
    history then records ``a``. The env's ``pull`` and every compiled loop call this."""
    y = tally_of(data, hist, a)
    f = mean_loss(data, a, y)
    loss = draw_loss(data, f, z)
    push_action(hist, a)
    return y, f, loss


# ----------------------------------------------------------------------------- DP oracle
@njit(cache=True)
def _dp_kernel(data, K, h, T, out):
    base = K + 1
    n_states = base**h
    cost = np.empty((n_states, K))
    for code in range(n_states):
        hist = np.empty(max(h, 1), dtype=np.int64)
        c = code
        for j in range(h):
            s = c % base
            c //= base
            hist[j] = NONE_ACTION if s == K else s
        for a in range(K):
            cost[code, a] = mean_loss(data, a, tally_of(data, hist, a))
    top = base ** (h - 1) if h > 0 else 1
    dist = np.full(n_states, np.inf)
    dist[n_states - 1] = 0.0  # all sentinels
    new = np.empty(n_states)
    for t in range(T):
        new[:] = np.inf
        for code in range(n_states):
            d = dist[code]
            if d == np.inf:
                continue
            rest = (code % top) * base if h > 0 else 0
            for a in range(K):
                nc = rest + a if h > 0 else 0
                v = d + cost[code, a]
                if v < new[nc]:
                    new[nc] = v
        dist[:] = new
        out[t] = dist.min()


def _data(inst: TallyingInstance, bernoulli=True, sigma=0.0) -> TallyData:
    return TallyData(
        np.ascontiguousarray(inst.w),
        inst.W,
        0 if inst.window == "current" else 1,
        np.ascontiguousarray(inst.xs),
        np.ascontiguousarray(inst.vs),
        np.ascontiguousarray(inst.n_knots),
        bool(bernoulli),
        float(sigma),
        inst.mu_star,
    )


def opt_values(inst: TallyingInstance, T: int) -> np.ndarray:
    """``OPT_t`` for t = 1..T (exact DP over the last m - 1 actions), shape (T,).

    Raises ValueError naming T when ``(K+1)^h K T`` exceeds :data:`MAX_DP_WORK`.
    """
    if not isinstance(inst, TallyingInstance):
        raise TypeError(f"inst must be a TallyingInstance, got {type(inst).__name__}")
    T = check_positive_int(T, "T")
    h = inst.m - 1 if inst.window == "current" else inst.m
    work = (inst.K + 1) ** h * inst.K * T
    if work > MAX_DP_WORK:
        raise ValueError(
            f"T = {T}: the exact DP needs (K+1)^{h} K T = {work:.3g} > "
            f"{MAX_DP_WORK:.3g} operations; use reo_sandwich"
        )
    out = np.empty(T)
    _dp_kernel(_data(inst), inst.K, h, T, out)
    return out


def opt_value(inst: TallyingInstance, T: int) -> float:
    """``OPT_T``: the smallest total mean loss over all action sequences of length T."""
    return float(opt_values(inst, T)[-1])


def reo_sandwich(inst: TallyingInstance, T: int) -> tuple[float, float]:
    """``(T mu*, cost of always playing a*)``, which bracket ``OPT_T`` on a REO instance
    (the upper end is ``<= T mu* + (m - 1)``). Raises ValueError for a non-REO instance."""
    check_reo(inst, "inst")
    T = check_positive_int(T, "T")
    return T * inst.mu_star, inst.constant_cost(inst.best_arm, T)


# ----------------------------------------------------------------------------- the env
class TallyingBandit:
    """Weighted tallying bandit (see the module docstring).

    Parameters
    ----------
    instance : TallyingInstance
    rng : Generator or int           the environment's stream (one draw per pull)
    noise : {"bernoulli", "clipped-gaussian"}, default "bernoulli"
    sigma : float >= 0, default 0.1  (clipped-gaussian only)
    M : int, optional                memory bound published to learners (``m <= M``)
    record : bool, default False     log the played action's tally of every round in
                                     ``tally_log`` (also filled by the compiled loops)
    require_reo : bool, default True refuse a non-REO instance (ValueError)
    """

    kind = "bandit"

    def __init__(
        self, instance, rng, *, noise="bernoulli", sigma=0.1, M=None, record=False, require_reo=True
    ):
        if not isinstance(instance, TallyingInstance):
            raise TypeError(f"instance must be a TallyingInstance, got {type(instance).__name__}")
        if require_reo:
            check_reo(instance, "instance")
        if noise not in NOISES:
            raise ValueError(f"noise must be one of {NOISES}, got {noise!r}")
        if isinstance(sigma, (bool, np.bool_)) or not isinstance(sigma, numbers.Real):
            raise TypeError(f"sigma must be a real number, got {type(sigma).__name__}")
        if not (np.isfinite(sigma) and sigma >= 0):
            raise ValueError(f"sigma must be finite and >= 0, got {sigma}")
        if M is not None:
            M = check_positive_int(M, "M")
            if instance.m > M:
                raise ValueError(f"M = {M} must be >= the memory m = {instance.m}")
        self.instance = instance
        self.M = M
        self.noise = noise
        self.sigma = float(sigma)
        self.n_actions = instance.K
        self.best_arm = instance.best_arm
        self.mu_star = instance.mu_star
        self.rng = as_generator(rng)
        self.record = bool(record)
        self.data = _data(instance, noise == "bernoulli", self.sigma)
        self.reset()

    def reset(self) -> None:
        """Forget the history (all "none"); the rng is not reset."""
        self.hist = np.full(self.instance.m, NONE_ACTION, dtype=np.int64)
        self.t = 0
        self._log: list = []
        self._log_array = None

    # ---------------------------------------------------------------- oracle side
    def _check_arm(self, a) -> int:
        if isinstance(a, (bool, np.bool_)) or not isinstance(a, numbers.Integral):
            raise TypeError(f"arm must be an integer, got {type(a).__name__}")
        if not 0 <= a < self.n_actions:
            raise ValueError(f"arm must be in [0, n_actions={self.n_actions}), got {a}")
        return int(a)

    def tally(self, a) -> float:
        """Tally ``y_t(a)`` that action ``a`` would have if played this round."""
        return float(tally_of(self.data, self.hist, self._check_arm(a)))

    def mean_loss(self, a) -> float:
        """``f_a(y_t(a))`` this round."""
        a = self._check_arm(a)
        return float(mean_loss(self.data, a, tally_of(self.data, self.hist, a)))

    def pseudo_regret(self, a) -> float:
        """``f_a(y_t(a)) - mu*`` (>= 0 on a REO instance)."""
        return self.mean_loss(a) - self.mu_star

    def _draw(self) -> float:
        return self.rng.random() if self.data.bernoulli else self.rng.standard_normal()

    def draws(self, n: int) -> np.ndarray:
        """The next ``n`` draws of the env stream, as ``n`` pulls would take them."""
        return self.rng.random(n) if self.data.bernoulli else self.rng.standard_normal(n)

    def pull(self, a) -> float:
        """Play ``a``: returns the reward ``1 - loss`` and advances the history."""
        a = self._check_arm(a)
        y, _, loss = env_step(self.data, self.hist, a, self._draw())
        self.t += 1
        if self.record:
            self._log.append(y)
        return 1.0 - loss

    @property
    def tally_log(self) -> np.ndarray:
        """Played action's tally per round (``record=True``), shape (t,)."""
        if self._log_array is not None:
            return self._log_array
        return np.array(self._log, dtype=np.float64)

    def set_tally_log(self, arr) -> None:
        """Used by compiled loops to hand back their tally log."""
        self._log_array = np.asarray(arr, dtype=np.float64)

    def env_info(self) -> dict:
        info = {
            "kind": "bandit",
            "n_actions": self.n_actions,
            "reward_range": (0.0, 1.0),
            "feedback": "reward = 1 - loss",
            "oracle_best_arm": self.best_arm,
        }
        if self.M is not None:
            info["M"] = self.M
        return info

    def opt_bounds(self, T: int) -> tuple[float, float]:
        """REO sandwich ``(T mu*, cost(constant a*))`` of ``OPT_T``."""
        return reo_sandwich(self.instance, T)

    def extra_columns(self, cols: dict) -> dict:
        """The runner's env-side hook (called once per finished run, fast and generic paths
        alike): the CPR columns of :func:`cpr_arrays` from ``cols["regret"]`` and
        ``cols["reward"]``, the exact ``cpr`` only when the DP's work is at most
        :data:`EXACT_CPR_WORK` (NaN otherwise)."""
        return cpr_arrays(self.instance, cols["regret"], cols["reward"], max_work=EXACT_CPR_WORK)


# ----------------------------------------------------------------------------- CPR columns
def _best_prefix_excess(inst: TallyingInstance) -> np.ndarray:
    """``sum_{s<=t} (f_{a*}(tally of s constant plays) - mu*)`` for t = 1..h, shape (h,)
    (h = m - 1 current window, m previous); constant beyond h."""
    h = inst.m - 1 if inst.window == "current" else inst.m
    if h == 0:
        return np.zeros(0)
    t = np.arange(1, h + 1)
    n_in_window = np.minimum(t, inst.m) if inst.window == "current" else np.minimum(t - 1, inst.m)
    cw = np.concatenate([[0.0], np.cumsum(inst.w)])
    return np.cumsum(np.asarray(inst.loss(inst.best_arm, cw[n_in_window])) - inst.mu_star)


def cpr_arrays(
    inst: TallyingInstance, regret, reward, exact: bool | None = None, max_work: int = MAX_DP_WORK
) -> dict:
    """CPR columns of one run of T rounds from its per-round ``regret`` (``f - mu*``) and
    ``reward`` (``1 - loss``), each shape (T,); returns arrays of shape (T,), at round k:

    * ``cpr_lower`` = ``sum f - cost_k(constant a*)`` (<= CPR <= ``cum_regret``, the
      runner's column, = ``sum f - k mu*``);
    * ``cpr`` = ``sum f - OPT_k`` exactly (DP) when ``exact`` (default: when the DP's work
      ``(K+1)^h K T <= max_work``); NaN otherwise;
    * ``loss_cpr_upper`` = ``sum_s l_s - k mu*`` with ``l_s = 1 - reward`` (realised-loss
      version against ``k mu* <= OPT_k``).
    """
    regret = np.asarray(regret, dtype=np.float64)
    reward = np.asarray(reward, dtype=np.float64)
    if regret.ndim != 1 or regret.shape != reward.shape or regret.size < 1:
        raise ValueError(
            f"regret and reward must have the same shape (T,), T >= 1; got "
            f"{regret.shape} and {reward.shape}"
        )
    T = regret.size
    h = inst.m - 1 if inst.window == "current" else inst.m
    if exact is None:
        exact = (inst.K + 1) ** h * inst.K * T <= max_work
    k = np.arange(1, T + 1)
    cum = np.cumsum(regret, dtype=np.float64)
    pre = _best_prefix_excess(inst)
    extra = pre[np.minimum(k, h) - 1] if h > 0 else np.zeros(T)
    out = {"cpr_lower": cum - extra}
    out["cpr"] = cum + k * inst.mu_star - opt_values(inst, T) if exact else np.full(T, np.nan)
    out["loss_cpr_upper"] = np.cumsum((1.0 - reward) - inst.mu_star)
    return out


def cpr_columns(frame, env: TallyingBandit, exact: bool | None = None):
    """Add CPR columns to a runner frame of a tallying env (one or more seeds): ``cpr_upper``
    (= ``cum_regret``) and the columns of :func:`cpr_arrays` (exact ``cpr`` when the DP fits
    :data:`MAX_DP_WORK`), seed by seed. The runner itself records ``cpr_lower``, ``cpr`` and
    ``loss_cpr_upper`` (:meth:`TallyingBandit.extra_columns`); this function serves frames
    built otherwise. For a frame from a random-instance env, pass the env of that seed.
    """
    out = frame.copy()
    out["cpr_upper"] = out["cum_regret"]
    cols = {"cpr_lower": [], "cpr": [], "loss_cpr_upper": []}
    for _, g in out.groupby("seed", sort=False):
        arr = cpr_arrays(env.instance, g["regret"].to_numpy(), g["reward"].to_numpy(), exact)
        for key in cols:
            cols[key].append(arr[key])
    for key, parts in cols.items():
        out[key] = np.concatenate(parts)
    return out


# ----------------------------------------------------------------------------- factories
def _noise_args(noise, sigma):
    return dict(noise=noise, sigma=sigma)


@register_env("practice-makes-perfect")
def make_practice_makes_perfect(
    rng,
    *,
    K=5,
    m=10,
    M=None,
    gamma=None,
    w=None,
    window="current",
    noise="bernoulli",
    sigma=0.1,
    record=False,
) -> TallyingBandit:
    """Practice-makes-perfect instance (a* = 0); ``M`` defaults to m."""
    inst = practice_makes_perfect(K, m, gamma=gamma, w=w, window=window)
    return TallyingBandit(
        inst, rng, M=inst.m if M is None else M, record=record, **_noise_args(noise, sigma)
    )


@register_env("random-reo-tallying")
def make_random_reo_tallying(
    rng,
    *,
    K=5,
    m=5,
    M=None,
    gamma=None,
    w=None,
    window="current",
    noise="bernoulli",
    sigma=0.1,
    record=False,
) -> TallyingBandit:
    """Random REO instance drawn from the env's stream (a* at a random index)."""
    rng = as_generator(rng)
    inst = random_reo_instance(K, m, rng, gamma=gamma, w=w, window=window)
    return TallyingBandit(
        inst, rng, M=inst.m if M is None else M, record=record, **_noise_args(noise, sigma)
    )


@register_env("tallying-bandit")
def make_tallying_bandit(
    rng,
    *,
    w,
    knots,
    M=None,
    window="current",
    noise="bernoulli",
    sigma=0.1,
    record=False,
    require_reo=True,
) -> TallyingBandit:
    """Explicit instance: weights ``w`` (m,) and per-arm knots ``[[x...], [v...]]``."""
    w = make_weights(None, w=w)
    inst = TallyingInstance(w, knots, window)
    return TallyingBandit(
        inst,
        rng,
        M=inst.m if M is None else M,
        record=record,
        require_reo=require_reo,
        **_noise_args(noise, sigma),
    )

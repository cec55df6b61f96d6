r"""Dynamical linear bandits (DLB): a MIMO linear time-invariant system with hidden state.

Setting (docs/papers/dynlin-ucb.md#model; Mussi, Metelli, Restelli,
"Dynamical Linear Bandits", ICML 2023). Hidden state ``x_t in R^n``, action ``u_t in U``
(finite set of vectors in ``R^d``), ``m`` outputs summed into the scalar reward::

    y_t     = 1^T (C x_t + D u_t + eta_t)  = <omega, x_t> + <theta, u_t> + 1^T eta_t
    x_{t+1} = A x_t + B u_t + eps_t,          x_1 = 0,

with ``omega = C^T 1``, ``theta = D^T 1``, ``eps_t ~ N(0, sigma_state^2 I_n)`` and
``eta_t ~ N(0, sigma^2 I_m)`` (so the reward noise has variance ``m sigma^2``, dynlin-ucb.md#model).
The reward of round t uses the pre-update state (dynlin-ucb.md#model, "ordering").

Oracle quantities (dynlin-ucb.md#model):

* cumulative Markov parameter ``h = theta + B^T (I - A)^{-T} omega`` (shape (d,));
* steady-state value of a constant action ``J(u) = h^T u`` and the optimal constant action
  ``u* = argmax_{u in U} h^T u`` (first index on ties), ``J* = h^T u*``;
* ``pseudo_regret(a) = J* - h^T u_a``: the steady-state gap ``R_ss`` of the plots
  (dynlin-ucb.md#model);
* the regret with transients ``J* - E[y_t]``, from a noise-free shadow copy of the state
  that follows the same actions (dynlin-ucb.md#model): :meth:`DynamicalLinearBandit.expected_regret`
  along a whole action sequence, or :attr:`DynamicalLinearBandit.last_expected_reward`
  after each :meth:`pull`.

Randomness: each :meth:`pull` draws one standard normal vector of length ``n + m`` from the
environment's Generator (state noise first, then output noise), so a run of T pulls
consumes exactly ``rng.standard_normal((T, n + m))``; the learners' ``fast_run`` kernels use
that array and give bit-identical trajectories.

Instances (dynlin-ucb.md#instances): :func:`budget_actions` (the 6 vertices, in the order
``np.unique`` gives them in the reference driver), :func:`synthetic_dlb` (sigma in {0.001, 0.01,
0.1}) and
:func:`realdata_dlb` (the system identified from advertising data, public matrices).

Decisions: ``phi`` (Phi(A)) is computed as the reference code does,
``max_{i=1..999} ||A^i||_2 / rho^i`` (dynlin-ucb.md#model), with the convention ``Phi = 1`` when
``A = 0``; a nonzero nilpotent A has no finite Phi and gives ``phi = inf``. ``rho`` is the
real number ``max |eig(A)|`` (dynlin-ucb.md#model).
"""

from __future__ import annotations

import numbers

import numpy as np
from numba import njit

from ..experiments.registry import register_env
from ..utils import as_generator

__all__ = [
    "DynamicalLinearBandit",
    "budget_actions",
    "synthetic_dlb",
    "realdata_dlb",
    "spectral_radius",
    "phi_constant",
    "cumulative_markov",
    "SYNTHETIC_MATRICES",
    "REALDATA_MATRICES",
    "REALDATA_EXPERT",
    "dlb_step",
    "dlb_shadow_step",
    "simulate_constant",
    "transient_expected_rewards",
]


# --------------------------------------------------------------------------- system
@njit(cache=True)
def dlb_step(A, omega, x, Bu_a, thetau_a, sigma_state, sigma_out, z, buf):
    """One round of the LTI system (dynlin-ucb.md#model), in place on ``x``; returns the reward.

    Parameters
    ----------
    A : ndarray, shape (n, n)
    omega : ndarray, shape (n,)      ``C^T 1``
    x : ndarray, shape (n,)          current state, overwritten with the next state
    Bu_a : ndarray, shape (n,)       ``B u`` of the played action
    thetau_a : float                 ``<theta, u>`` of the played action
    sigma_state, sigma_out : float   noise standard deviations
    z : ndarray, shape (n + m,)      standard normals: state noise first, then output noise
    buf : ndarray, shape (n,)        scratch space (no allocation per round)
    """
    n = x.shape[0]
    y = thetau_a
    for i in range(n):
        y += omega[i] * x[i]
    s = 0.0
    for j in range(n, z.shape[0]):
        s += z[j]
    y += sigma_out * s
    for i in range(n):
        acc = Bu_a[i] + sigma_state * z[i]
        for j in range(n):
            acc += A[i, j] * x[j]
        buf[i] = acc
    for i in range(n):
        x[i] = buf[i]
    return y


@njit(cache=True)
def dlb_shadow_step(A, omega, xbar, Bu_a, thetau_a):
    """Noise-free shadow round (dynlin-ucb.md#model): returns ``E[y_t] = <omega, xbar_t> + <theta, u_t>``
    and advances ``xbar`` in place by ``xbar <- A xbar + B u``."""
    n = xbar.shape[0]
    ey = thetau_a
    for i in range(n):
        ey += omega[i] * xbar[i]
    xn = np.empty(n)
    for i in range(n):
        acc = Bu_a[i]
        for j in range(n):
            acc += A[i, j] * xbar[j]
        xn[i] = acc
    for i in range(n):
        xbar[i] = xn[i]
    return ey


@njit(cache=True)
def simulate_constant(A, omega, x0, Bu_a, thetau_a, n_steps):
    """Noise-free rewards ``E[y_t]``, t = 1..n_steps, holding one action from state x0.

    Returns
    -------
    ndarray, shape (n_steps,)
    """
    x = x0.copy()
    out = np.empty(n_steps)
    for t in range(n_steps):
        out[t] = dlb_shadow_step(A, omega, x, Bu_a, thetau_a)
    return out


@njit(cache=True)
def transient_expected_rewards(A, omega, Bu, thetau, actions, x0):
    """Expected rewards ``E[y_t | u_1..u_t]`` along an action sequence (noise-free shadow).

    Parameters
    ----------
    Bu : ndarray, shape (K, n); thetau : ndarray, shape (K,)
    actions : int ndarray, shape (T,)
    x0 : ndarray, shape (n,)

    Returns
    -------
    ndarray, shape (T,)
    """
    x = x0.copy()
    T = actions.shape[0]
    out = np.empty(T)
    for t in range(T):
        a = actions[t]
        out[t] = dlb_shadow_step(A, omega, x, Bu[a], thetau[a])
    return out


# --------------------------------------------------------------------------- helpers
def _as_matrix(value, name, shape=None):
    try:
        arr = np.array(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a real array") from None
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a 2-d array, got shape {arr.shape}")
    if shape is not None:
        for got, want in zip(arr.shape, shape):
            if want is not None and got != want:
                raise ValueError(f"{name} must have shape {tuple(shape)}, got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    return arr


def _as_sigma(value, name):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be finite and >= 0, got {value}")
    return value


def spectral_radius(A) -> float:
    """``max |eig(A)|`` (a real number, dynlin-ucb.md#model)."""
    A = np.asarray(A, dtype=np.float64)
    if A.size == 0:
        return 0.0
    return float(np.max(np.abs(np.linalg.eigvals(A))))


def phi_constant(A, rho: float | None = None, n_terms: int = 999) -> float:
    """``Phi(A) = max_{i=1..n_terms} ||A^i||_2 / rho(A)^i`` as in the reference code (dynlin-ucb.md#model).

    Computed on ``A / rho`` to avoid underflow. ``A = 0`` gives 1 (the ``tau = 0`` term of
    the paper's sup); a nonzero nilpotent A gives ``inf``.
    """
    A = np.asarray(A, dtype=np.float64)
    if rho is None:
        rho = spectral_radius(A)
    if rho <= 1e-12:
        return 1.0 if np.all(A == 0) else float("inf")
    M = A / rho
    P = np.eye(A.shape[0])
    best = 0.0
    for _ in range(n_terms):
        P = P @ M
        best = max(best, float(np.linalg.norm(P, 2)))
    return best


def cumulative_markov(A, B, omega, theta) -> np.ndarray:
    """``h = theta + B^T (I - A)^{-T} omega`` (dynlin-ucb.md#model), shape (d,)."""
    n = A.shape[0]
    return theta + B.T @ np.linalg.solve((np.eye(n) - A).T, omega)


def budget_actions(
    p: int = 3, daily_budget: float = 1.5, max_camp: float = 1.0, min_camp: float = 0.0
) -> np.ndarray:
    """The finite action set of dynlin-ucb.md#instances: greedy fills of a daily budget over ``p`` campaigns,
    one per permutation of the fill order, deduplicated and sorted (``np.unique(axis=0)``,
    the order of the reference driver, which fixes the first-index tie-breaking).

    Returns
    -------
    ndarray, shape (K, p); for the defaults the 6 permutations of (1, 0.5, 0).
    """
    import itertools

    rows = []
    for perm in itertools.permutations(range(p)):
        budget = daily_budget - p * min_camp
        u = np.full(p, float(min_camp))
        for i in range(p):
            delta = min(budget, max_camp - u[perm[i]])
            u[perm[i]] += delta
            budget -= delta
        rows.append(u)
    return np.unique(np.array(rows), axis=0)


# --------------------------------------------------------------------------- environment
class DynamicalLinearBandit:
    """Dynamical linear bandit environment with oracle (dynlin-ucb.md#model; section "Bandit envs" of
    ``docs/ARCHITECTURE.md``).

    Parameters
    ----------
    A : array, shape (n, n)   state matrix, spectral radius < 1 required
    B : array, shape (n, d)   input matrix
    C : array, shape (m, n)   output matrix
    D : array, shape (m, d)   feedthrough matrix
    actions : array, shape (K, d)   finite action set U
    sigma : float             output-noise standard deviation (per output coordinate)
    rng : Generator or int    the environment's random stream (noise)
    state_sigma : float, optional   state-noise standard deviation (default ``sigma``)
    name : str, optional

    Attributes
    ----------
    n, d, m, n_actions : int
    features : ndarray (K, d)       the action set (linear-bandit interface)
    omega, theta : ndarray (n,), (d,)
    h : ndarray (d,)                cumulative Markov parameter
    means : ndarray (K,)            steady-state values ``h^T u_k``
    best_arm : int ; best_mean : float (J*) ; u_star : ndarray (d,)
    gaps : ndarray (K,)             ``J* - means``
    rho, phi, omega_norm, theta_norm, B_norm, U_bar : float   constants of dynlin-ucb.md#model
    Bu : ndarray (K, n) ; thetau : ndarray (K,)   per-arm ``B u_k`` and ``<theta, u_k>``
    """

    kind = "bandit"
    #: ``pull`` / ``pseudo_regret`` also take an action vector of shape (d,) (the runner
    #: passes such actions through).
    accepts_action_vectors = True

    def __init__(
        self, A, B, C, D, actions, sigma, rng, *, state_sigma=None, name="dlb", expert=None
    ):
        A = _as_matrix(A, "A")
        n = A.shape[0]
        if A.shape != (n, n):
            raise ValueError(f"A must be square, got shape {A.shape}")
        B = _as_matrix(B, "B", (n, None))
        d = B.shape[1]
        C = _as_matrix(C, "C", (None, n))
        m = C.shape[0]
        D = _as_matrix(D, "D", (m, d))
        X = _as_matrix(actions, "actions", (None, d))
        if X.shape[0] < 1:
            raise ValueError("actions must contain at least one action")
        rho = spectral_radius(A)
        if not rho < 1.0:
            raise ValueError(f"A must be stable: spectral radius rho(A) = {rho:.6g} >= 1")
        self.sigma = _as_sigma(sigma, "sigma")
        self.state_sigma = (
            self.sigma if state_sigma is None else _as_sigma(state_sigma, "state_sigma")
        )
        self.rng = as_generator(rng)
        self.name = str(name)
        self.A, self.B, self.C, self.D = A, B, C, D
        self.n, self.d, self.m = n, d, m
        self.features = X
        self.n_actions = X.shape[0]
        self.omega = C.T @ np.ones(m)
        self.theta = D.T @ np.ones(m)
        self.h = cumulative_markov(A, B, self.omega, self.theta)
        self.means = X @ self.h
        self.best_arm = int(np.argmax(self.means))
        self.best_mean = float(self.means[self.best_arm])
        self.u_star = X[self.best_arm].copy()
        self.gaps = self.best_mean - self.means
        self.myopic_arm = int(np.argmax(X @ self.theta))
        self.rho = rho
        self.phi = phi_constant(A, rho)
        self.omega_norm = float(np.linalg.norm(self.omega))
        self.theta_norm = float(np.linalg.norm(self.theta))
        self.B_norm = float(np.linalg.norm(B, 2))
        self.U_bar = float(np.max(np.linalg.norm(X, axis=1)))
        self.Bu = np.ascontiguousarray(X @ B.T)
        self.thetau = np.ascontiguousarray(X @ self.theta)
        self.expert = None if expert is None else np.asarray(expert, dtype=np.float64)
        self.reset()

    # ------------------------------------------------------------------ interaction
    def reset(self):
        """State and shadow state back to ``x_1 = 0``; returns None (no observation)."""
        self.x = np.zeros(self.n)
        self.xbar = np.zeros(self.n)
        self._buf = np.zeros(self.n)
        self.t = 0
        self.last_expected_reward = np.nan

    def _arm(self, a):
        """(Bu, thetau) of an arm index or an action vector of shape (d,)."""
        if isinstance(a, (numbers.Integral, np.integer)) and not isinstance(a, (bool, np.bool_)):
            if not 0 <= a < self.n_actions:
                raise ValueError(f"a must be in [0, {self.n_actions}), got {a}")
            return self.Bu[a], float(self.thetau[a]), float(self.means[a])
        u = np.asarray(a, dtype=np.float64)
        if u.shape != (self.d,) or not np.all(np.isfinite(u)):
            raise ValueError(
                f"a must be an arm index or a finite action vector of shape ({self.d},)"
            )
        return self.B @ u, float(self.theta @ u), float(self.h @ u)

    def pull(self, a) -> float:
        """Play arm ``a`` (index, or an action vector of shape (d,)) for one round; returns
        the reward ``y_t`` and advances the hidden state (and the noise-free shadow)."""
        Bu_a, thetau_a, _ = self._arm(a)
        z = self.rng.standard_normal(self.n + self.m)
        self.last_expected_reward = float(
            dlb_shadow_step(self.A, self.omega, self.xbar, Bu_a, thetau_a)
        )
        y = dlb_step(
            self.A, self.omega, self.x, Bu_a, thetau_a, self.state_sigma, self.sigma, z, self._buf
        )
        self.t += 1
        return float(y)

    def draw_noise(self, n_steps: int) -> np.ndarray:
        """The standard normals of the next ``n_steps`` pulls, shape (n_steps, n + m), drawn
        from the environment's stream exactly as ``n_steps`` calls of :meth:`pull` would."""
        return self.rng.standard_normal((int(n_steps), self.n + self.m))

    # ------------------------------------------------------------------ oracle
    def pseudo_regret(self, a) -> float:
        """Steady-state gap ``J* - h^T u_a`` (dynlin-ucb.md#model, ``R_ss``); >= 0 for arms of U."""
        return self.best_mean - self._arm(a)[2]

    def steady_state(self, u) -> np.ndarray:
        """``x_inf(u) = (I - A)^{-1} B u`` (dynlin-ucb.md#model), shape (n,)."""
        u = np.asarray(u, dtype=np.float64)
        return np.linalg.solve(np.eye(self.n) - self.A, self.B @ u)

    def markov_parameters(self, k: int) -> np.ndarray:
        """``h_0 = theta, h_j = B^T (A^T)^{j-1} omega``, j = 0..k-1; shape (k, d)."""
        out = np.empty((k, self.d))
        if k > 0:
            out[0] = self.theta
        v = self.omega.copy()
        for j in range(1, k):
            out[j] = self.B.T @ v
            v = self.A.T @ v
        return out

    def expected_regret(self, actions) -> np.ndarray:
        """Per-round regret with transients ``J* - E[y_t]`` along an int action sequence,
        from a noise-free shadow state starting at ``x_1 = 0`` (dynlin-ucb.md#model); shape (T,)."""
        acts = np.asarray(actions)
        if acts.ndim != 1 or not np.issubdtype(acts.dtype, np.integer):
            raise ValueError("actions must be a 1-d integer array of arm indices")
        if acts.size and (acts.min() < 0 or acts.max() >= self.n_actions):
            raise ValueError(f"actions must be in [0, {self.n_actions})")
        ey = transient_expected_rewards(
            self.A, self.omega, self.Bu, self.thetau, acts.astype(np.int64), np.zeros(self.n)
        )
        return self.best_mean - ey

    def learner_constants(self) -> dict:
        """The true constants DynLin-UCB and the baselines are fed in dynlin-ucb.md#radius-and-epochs, #baselines."""
        return {
            "rho": self.rho,
            "phi": self.phi,
            "omega_norm": self.omega_norm,
            "theta_norm": self.theta_norm,
            "B_norm": self.B_norm,
            "U_bar": self.U_bar,
            "sigma": self.sigma,
        }

    def env_info(self) -> dict:
        """What a learner may know (``docs/ARCHITECTURE.md``): arms, features, noise level
        and the system constants of dynlin-ucb.md#radius-and-epochs (true values, as in the reference runs)."""
        info = {
            "kind": "bandit",
            "n_actions": self.n_actions,
            "features": self.features.copy(),
            "noise_std": self.sigma,
            "dlb": True,
            **self.learner_constants(),
        }
        if self.expert is not None:
            info["expert"] = self.expert.copy()
        # oracle entries: only the Clairvoyant reference and diagnostics read them
        info["oracle_h"] = self.h.copy()
        info["oracle_best_arm"] = self.best_arm
        return info

    def __repr__(self):
        return (
            f"DynamicalLinearBandit(name={self.name!r}, n={self.n}, d={self.d}, m={self.m}, "
            f"K={self.n_actions}, rho={self.rho:.4g}, sigma={self.sigma:g})"
        )


# --------------------------------------------------------------------------- instances
#: dynlin-ucb.md#instances (config/testcase_synt_sigma*.json of the reference code)
SYNTHETIC_MATRICES = {
    "A": np.diag([0.2, 0.0, 0.1]),
    "B": np.diag([0.45, 0.0, 0.1]),
    "C": np.diag([1.0, 0.0, 0.1]),
    "D": np.diag([0.0, 0.5, 0.1]),
}
#: dynlin-ucb.md#instances (config/testcase_realdata.json)
REALDATA_MATRICES = {
    "A": np.array([[0.38, 0.33, 0.6], [0.07, 0.76, -0.54], [0.18, 0.34, 0.05]]),
    "B": np.array([[0.14, 0.34, -0.05], [-0.17, 0.03, -0.01], [0.04, -0.09, 0.17]]),
    "C": np.array([[0.25, -0.14, 0.01], [-0.55, 0.2, -0.13], [-0.31, -0.1, -0.01]]),
    "D": np.array([[0.11, 0.1, 0.01], [0.01, 0.36, 0.01], [0.01, -0.05, 0.0]]),
}
#: the expert's spend vector of the real-data config (dynlin-ucb.md#baselines, Expert)
REALDATA_EXPERT = np.array([1641952.0, 259591273.0, 716354611.0])


def synthetic_dlb(sigma: float = 0.01, rng=0) -> DynamicalLinearBandit:
    """The synthetic instance of dynlin-ucb.md#instances (rho = 0.2, u* = (1, .5, 0), J* = 0.8125)."""
    M = SYNTHETIC_MATRICES
    return DynamicalLinearBandit(
        M["A"],
        M["B"],
        M["C"],
        M["D"],
        budget_actions(),
        sigma,
        rng,
        name=f"dlb-synthetic-sigma{sigma:g}",
    )


def realdata_dlb(sigma: float = 0.01, rng=0) -> DynamicalLinearBandit:
    """The real-data-derived instance of dynlin-ucb.md#instances (rho = 0.6669, u* = (1, 0, .5),
    J* = 0.304586); carries the expert's spend vector for the Expert baseline."""
    M = REALDATA_MATRICES
    return DynamicalLinearBandit(
        M["A"],
        M["B"],
        M["C"],
        M["D"],
        budget_actions(),
        sigma,
        rng,
        name="dlb-realdata",
        expert=REALDATA_EXPERT,
    )


# --------------------------------------------------------------------------- registry
@register_env("dlb-synthetic")
def make_dlb_synthetic(rng, *, sigma=0.01) -> DynamicalLinearBandit:
    """Synthetic DLB of dynlin-ucb.md#instances (``sigma`` in {0.001, 0.01, 0.1} in the paper's configs)."""
    return synthetic_dlb(sigma, as_generator(rng))


@register_env("dlb-realdata")
def make_dlb_realdata(rng, *, sigma=0.01) -> DynamicalLinearBandit:
    """Real-data-derived DLB of dynlin-ucb.md#instances."""
    return realdata_dlb(sigma, as_generator(rng))


@register_env("dlb")
def make_dlb(
    rng, *, A, B, C, D, actions=None, sigma=0.01, state_sigma=None
) -> DynamicalLinearBandit:
    """A DLB from explicit matrices; ``actions`` defaults to :func:`budget_actions` (d = 3)."""
    if actions is None:
        actions = budget_actions()
    return DynamicalLinearBandit(
        A, B, C, D, actions, sigma, as_generator(rng), state_sigma=state_sigma
    )

r"""Linear mixture MDPs: :class:`LinearMixtureMDP` and the generators :func:`hard_lm`,
:func:`rand_lm` (paper page ``docs/papers/linear-mixture.md``, sections "Setting" and
"Instances").

A linear mixture MDP has a finite state set (S states), A actions, horizon H, a known
feature map :math:`\phi(s' \mid s, a) \in \mathbb R^d` and an unknown parameter
:math:`\theta^*` with

.. math:: P(s' \mid s, a) = \langle \phi(s' \mid s, a), \theta^* \rangle,
          \qquad \phi_V(s, a) = \sum_{s'} \phi(s' \mid s, a) V(s'),
          \qquad [PV](s, a) = \langle \phi_V(s, a), \theta^* \rangle .

Transitions are time-homogeneous; the initial state is a fixed ``s1``. The model is data:
it validates, converts exactly to a finite-horizon :class:`~mdpkit.TabularMDP`
(:meth:`LinearMixtureMDP.to_tabular`) so every exact solver, ``evaluate`` and
``occupancy`` apply, and computes value-targeted features exactly
(:meth:`LinearMixtureMDP.phi_V`).

Conditions checked (each failure is a ``ValueError`` naming the offending index):

* every mixed row :math:`\langle \phi(\cdot\mid s,a), \theta^*\rangle` is a distribution
  (entries >= -1e-12, sum 1 within 1e-10);
* :math:`\|\theta^*\|_2 \le B`;
* :math:`\|\phi_V(s,a)\|_2 \le 1 + 10^{-12}` for every :math:`V: S\to[0,1]`; the map
  :math:`V\mapsto\|\phi_V\|` is convex, so its maximum over the cube is attained at a vertex
  and is checked exactly by enumerating :math:`\{0,1\}^S` (S <= 16); for larger S the
  check raises a ``ValueError`` asking for ``check_norm=False``.
* rewards passed to :meth:`to_tabular` / :func:`max_trajectory_reward` may be required to
  have trajectory totals <= 1 (the horizon-free setting).
"""

from __future__ import annotations

import itertools
import numbers

import numpy as np

from ..utils import as_generator
from .tabular import TabularMDP

__all__ = [
    "LinearMixtureMDP",
    "hard_lm",
    "rand_lm",
    "max_trajectory_reward",
    "check_rewards",
    "NORM_ATOL",
    "ENUM_MAX_S",
]

NORM_ATOL = 1e-12
ROW_ATOL = 1e-10
ENUM_MAX_S = 16


def _int(value, name, low):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    if value < low:
        raise ValueError(f"{name} must be >= {low}, got {value}")
    return int(value)


def _real(value, name, low=None, high=None, low_open=False, high_open=False):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    v = float(value)
    if not np.isfinite(v):
        raise ValueError(f"{name} must be finite, got {v}")
    if low is not None and (v <= low if low_open else v < low):
        raise ValueError(f"{name} must be {'>' if low_open else '>='} {low}, got {v}")
    if high is not None and (v >= high if high_open else v > high):
        raise ValueError(f"{name} must be {'<' if high_open else '<='} {high}, got {v}")
    return v


def max_phi_norm(phi: np.ndarray) -> tuple[float, tuple[int, int]]:
    r"""``max_{V in {0,1}^S} max_{s,a} ||phi_V(s, a)||_2`` and the maximising (s, a).

    Exact maximum over all ``V: S -> [0, 1]`` (convexity: attained at a vertex).
    ``phi`` : ndarray, shape (S, A, S, d).
    """
    S, A, _, d = phi.shape
    if S > ENUM_MAX_S:
        raise ValueError(
            f"phi norm check enumerates 2^S vertices; S = {S} > {ENUM_MAX_S}: "
            "pass check_norm=False and verify the norm condition yourself"
        )
    verts = np.array(list(itertools.product((0.0, 1.0), repeat=S)))  # (2^S, S)
    pv = np.einsum("satd,vt->savd", phi, verts)
    n = np.sqrt((pv**2).sum(-1)).max(axis=2)  # (S, A)
    idx = np.unravel_index(int(np.argmax(n)), n.shape)
    return float(n[idx]), (int(idx[0]), int(idx[1]))


def max_trajectory_reward(P: np.ndarray, R: np.ndarray, s1: int) -> float:
    """Largest total reward ``sum_h R_h(s_h, a_h)`` over trajectories from ``s1`` that have
    positive probability under ``P`` (any actions).

    P : ndarray, shape (S, A, S); R : ndarray, shape (H, S, A).
    """
    H, S, A = R.shape
    supp = P > 0
    W = np.zeros(S)
    for h in range(H - 1, -1, -1):
        nxt = np.where(supp, W[None, None, :], -np.inf).max(axis=2)
        W = (R[h] + nxt).max(axis=1)
    return float(W[s1])


def check_rewards(
    R,
    H: int,
    S: int,
    A: int,
    *,
    P=None,
    s1: int = 0,
    name: str = "R",
    total_at_most_one: bool = True,
) -> np.ndarray:
    """Reward table as a float array (H, S, A); ``(S, A)`` is repeated over the H steps.

    Raises ValueError naming ``name`` for a wrong shape, non-finite or negative entries, or
    (``total_at_most_one``) a reachable trajectory whose total exceeds 1 (+1e-12).
    """
    R = np.asarray(R, dtype=np.float64)
    if R.shape == (S, A):
        R = np.broadcast_to(R, (H, S, A))
    if R.shape != (H, S, A):
        raise ValueError(
            f"{name} must have shape (S, A) = {(S, A)} or (H, S, A) = {(H, S, A)}, got {R.shape}"
        )
    if not np.all(np.isfinite(R)):
        raise ValueError(f"{name} must be finite")
    if R.min() < 0:
        idx = tuple(int(i) for i in np.argwhere(R < 0)[0])
        raise ValueError(f"{name}{list(idx)} = {R[idx]} is negative; rewards must be >= 0")
    if total_at_most_one and P is not None:
        tot = max_trajectory_reward(P, R, s1)
        if tot > 1 + NORM_ATOL:
            raise ValueError(
                f"{name} has a trajectory total reward {tot:.6g} > 1 from s1 = {s1}; "
                "the horizon-free setting needs every total <= 1"
            )
    return np.array(R, order="C")


class LinearMixtureMDP:
    r"""A finite, time-homogeneous linear mixture MDP with fixed initial state. Immutable.

    Parameters
    ----------
    phi : ndarray, shape (S, A, S, d)
        ``phi[s, a, s2]`` = feature :math:`\phi(s_2 \mid s, a)`.
    theta : ndarray, shape (d,)
        The true parameter :math:`\theta^*`.
    horizon : int >= 1
    s1 : int, default 0
        Initial state of every episode.
    B : float, optional
        Norm bound; default ``||theta||_2``. Must satisfy ``||theta||_2 <= B``.
    check_norm : bool, default True
        Check ``||phi_V(s,a)||_2 <= 1`` for every ``V: S -> [0, 1]`` (exact enumeration).

    Raises
    ------
    TypeError, ValueError
        Wrong shapes / types; NaN; a mixed row ``P[s, a, :]`` with a negative entry or not
        summing to 1 (the message names (s, a)); ``||theta|| > B``; a feature norm
        ``||phi_V(s,a)|| > 1`` (names (s, a)); ``s1`` outside [0, S).

    Attributes
    ----------
    S, A, H, d, s1 : int
    B : float
    P : ndarray, shape (S, A, S)
        The mixed kernel (read-only).
    """

    __slots__ = ("_phi", "_theta", "_P", "S", "A", "H", "d", "s1", "B")

    def __init__(self, phi, theta, *, horizon, s1=0, B=None, check_norm=True):
        phi = np.array(phi, dtype=np.float64, order="C")
        theta = np.array(theta, dtype=np.float64)
        if phi.ndim != 4 or phi.shape[0] != phi.shape[2]:
            raise ValueError(f"phi must have shape (S, A, S, d), got {phi.shape}")
        S, A, _, d = phi.shape
        if S < 1 or A < 1 or d < 1:
            raise ValueError(f"phi must have S, A, d >= 1, got shape {phi.shape}")
        if theta.shape != (d,):
            raise ValueError(f"theta must have shape (d,) = ({d},), got {theta.shape}")
        if not np.all(np.isfinite(phi)):
            idx = tuple(int(i) for i in np.argwhere(~np.isfinite(phi))[0])
            raise ValueError(f"phi{list(idx)} is not finite")
        if not np.all(np.isfinite(theta)):
            raise ValueError("theta must be finite")
        H = _int(horizon, "horizon", 1)
        s1 = _int(s1, "s1", 0)
        if s1 >= S:
            raise ValueError(f"s1 must be in [0, S={S}), got {s1}")
        norm = float(np.linalg.norm(theta))
        B = norm if B is None else _real(B, "B", 0.0, low_open=True)
        if norm > B * (1 + 1e-12):
            raise ValueError(f"theta has norm ||theta||_2 = {norm:.6g} > B = {B:.6g}")
        P = phi @ theta
        neg = P < -NORM_ATOL
        if neg.any():
            s, a, s2 = (int(i) for i in np.argwhere(neg)[0])
            raise ValueError(
                f"the mixture <phi(.|s,a), theta> is not a distribution: "
                f"P[{s}, {a}, {s2}] = {P[s, a, s2]:.3g} < 0 at (s, a) = ({s}, {a})"
            )
        rows = P.sum(-1)
        bad = np.abs(rows - 1) > ROW_ATOL
        if bad.any():
            s, a = (int(i) for i in np.argwhere(bad)[0])
            raise ValueError(
                f"the mixture <phi(.|s,a), theta> is not a distribution: row "
                f"(s, a) = ({s}, {a}) sums to {rows[s, a]:.12g}, not 1"
            )
        if check_norm:
            mx, (s, a) = max_phi_norm(phi)
            if mx > 1 + NORM_ATOL:
                raise ValueError(
                    f"phi violates ||phi_V(s, a)||_2 <= 1: max over V in [0,1]^S is "
                    f"{mx:.12g} at (s, a) = ({s}, {a}); rescale phi down and theta up"
                )
        P = np.clip(P, 0.0, None)
        P /= P.sum(-1, keepdims=True)
        for arr in (phi, theta, P):
            arr.setflags(write=False)
        self._phi, self._theta, self._P = phi, theta, P
        self.S, self.A, self.H, self.d, self.s1, self.B = S, A, H, d, s1, B

    @property
    def phi(self) -> np.ndarray:
        """Features, shape (S, A, S, d) (read-only)."""
        return self._phi

    @property
    def theta(self) -> np.ndarray:
        """True parameter, shape (d,) (read-only)."""
        return self._theta

    @property
    def P(self) -> np.ndarray:
        """Mixed kernel ``<phi(.|s,a), theta>``, shape (S, A, S) (read-only)."""
        return self._P

    def phi_V(self, V) -> np.ndarray:
        r"""Value-targeted features :math:`\phi_V(s,a) = \sum_{s'}\phi(s'|s,a)V(s')`.

        V : ndarray, shape (S,) or (n, S). Returns shape (S, A, d) or (n, S, A, d).
        """
        V = np.asarray(V, dtype=np.float64)
        if V.shape[-1:] != (self.S,) or V.ndim > 2:
            raise ValueError(f"V must have shape (S,) or (n, S) with S = {self.S}, got {V.shape}")
        if V.ndim == 1:
            return np.einsum("satd,t->sad", self._phi, V)
        return np.einsum("satd,nt->nsad", self._phi, V)

    def model_kernel(self, theta) -> np.ndarray:
        """Signed kernel ``<phi(.|s,a), theta>`` of any parameter, shape (S, A, S)."""
        theta = np.asarray(theta, dtype=np.float64)
        if theta.shape != (self.d,):
            raise ValueError(f"theta must have shape ({self.d},), got {theta.shape}")
        return self._phi @ theta

    def rewards(self, R, *, total_at_most_one: bool = True) -> np.ndarray:
        """``R`` checked against this model (see :func:`check_rewards`), shape (H, S, A)."""
        return check_rewards(
            R, self.H, self.S, self.A, P=self._P, s1=self.s1, total_at_most_one=total_at_most_one
        )

    def to_tabular(self, R=None, *, total_at_most_one: bool = True) -> TabularMDP:
        """Exact finite-horizon :class:`TabularMDP` (P = the mixed kernel, mu = e_{s1}).

        R : ndarray, shape (S, A) or (H, S, A), default zeros. Checked by :meth:`rewards`.
        """
        if R is None:
            R = np.zeros((self.H, self.S, self.A))
        R = self.rewards(R, total_at_most_one=total_at_most_one)
        mu = np.zeros(self.S)
        mu[self.s1] = 1.0
        return TabularMDP(np.array(self._P), R, horizon=self.H, mu=mu)

    def __repr__(self):
        return (
            f"LinearMixtureMDP(S={self.S}, A={self.A}, H={self.H}, d={self.d}, s1={self.s1}, "
            f"B={self.B:.4g})"
        )


# --------------------------------------------------------------------------- generators
def hard_lm(d: int, H: int, Delta: float, mu=None, *, delta0: float = 0.5, rng=None) -> tuple:
    r"""The lower-bound instance ``HardLM(d, H, Delta, mu)`` (page section "Instances").

    States ``x1 = 0, x2 = 1, x3 = 2``, start ``x1``; actions ``{-1, +1}^{d-1}`` (A = 2^{d-1},
    action ``i`` has coordinate ``j`` equal to ``+1`` iff bit ``j`` of ``i`` is 1);
    ``P(x3|x1,a) = delta0 + <mu, a>``, ``x2``, ``x3`` absorbing. Features
    ``phi(x2|x1,a) = (alpha0 (1 - delta0), -beta0 a)``, ``phi(x3|x1,a) = (alpha0 delta0, beta0 a)``,
    ``phi(s|s,a) = (alpha0, 0)`` for ``s in {x2, x3}``, with ``alpha0 = (1+Delta)^{-1/2}``,
    ``beta0 = (Delta/((d-1)(1+Delta)))^{1/2}`` and ``theta* = (1/alpha0, mu/beta0)``.

    Parameters
    ----------
    d : int >= 2
    H : int >= 2
    Delta : float > 0, with ``(d-1) Delta <= 1 - delta0`` and ``<= delta0``.
    mu : array (d-1,) with entries in {-Delta, +Delta}; default random signs from ``rng``.
    delta0 : float in (0, 1)

    Returns
    -------
    model : LinearMixtureMDP
    info : dict with ``actions`` (A, d-1) in {-1,+1}, ``mu``, ``task`` (H, S, A) reward
        ``1{s = x3}/H``, ``anti_task`` reward ``1{s = x2}/H``.
    """
    d = _int(d, "d", 2)
    H = _int(H, "H", 2)
    Delta = _real(Delta, "Delta", 0.0, low_open=True)
    delta0 = _real(delta0, "delta0", 0.0, 1.0, low_open=True, high_open=True)
    if (d - 1) * Delta > min(delta0, 1 - delta0) + 1e-15:
        raise ValueError(
            f"Delta must satisfy (d-1) Delta <= min(delta0, 1 - delta0) = "
            f"{min(delta0, 1 - delta0)}, got (d-1) Delta = {(d - 1) * Delta}"
        )
    if mu is None:
        if rng is None:
            raise ValueError("give mu or rng (to draw the signs of mu)")
        mu = Delta * as_generator(rng).choice([-1.0, 1.0], size=d - 1)
    mu = np.asarray(mu, dtype=np.float64)
    if mu.shape != (d - 1,) or not np.allclose(np.abs(mu), Delta, rtol=0, atol=1e-15):
        raise ValueError(f"mu must have shape ({d - 1},) with entries +-Delta = +-{Delta}")
    A = 2 ** (d - 1)
    acts = np.array([[1.0 if (i >> j) & 1 else -1.0 for j in range(d - 1)] for i in range(A)])
    a0 = np.sqrt(1 / (1 + Delta))
    b0 = np.sqrt(Delta / ((d - 1) * (1 + Delta)))
    phi = np.zeros((3, A, 3, d))
    phi[0, :, 1, 0] = a0 * (1 - delta0)
    phi[0, :, 1, 1:] = -b0 * acts
    phi[0, :, 2, 0] = a0 * delta0
    phi[0, :, 2, 1:] = b0 * acts
    phi[1, :, 1, 0] = a0
    phi[2, :, 2, 0] = a0
    theta = np.concatenate([[1 / a0], mu / b0])
    model = LinearMixtureMDP(phi, theta, horizon=H, s1=0, check_norm=(d <= 8))
    task = np.zeros((H, 3, A))
    task[:, 2, :] = 1.0 / H
    anti = np.zeros((H, 3, A))
    anti[:, 1, :] = 1.0 / H
    return model, {
        "actions": acts,
        "mu": mu,
        "task": task,
        "anti_task": anti,
        "delta0": delta0,
        "Delta": Delta,
    }


def rand_lm(
    S: int, A: int, d: int, H: int, *, rng, corridor: bool = True, concentration: float = 0.3
) -> LinearMixtureMDP:
    r"""``RandLM(S, A, d)`` with the slow corridor (page section "Instances").

    Base kernels ``P^(i)(.|s,a) ~ Dirichlet(concentration 1_S)``, i = 1..d; with
    ``corridor``, the states ``S-2, S-1`` are nearly absorbing in every base kernel:
    ``P^(i)(.|c,a) = 0.9 e_c + 0.1 Dirichlet(concentration 1_S)``. ``theta_raw ~ Dirichlet(1_d)``;
    features ``phi(s'|s,a) = (P^(i)(s'|s,a))_i / sqrt(d)``, ``theta* = sqrt(d) theta_raw``,
    ``B = ||theta*||``, so ``||phi_V|| <= 1`` (equality at V = 1), checked. ``s1 = 0``.
    """
    S = _int(S, "S", 3 if corridor else 1)
    A = _int(A, "A", 1)
    d = _int(d, "d", 1)
    H = _int(H, "H", 1)
    concentration = _real(concentration, "concentration", 0.0, low_open=True)
    g = as_generator(rng)
    base = g.dirichlet(np.full(S, concentration), size=(d, S, A))  # (d, S, A, S)
    if corridor:
        for c in (S - 2, S - 1):
            e = np.zeros(S)
            e[c] = 1.0
            base[:, c] = 0.9 * e + 0.1 * base[:, c]
    theta_raw = g.dirichlet(np.ones(d))
    phi = np.moveaxis(base, 0, -1) / np.sqrt(d)  # (S, A, S, d)
    theta = np.sqrt(d) * theta_raw
    return LinearMixtureMDP(phi, theta, horizon=H, s1=0, check_norm=(S <= ENUM_MAX_S))

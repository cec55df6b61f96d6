r"""Last-switch-dependent (LSD) bandit instances: data, state codes, checks, families.

Paper page: ``docs/papers/lsd-bandits.md`` (sections "Setting" and "Instances").

Model. ``k`` arms; each arm has a *last-switch state* ``s in {-M, ..., -1} u {1, ..., M}``:
``+j`` = pulled in each of the last ``j`` rounds (capped at ``M``), ``-d`` = not pulled for
the last ``d`` rounds (capped at ``M``). Pulling arm ``i`` in state ``s`` pays a random
reward in [0, 1] with mean ``f_i(s)``; the state *before* the pull sets the payoff. After a
round with pulled arm ``w`` (or none): ``w``'s state becomes ``min(s + 1, M)`` if ``s > 0``
else ``+1``; every other arm becomes ``-1`` if ``s > 0`` else ``max(s - 1, -M)``. All arms
start at ``-M`` (fully rested). (Laforgue et al.'s released code uses the opposite sign:
negative = active streak.)

State codes (used by every kernel): an integer ``c in [0, 2M)`` with ``c = d - 1`` for
``s = -d`` and ``c = M + j - 1`` for ``s = +j``. A payoff table ``f`` has shape ``(k, 2M)``:
``f[:, :M]`` = ``f(-1), ..., f(-M)`` and ``f[:, M:]`` = ``f(+1), ..., f(+M)``.

Monotonicity (the assumption of the LP rounding's per-pull guarantee): ``f_i(-d)``
non-decreasing in ``d`` (recovery) and ``f_i(+j)`` non-increasing in ``j`` (satiation); no
comparison between the two branches. :func:`check_monotone` raises naming the first
violating (arm, state).
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from ..utils import as_generator, check_positive_int

__all__ = [
    "LSDInstance",
    "state_code",
    "state_value",
    "initial_code",
    "next_code",
    "check_monotone",
    "first_monotonicity_violation",
    "is_monotone",
    "cycle_payoff",
    "random_monotone",
    "random_lsd",
    "greedy_trap",
    "laforgue_trick_csb_og",
    "laforgue_trick_og",
    "recharging_embedding",
]


def _check_k_M(k, M):
    k = check_positive_int(k, "k")
    M = check_positive_int(M, "M")
    return k, M


def state_code(s, M: int) -> int:
    """Code of state ``s`` (``-M..-1`` or ``1..M``): ``d - 1`` for ``-d``, ``M + j - 1`` for ``+j``.

    Raises ValueError naming ``s`` when ``s`` is 0 or outside ``+-M``.
    """
    M = check_positive_int(M, "M")
    if isinstance(s, (bool, np.bool_)) or not isinstance(s, numbers.Integral):
        raise TypeError(f"s must be an integer state in +-1..+-{M}, got {type(s).__name__}")
    s = int(s)
    if s == 0 or abs(s) > M:
        raise ValueError(f"s must be in {{-{M}, ..., -1}} u {{1, ..., {M}}}, got {s}")
    return -s - 1 if s < 0 else M + s - 1


def state_value(c, M: int) -> int:
    """Inverse of :func:`state_code`: the signed state of code ``c in [0, 2M)``."""
    M = check_positive_int(M, "M")
    c = int(c)
    if not 0 <= c < 2 * M:
        raise ValueError(f"state code c must be in [0, {2 * M}), got {c}")
    return -(c + 1) if c < M else c - M + 1


def initial_code(M: int) -> int:
    """Code of the initial state ``-M``."""
    return M - 1


def next_code(c: int, pulled: bool, M: int) -> int:
    """Transition of one arm's state code (pure Python reference of the kernels' rule)."""
    if pulled:
        return min(c + 1, 2 * M - 1) if c >= M else M
    return 0 if c >= M else min(c + 1, M - 1)


@dataclass(frozen=True)
class LSDInstance:
    """An LSD bandit instance (data only).

    Parameters
    ----------
    f : array, shape (k, 2M)
        Mean payoffs by state code (module docstring), each in [0, 1].
    name : str, optional

    Attributes
    ----------
    k, M : int
    neg : ndarray (k, M)    ``f(-1..-M)``
    pos : ndarray (k, M)    ``f(+1..+M)``
    """

    f: np.ndarray
    name: str = "lsd"

    def __post_init__(self):
        try:
            f = np.array(self.f, dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError("f must be a real array of shape (k, 2M)") from None
        if f.ndim != 2 or f.shape[0] < 1 or f.shape[1] < 2 or f.shape[1] % 2:
            raise ValueError(f"f must have shape (k, 2M) with k >= 1 and M >= 1, got {f.shape}")
        if not np.all(np.isfinite(f)):
            raise ValueError("f must be finite (no NaN or inf)")
        if f.min() < 0.0 or f.max() > 1.0:
            i, c = np.unravel_index(np.argmax((f < 0) | (f > 1)), f.shape)
            raise ValueError(
                f"f must have payoffs in [0, 1]; f[arm {i}](state {state_value(c, f.shape[1] // 2):+d})"
                f" = {f[i, c]:g}"
            )
        f.setflags(write=False)
        object.__setattr__(self, "f", f)

    @classmethod
    def from_branches(cls, neg, pos, name: str = "lsd") -> LSDInstance:
        """Build from ``neg`` = ``f(-1..-M)`` and ``pos`` = ``f(+1..+M)``, both shape (k, M)."""
        neg = np.atleast_2d(np.asarray(neg, dtype=np.float64))
        pos = np.atleast_2d(np.asarray(pos, dtype=np.float64))
        if neg.shape != pos.shape:
            raise ValueError(
                f"neg and pos must have the same shape (k, M), got {neg.shape} and {pos.shape}"
            )
        return cls(np.concatenate([neg, pos], axis=1), name)

    @property
    def k(self) -> int:
        return self.f.shape[0]

    @property
    def M(self) -> int:
        return self.f.shape[1] // 2

    @property
    def neg(self) -> np.ndarray:
        return self.f[:, : self.M]

    @property
    def pos(self) -> np.ndarray:
        return self.f[:, self.M :]

    def payoff(self, arm: int, s: int) -> float:
        """``f_arm(s)`` for a signed state ``s``."""
        if not 0 <= int(arm) < self.k:
            raise ValueError(f"arm must be in [0, {self.k}), got {arm}")
        return float(self.f[int(arm), state_code(s, self.M)])


def first_monotonicity_violation(inst: LSDInstance, tol: float = 0.0):
    """First (arm, state, value, previous state, previous value) breaking monotonicity, or None.

    Scan order: arms in order; for each arm ``f(-2) >= f(-1)``, ..., then
    ``f(+2) <= f(+1)``, ... (``tol`` is the allowed slack).
    """
    M = inst.M
    for i in range(inst.k):
        for d in range(2, M + 1):
            a, b = inst.f[i, d - 2], inst.f[i, d - 1]
            if b < a - tol:
                return (i, -d, float(b), -(d - 1), float(a))
        for j in range(2, M + 1):
            a, b = inst.f[i, M + j - 2], inst.f[i, M + j - 1]
            if b > a + tol:
                return (i, j, float(b), j - 1, float(a))
    return None


def is_monotone(inst: LSDInstance, tol: float = 0.0) -> bool:
    """True when ``f_i(-d)`` is non-decreasing in d and ``f_i(+j)`` non-increasing in j."""
    return first_monotonicity_violation(inst, tol) is None


def check_monotone(inst: LSDInstance, name: str = "instance", tol: float = 0.0) -> LSDInstance:
    """Return ``inst`` or raise ValueError naming ``name`` and the first violating state."""
    if not isinstance(inst, LSDInstance):
        raise TypeError(f"{name} must be an LSDInstance, got {type(inst).__name__}")
    v = first_monotonicity_violation(inst, tol)
    if v is not None:
        i, s, val, s0, val0 = v
        rel = ">=" if s < 0 else "<="
        raise ValueError(
            f"{name} must have monotone payoffs (f(-d) non-decreasing in d, f(+j) non-increasing "
            f"in j); first violation: arm {i}, state {s:+d}: f = {val:g}, but f({s0:+d}) = {val0:g} "
            f"(need f({s:+d}) {rel} f({s0:+d}))"
        )
    return inst


def cycle_payoff(inst_or_f, tau: int, delta: int) -> np.ndarray:
    """``R_i(tau, delta) = f_i(-min(delta, M)) + sum_{j=1}^{tau-1} f_i(min(j, M))`` for every arm.

    Returns ndarray, shape (k,).
    """
    f = (
        inst_or_f.f
        if isinstance(inst_or_f, LSDInstance)
        else np.asarray(inst_or_f, dtype=np.float64)
    )
    M = f.shape[1] // 2
    tau = check_positive_int(tau, "tau")
    delta = check_positive_int(delta, "delta")
    out = f[:, min(delta, M) - 1].copy()
    for j in range(1, tau):
        out += f[:, M + min(j, M) - 1]
    return out


# --------------------------------------------------------------------------- families
def random_monotone(
    k: int, M: int, rng, *, scale: bool = False, name: str | None = None
) -> LSDInstance:
    """Random monotone instance: ``f_i(-d)`` = sorted U[0,1] draws (ascending in d),
    ``f_i(+j)`` = sorted U[0,1] draws (descending in j); optionally times an arm scale
    U[0.05, 1]. Draw order per arm: M negatives, M positives, then (if ``scale``) the scale."""
    k, M = _check_k_M(k, M)
    g = as_generator(rng)
    f = np.empty((k, 2 * M))
    for i in range(k):
        neg = np.sort(g.random(M))
        pos = np.sort(g.random(M))[::-1]
        s = g.uniform(0.05, 1.0) if scale else 1.0
        f[i, :M] = neg * s
        f[i, M:] = pos * s
    return LSDInstance(f, name or f"random-monotone-k{k}-M{M}")


def random_lsd(k: int, M: int, rng, name: str | None = None) -> LSDInstance:
    """Random instance with i.i.d. U[0,1] payoffs (not monotone in general)."""
    k, M = _check_k_M(k, M)
    return LSDInstance(as_generator(rng).random((k, 2 * M)), name or f"random-k{k}-M{M}")


def greedy_trap(M: int) -> LSDInstance:
    """Two-arm family where one-step greedy is strictly suboptimal: arm A (index 0)
    recovers linearly, ``f_A(-d) = 0.2 + 0.8 (d - 1)/(M - 1)``, ``f_A(+j) = 0``; arm B
    (index 1) pays 0.3 in every state. For ``M = 1`` the formula is undefined; arm A then
    pays its fully recovered value 1.0 at ``-1`` (decision)."""
    M = check_positive_int(M, "M")
    if M == 1:
        neg_a = np.array([1.0])
    else:
        neg_a = np.minimum(0.2 + 0.8 * np.arange(M) / (M - 1), 1.0)  # 1 + 2e-16 at d = M
    neg = np.vstack([neg_a, np.full(M, 0.3)])
    pos = np.vstack([np.zeros(M), np.full(M, 0.3)])
    return LSDInstance.from_branches(neg, pos, name=f"greedy-trap-M{M}")


def recharging_embedding(p, name: str = "recharging") -> LSDInstance:
    """Embed delay payoffs ``p_i(d)``, d = 1..M+1 rounds since the last pull (shape
    (k, M+1)), as the LSD instance ``f_i(-d) = p_i(d + 1)``, ``f_i(+j) = p_i(1)``."""
    p = np.atleast_2d(np.asarray(p, dtype=np.float64))
    if p.ndim != 2 or p.shape[1] < 2:
        raise ValueError(f"p must have shape (k, M + 1) with M >= 1, got {p.shape}")
    M = p.shape[1] - 1
    return LSDInstance.from_branches(p[:, 1:], np.repeat(p[:, :1], M, axis=1), name=name)


def _laforgue_matrix_to_lsd(P: np.ndarray, name: str) -> LSDInstance:
    """Laforgue et al.'s matrices are over "rounds since last pull" states 1..width, and
    their environment caps the state at ``width - 1``; so ``p(1..width-1)`` embeds with
    ``M = width - 2`` by :func:`recharging_embedding`."""
    return recharging_embedding(P[:, : P.shape[1] - 1], name=name)


def laforgue_trick_csb_og(k: int = 5, width: int = 10, pos: int = 3) -> LSDInstance:
    """The main instance of Laforgue et al.'s released code (``gen_M_trickCSBOG``), over
    "rounds since last pull" states: arm 1 pays 0.95 only at state ``pos``; arm 2 pays 0.96
    at states ``>= 3 pos``, 0.16 at ``2 pos``, 0.14 elsewhere; other arms 0.15. Embedded
    as an LSD instance (not monotone) with ``M = width - 2``."""
    k = check_positive_int(k, "k", 3)
    width = check_positive_int(width, "width", 3)
    P = np.full((k, width), 0.15)
    P[1] = 0.0
    P[1, pos - 1] = 0.95
    P[2] = 0.14
    P[2, 2 * pos - 1] = 0.16
    P[2, 3 * pos - 1 :] = 0.96
    return _laforgue_matrix_to_lsd(P, f"laforgue-trick-csb-og-k{k}")


def laforgue_trick_og(k: int = 2, width: int = 11, pos: int = 2) -> LSDInstance:
    """The supplementary instance of Laforgue et al.'s code (``gen_M_trickOG``): arm 0 pays
    0.05 everywhere; arm 1 pays 0.06 at state 1, 0 at states ``2..pos-1`` and 0.95 at
    states ``>= pos``; other arms 0. Embedded with ``M = width - 2``."""
    k = check_positive_int(k, "k", 2)
    width = check_positive_int(width, "width", 3)
    P = np.zeros((k, width))
    P[0] = 0.05
    P[1, 0] = 0.06
    P[1, max(pos - 1, 1) :] = 0.95
    return _laforgue_matrix_to_lsd(P, f"laforgue-trick-og-k{k}")

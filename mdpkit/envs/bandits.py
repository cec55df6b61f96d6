r"""Stochastic bandit environments with their oracle (``docs/ARCHITECTURE.md``, "Environments").

* :class:`BernoulliBandit` — K arms, reward of arm a ~ Bernoulli(``means[a]``).
* :class:`GaussianBandit` — K arms, reward ~ N(``means[a]``, ``sigma^2``).
* :class:`LinearBandit` — finite action set ``features`` (n_actions, d), unknown ``theta``
  (d,), reward ``<x_a, theta> + eta``, eta ~ N(0, ``noise_std^2``) (conventions of
  ``docs/papers/classical-baselines.md`` Sec. 1.3: R-sub-Gaussian noise with R = ``noise_std``).

Oracle: ``means`` (n_actions,), ``best_mean = max(means)``, ``pseudo_regret(a) =
best_mean - means[a]`` (>= 0, exactly 0 for a best arm).

Decisions
---------
* Registered factories draw random instances from the *environment's* stream ``rng``
  before any reward: ``"bernoulli-bandit"`` / ``"gaussian-bandit"`` take ``means`` or
  ``n_arms`` (means ~ U[0, 1]); ``"linear-bandit"`` takes ``features``/``theta`` or
  ``n_actions``, ``d`` (features uniform on the unit sphere, ``theta`` uniform on the sphere
  of radius ``theta_norm`` (default 1), so ``|<x, theta>| <= theta_norm``).
* Rewards of the Gaussian models are not clipped.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..utils import as_generator, check_positive_int

__all__ = ["BernoulliBandit", "GaussianBandit", "LinearBandit"]


def _check_means(means, name="means") -> np.ndarray:
    try:
        arr = np.array(means, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be an array of real numbers") from None
    if arr.ndim != 1 or arr.size < 1:
        raise ValueError(f"{name} must have shape (n_arms,) with n_arms >= 1, got {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name}[{int(np.argmax(~np.isfinite(arr)))}] is not finite")
    arr.setflags(write=False)
    return arr


def _check_scale(x, name) -> float:
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(x).__name__}")
    x = float(x)
    if not (np.isfinite(x) and x >= 0):
        raise ValueError(f"{name} must be finite and >= 0, got {x}")
    return x


class _Bandit:
    kind = "bandit"

    def _init_oracle(self, means: np.ndarray, rng):
        self.means = means
        self.n_actions = int(means.size)
        self.best_mean = float(means.max())
        self.best_arm = int(np.argmax(means))
        gaps = self.best_mean - means
        gaps.setflags(write=False)
        self.gaps = gaps
        self.rng = as_generator(rng)

    def _check_arm(self, a) -> int:
        if isinstance(a, (bool, np.bool_)) or not isinstance(a, numbers.Integral):
            raise TypeError(f"arm must be an integer, got {type(a).__name__}")
        if not 0 <= a < self.n_actions:
            raise ValueError(f"arm must be in [0, n_actions={self.n_actions}), got {a}")
        return int(a)

    def pseudo_regret(self, a) -> float:
        """Gap ``best_mean - means[a]`` (>= 0)."""
        return float(self.gaps[self._check_arm(a)])

    def env_info(self) -> dict:
        return {"kind": "bandit", "n_actions": self.n_actions}


class BernoulliBandit(_Bandit):
    """K-armed Bernoulli bandit.

    Parameters
    ----------
    means : array-like, shape (K,)
        Success probabilities, each in [0, 1].
    rng : Generator or int
    """

    def __init__(self, means, rng):
        m = _check_means(means)
        if (m < 0).any() or (m > 1).any():
            i = int(np.argmax((m < 0) | (m > 1)))
            raise ValueError(f"means[{i}] = {m[i]} is not a probability in [0, 1]")
        self._init_oracle(m, rng)

    def pull(self, a) -> float:
        """Reward in {0.0, 1.0} of arm ``a``."""
        return 1.0 if self.rng.random() < self.means[self._check_arm(a)] else 0.0

    def env_info(self) -> dict:
        return {**super().env_info(), "reward_range": (0.0, 1.0)}


class GaussianBandit(_Bandit):
    """K-armed Gaussian bandit: reward of arm a ~ N(means[a], sigma^2).

    Parameters
    ----------
    means : array-like, shape (K,)
    rng : Generator or int
    sigma : float >= 0, default 1.0
    """

    def __init__(self, means, rng, sigma: float = 1.0):
        self._init_oracle(_check_means(means), rng)
        self.sigma = _check_scale(sigma, "sigma")

    def pull(self, a) -> float:
        return float(self.means[self._check_arm(a)] + self.sigma * self.rng.standard_normal())

    def env_info(self) -> dict:
        return {**super().env_info(), "noise_std": self.sigma}


class LinearBandit(_Bandit):
    """Linear bandit with a finite action set and Gaussian noise.

    Parameters
    ----------
    features : array-like, shape (n_actions, d)
        Action feature vectors x_a.
    theta : array-like, shape (d,)
        Unknown parameter; ``means = features @ theta``.
    rng : Generator or int
    noise_std : float >= 0, default 1.0
        Standard deviation R of the Gaussian noise.
    """

    def __init__(self, features, theta, rng, noise_std: float = 1.0):
        try:
            X = np.array(features, dtype=np.float64)
            th = np.array(theta, dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError("features and theta must be arrays of real numbers") from None
        if X.ndim != 2 or X.shape[0] < 1 or X.shape[1] < 1:
            raise ValueError(f"features must have shape (n_actions, d), got {X.shape}")
        if th.shape != (X.shape[1],):
            raise ValueError(f"theta must have shape (d,) = ({X.shape[1]},), got {th.shape}")
        if not (np.isfinite(X).all() and np.isfinite(th).all()):
            raise ValueError("features and theta must be finite")
        X.setflags(write=False)
        th.setflags(write=False)
        self.features, self.theta, self.d = X, th, X.shape[1]
        self._init_oracle(_check_means(X @ th, "features @ theta"), rng)
        self.noise_std = _check_scale(noise_std, "noise_std")

    def pull(self, a) -> float:
        return float(self.means[self._check_arm(a)] + self.noise_std * self.rng.standard_normal())

    def env_info(self) -> dict:
        return {
            **super().env_info(),
            "features": self.features,
            "d": self.d,
            "noise_std": self.noise_std,
        }


# ---------------------------------------------------------------------- registered factories
from ..experiments.registry import register_env  # noqa: E402


def _unit_sphere(rng, n, d):
    x = rng.standard_normal((n, d))
    return x / np.linalg.norm(x, axis=1, keepdims=True)


@register_env("bernoulli-bandit")
def make_bernoulli_bandit(rng, *, means=None, n_arms=None) -> BernoulliBandit:
    """Bernoulli bandit with the given ``means``, or ``n_arms`` means drawn U[0, 1]."""
    rng = as_generator(rng)
    if (means is None) == (n_arms is None):
        raise ValueError("give exactly one of means and n_arms")
    if means is None:
        means = rng.random(check_positive_int(n_arms, "n_arms"))
    return BernoulliBandit(means, rng)


@register_env("gaussian-bandit")
def make_gaussian_bandit(rng, *, means=None, n_arms=None, sigma=1.0) -> GaussianBandit:
    """Gaussian bandit with the given ``means``, or ``n_arms`` means drawn U[0, 1]."""
    rng = as_generator(rng)
    if (means is None) == (n_arms is None):
        raise ValueError("give exactly one of means and n_arms")
    if means is None:
        means = rng.random(check_positive_int(n_arms, "n_arms"))
    return GaussianBandit(means, rng, sigma=sigma)


@register_env("linear-bandit")
def make_linear_bandit(
    rng, *, features=None, theta=None, n_actions=None, d=None, theta_norm=1.0, noise_std=1.0
) -> LinearBandit:
    """Linear bandit from ``features``/``theta``, or a random one of size (n_actions, d)."""
    rng = as_generator(rng)
    if features is None:
        n_actions = check_positive_int(n_actions, "n_actions")
        d = check_positive_int(d, "d")
        features = _unit_sphere(rng, n_actions, d)
    elif n_actions is not None or d is not None:
        raise ValueError("give either features or (n_actions, d), not both")
    features = np.asarray(features, dtype=np.float64)
    if theta is None:
        if features.ndim != 2:
            raise ValueError(f"features must have shape (n_actions, d), got {features.shape}")
        theta = _check_scale(theta_norm, "theta_norm") * _unit_sphere(rng, 1, features.shape[1])[0]
    return LinearBandit(features, theta, rng, noise_std=noise_std)

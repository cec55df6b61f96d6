"""Policy validation shared by all solvers: :func:`as_policy`, :func:`to_stochastic`.

Conventions (``docs/ARCHITECTURE.md``, "Policies"):

* deterministic: integer array (S,) discounted, (H, S) finite horizon;
* stochastic: float array (S, A) / (H, S, A), rows sum to 1.

Decisions
---------
* The dtype decides the kind: integer (or bool-free integer-valued) arrays are
  deterministic, floating arrays are stochastic. A float 1-D array is refused with a
  ``TypeError`` (rather than rounded) so that a probability table can never be
  mistaken for a list of actions.
* Finite horizon accepts stationary policies, (S,) int or (S, A) float, broadcast over
  the H steps (read-only broadcast view). The ARCHITECTURE contract requires this for
  (S,); (S, A) is accepted for symmetry and is unambiguous (float 2-D is never (H, S)).
* Rows of a stochastic policy must be finite, non-negative and sum to 1 within
  ``POLICY_ATOL = 1e-10`` (the model's row tolerance); they are not renormalised.
"""

from __future__ import annotations

import numpy as np

__all__ = ["as_policy", "to_stochastic", "POLICY_ATOL"]

POLICY_ATOL = 1e-10


def _idx(t) -> str:
    return ", ".join(str(int(i)) for i in t)


def as_policy(mdp, policy, name: str = "policy"):
    """Validate ``policy`` for ``mdp`` and return ``(kind, array)``.

    Parameters
    ----------
    mdp : TabularMDP
    policy : array-like
        Deterministic: int, shape (S,) (discounted or finite horizon, stationary) or (H, S)
        (finite horizon). Stochastic: float, shape (S, A) (either setting, stationary) or
        (H, S, A) (finite horizon).
    name : str
        Argument name used in error messages.

    Returns
    -------
    kind : {"deterministic", "stochastic"}
    array : ndarray
        Discounted: int64 (S,) or float64 (S, A). Finite horizon: int64 (H, S) or float64
        (H, S, A) (a stationary input is broadcast, read-only).

    Raises
    ------
    TypeError
        Non-numeric input, or a floating 1-D array (actions must be integers).
    ValueError
        Wrong shape; an action outside ``[0, A)`` (message names the first offending index);
        a negative / non-finite probability or a row not summing to 1 within 1e-10.
    """
    S, A = mdp.S, mdp.A
    H = mdp.horizon if mdp.is_finite_horizon else None
    try:
        arr = np.asarray(policy)
    except Exception as exc:  # pragma: no cover - exotic objects
        raise TypeError(f"{name} must be array-like: {exc}") from None
    if arr.dtype == np.bool_ or arr.dtype.kind not in "iuf":
        raise TypeError(
            f"{name} must be an integer array (deterministic) or a float array "
            f"(stochastic), got dtype {arr.dtype}"
        )
    if arr.dtype.kind in "iu":
        ok_shapes = [(S,)] + ([(H, S)] if H is not None else [])
        if arr.shape not in ok_shapes:
            raise ValueError(
                f"deterministic {name} must have shape "
                + " or ".join(str(s) for s in ok_shapes)
                + f", got {arr.shape}"
            )
        bad = (arr < 0) | (arr >= A)
        if bad.any():
            i = tuple(np.argwhere(bad)[0])
            raise ValueError(f"{name}[{_idx(i)}] = {int(arr[i])} is not an action in [0, A={A})")
        out = arr.astype(np.int64, copy=True)
        if H is not None and out.ndim == 1:
            out = np.broadcast_to(out, (H, S))
        else:
            out.setflags(write=False)
        _check_mask(mdp, "deterministic", out, name)
        return "deterministic", out
    # floating: stochastic
    if arr.ndim == 1:
        raise TypeError(
            f"{name} with shape {arr.shape} has float dtype {arr.dtype}: a deterministic "
            "policy must be an integer array (e.g. policy.astype(int))"
        )
    ok_shapes = [(S, A)] + ([(H, S, A)] if H is not None else [])
    if arr.shape not in ok_shapes:
        raise ValueError(
            f"stochastic {name} must have shape "
            + " or ".join(str(s) for s in ok_shapes)
            + f", got {arr.shape}"
        )
    arr = arr.astype(np.float64, copy=True)
    bad = ~np.isfinite(arr)
    if bad.any():
        i = tuple(np.argwhere(bad)[0])
        raise ValueError(f"{name}[{_idx(i)}] is {float(arr[i])}, probabilities must be finite")
    neg = arr < 0
    if neg.any():
        i = tuple(np.argwhere(neg)[0])
        raise ValueError(f"{name}[{_idx(i)}] = {float(arr[i])!r} is negative")
    sums = arr.sum(axis=-1)
    off = np.abs(sums - 1.0) > POLICY_ATOL
    if off.any():
        i = tuple(np.argwhere(off)[0])
        raise ValueError(
            f"{name}[{_idx(i)}, :] sums to {float(sums[i])!r}, not 1 (tolerance {POLICY_ATOL})"
        )
    if H is not None and arr.ndim == 2:
        arr = np.broadcast_to(arr, (H, S, A))
    else:
        arr.setflags(write=False)
    _check_mask(mdp, "stochastic", arr, name)
    return "stochastic", arr


def _check_mask(mdp, kind, arr, name):
    from ._mask import check_policy_mask

    check_policy_mask(mdp, kind, arr, name)


def to_stochastic(mdp, policy, name: str = "policy") -> np.ndarray:
    """Validated policy as action probabilities: (S, A) discounted, (H, S, A) finite horizon.

    Deterministic policies become one-hot rows.
    """
    kind, arr = as_policy(mdp, policy, name)
    if kind == "stochastic":
        return np.array(arr, dtype=np.float64)
    out = np.zeros(arr.shape + (mdp.A,))
    np.put_along_axis(out, arr[..., None], 1.0, axis=-1)
    return out

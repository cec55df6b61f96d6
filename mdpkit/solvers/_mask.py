"""Per-state action sets (``TabularMDP(..., action_mask=M)``) for every exact solver.

A solver method decorated with :func:`respects_action_mask` runs on the *effective
model* in which each unavailable pair (s, a) is replaced by a copy of the first available
action of s (same P row, same R entry). The effective model has, in every state, exactly
the (P row, reward) choices of the available actions, so its optimal values (discounted,
finite horizon, average and total reward) are those of the masked model. The result is
then mapped back: a policy action that is a copy becomes its source action (same value),
``Q`` of unavailable pairs is ``-inf``, the occupancy of a copy is added to its source.
No kernel sees a mask, so every method (dense, step-dependent, CSR) gets the same rule.
"""

from __future__ import annotations

import functools

import numpy as np

__all__ = ["respects_action_mask", "effective_model", "check_policy_mask"]


def source_actions(mask: np.ndarray) -> np.ndarray:
    """int, the shape of ``mask`` ((S, A) or (H, S, A)): ``a`` where available, else the first
    available action of the state (at that step)."""
    A = mask.shape[-1]
    first = mask.argmax(axis=-1)
    return np.where(mask, np.arange(A), first[..., None]).astype(np.int64)


def effective_model(mdp):
    """``(effective TabularMDP without mask, source actions (S, A))`` (module docstring)."""
    mask = mdp.action_mask
    S, A = mdp.S, mdp.A
    src = source_actions(mask)
    rows_s = np.arange(S)[:, None]
    if mask.ndim == 3:  # step-dependent (finite horizon, dense P): step-dependent P and R
        H = mdp.horizon
        hh = np.arange(H)[:, None, None]
        ss = np.arange(S)[None, :, None]
        P4 = mdp.P if mdp.step_dependent_P else mdp.P[None]
        R3 = mdp.R if mdp.step_dependent_R else mdp.R[None]
        P = P4[hh if mdp.step_dependent_P else 0 * hh, ss, src]
        R = R3[hh if mdp.step_dependent_R else 0 * hh, ss, src]
        from ..models.tabular import TabularMDP

        return TabularMDP(P, R, validate=False, mu=mdp.mu, gamma=mdp.gamma, horizon=H), src
    if mdp.is_sparse:
        P = mdp.P[(rows_s * A + src).reshape(-1)]
    elif mdp.step_dependent_P:
        P = mdp.P[:, rows_s, src]
    else:
        P = mdp.P[rows_s, src]
    R = mdp.R[:, rows_s, src] if mdp.step_dependent_R else mdp.R[rows_s, src]
    from ..models.tabular import TabularMDP

    return TabularMDP(P, R, validate=False, **setting_kwargs(mdp)), src


def setting_kwargs(mdp) -> dict:
    """The keywords that rebuild ``mdp``'s setting (mu, criterion, gamma, horizon, terminal)
    around new P and R arrays."""
    kw = dict(mu=mdp.mu, criterion=mdp.criterion)
    if mdp.gamma is not None:
        kw["gamma"] = mdp.gamma
    if mdp.is_finite_horizon:
        kw["horizon"] = mdp.horizon
    if mdp.is_total:
        kw["terminal"] = mdp.terminal
    return kw


def _map_policy(pol, src):
    if pol is None:
        return pol
    pol = np.asarray(pol)
    if src.ndim == 3:  # step-dependent: pol (H, S)
        H, S = src.shape[:2]
        return src[np.arange(H)[:, None], np.arange(S)[None, :], pol]
    S = src.shape[0]
    if pol.ndim == 1:
        return src[np.arange(S), pol]
    return src[np.arange(S)[None, :], pol]


def _mask_Q(Q, mask):
    if Q is None:
        return Q
    Q = np.array(Q, dtype=np.float64)
    Q[..., ~mask] = -np.inf
    return Q


def _fold_occupancy(occ, src):
    if occ is None:
        return occ
    occ = np.asarray(occ, dtype=np.float64)
    out = np.zeros_like(occ)
    if src.ndim == 3:  # step-dependent
        S = src.shape[1]
        rows = np.broadcast_to(np.arange(S)[:, None], src.shape[1:])
        for h in range(occ.shape[0]):  # loop over steps only
            np.add.at(out[h], (rows, src[h]), occ[h])
        return out
    S = src.shape[0]
    rows = np.broadcast_to(np.arange(S)[:, None], src.shape)
    if occ.ndim == 2:
        np.add.at(out, (rows, src), occ)
    else:
        for h in range(occ.shape[0]):  # loop over steps only
            np.add.at(out[h], (rows, src), occ[h])
    return out


def respects_action_mask(fn):
    """Decorator of a solver method ``fn(mdp, *, tol, max_iter, **options)``: solves the
    effective model when ``mdp`` has an action mask and maps the result back."""

    @functools.wraps(fn)
    def wrapper(mdp, *args, **kwargs):
        mask = getattr(mdp, "action_mask", None)
        if mask is None:
            return fn(mdp, *args, **kwargs)
        if kwargs.get("policy0") is not None:  # a start on an unavailable action is refused
            from ._policy import as_policy

            as_policy(mdp, kwargs["policy0"], "policy0")
        eff, src = effective_model(mdp)
        res = fn(eff, *args, **kwargs)
        res.policy = _map_policy(res.policy, src)
        if res.q_computed:
            res.Q = _mask_Q(res.Q, mask)
        else:
            deferred = res._Q_fn
            res._Q_fn = lambda: _mask_Q(deferred(), mask)
        res.occupancy = _fold_occupancy(res.occupancy, src)
        res.extras["action_mask"] = "unavailable pairs solved as copies of an available action"
        return res

    return wrapper


def check_policy_mask(mdp, kind: str, arr: np.ndarray, name: str) -> None:
    """ValueError when a policy puts weight on an unavailable action (names the pair)."""
    mask = getattr(mdp, "action_mask", None)
    if mask is None:
        return
    S = mdp.S
    if mask.ndim == 3:  # step-dependent: check the policy at every step
        H = mask.shape[0]
        if kind == "deterministic":
            pol = np.broadcast_to(arr, (H, S))
            bad = ~mask[np.arange(H)[:, None], np.arange(S)[None, :], pol]
            if bad.any():
                h, s = (int(k) for k in np.argwhere(bad)[0])
                a = int(pol[h, s])
                where = f"{name}[{h}, {s}]" if arr.ndim == 2 else f"{name}[{s}]"
                raise ValueError(
                    f"{where} = {a} is an unavailable action at step {h}: "
                    f"action_mask[{h}, {s}, {a}] is False"
                )
        else:
            W = np.broadcast_to(arr, (H, S, mdp.A))
            bad = (W > 0) & ~mask
            if bad.any():
                h, s, a = (int(k) for k in np.argwhere(bad)[0])
                raise ValueError(
                    f"{name} puts weight {float(W[h, s, a])!r} on an unavailable "
                    f"action at step {h}: action_mask[{h}, {s}, {a}] is False"
                )
        return
    if kind == "deterministic":
        bad = ~mask[np.arange(S)[None, :] if arr.ndim == 2 else np.arange(S), arr]
        if bad.any():
            i = tuple(np.argwhere(bad)[0])
            s = i[-1]
            a = int(arr[i])
            where = f"{name}[{', '.join(str(int(k)) for k in i)}]"
            raise ValueError(
                f"{where} = {a} is an unavailable action: action_mask[{s}, {a}] is False"
            )
    else:
        bad = (arr > 0) & ~mask
        if bad.any():
            i = tuple(int(k) for k in np.argwhere(bad)[0])
            raise ValueError(
                f"{name}[{', '.join(map(str, i))}] = {float(arr[i])!r} puts weight on "
                f"an unavailable action: action_mask[{i[-2]}, {i[-1]}] is False"
            )

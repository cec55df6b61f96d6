r"""Converters between :class:`~mdpkit.models.tabular.TabularMDP` and other tools' layouts.

* pymdptoolbox: ``transitions`` of shape (A, S, S) (or a list of A (S, S) matrices, dense or
  ``scipy.sparse``) and ``reward`` of shape (S,), (S, A) or (A, S, S) (or a list of A
  matrices): :func:`to_pymdptoolbox`, :func:`from_pymdptoolbox`.
* QuantEcon ``DiscreteDP(R, Q, beta[, s_indices, a_indices])``, product form (R (S, A),
  Q (S, A, S)) and state-action-pair form (R (L,), Q (L, S) dense or sparse, s_indices,
  a_indices): :func:`to_quantecon`, :func:`quantecon_arrays`, :func:`from_quantecon`.
  quantecon is imported lazily and only by :func:`to_quantecon`; :func:`from_quantecon`
  reads attributes only, so any object with ``R, Q, beta`` (and ``s_indices, a_indices``
  for the pair form) works.
* gymnasium toy-text ``env.unwrapped.P`` = ``{s: {a: [(prob, s_next, reward, terminated),
  ...]}}``: :func:`from_gymnasium_toy_text`.

Decisions
---------
* Rewards are expectations: a reward given per transition (pymdptoolbox (A, S, S), toy-text
  tuples) becomes ``R[s, a] = sum_s' P(s'|s, a) r(s, a, s')``.
* pymdptoolbox has no step dependence: step-dependent models are refused by
  :func:`to_pymdptoolbox` (ValueError), never silently averaged.
* QuantEcon marks infeasible actions with ``R = -inf`` (product form) or by leaving the pair
  out (pair form). :func:`from_quantecon` maps them to the model's ``action_mask``
  (their stored P row is a self-loop and R is 0; no solver uses them) and
  :func:`quantecon_arrays` maps the mask back (``-inf`` / pairs left out), losslessly.
  With ``infeasible_reward=r`` an infeasible (s, a) is instead an ordinary self-loop
  paying r.
  ``beta = 1`` is accepted only together with ``horizon=H`` (undiscounted finite horizon,
  QuantEcon's ``backward_induction(ddp, T)``); :func:`to_quantecon` maps a stationary
  finite-horizon model to ``beta = 1`` (QuantEcon then warns that its infinite-horizon
  methods are disabled; the horizon itself is not part of a DiscreteDP: use ``T = mdp.H``).
* Toy-text termination: a transition with ``terminated=True`` goes to one extra absorbing
  state with index S (the last one), whose actions all loop on it with reward 0; its reward
  is counted in ``R[s, a]``. The extra state is appended only when at least one transition
  with positive probability terminates. Episode returns are then exactly the toy-text
  returns, in both the discounted and the finite-horizon setting. Duplicate successors
  (FrozenLake lists the same next state several times at the edges) are merged by
  summing probabilities. ``TimeLimit`` wrappers are not part of ``P``; pass ``horizon=`` to
  model them. Default ``mu`` is the env's ``initial_state_distrib`` when an env is given,
  else uniform over the S original states (0 on the absorbing state).
"""

from __future__ import annotations

import numbers

import numpy as np
import scipy.sparse as sp

from .tabular import TabularMDP

__all__ = [
    "to_pymdptoolbox",
    "from_pymdptoolbox",
    "to_quantecon",
    "quantecon_arrays",
    "from_quantecon",
    "from_gymnasium_toy_text",
]


# ------------------------------------------------------------------------------ helpers
def _sa_to_as_rows(S: int, A: int) -> np.ndarray:
    """perm with perm[s*A + a] = a*S + s (row order (a, s) -> (s, a))."""
    return (np.arange(S)[:, None] + S * np.arange(A)[None, :]).reshape(-1)


def _real_dense(x, name: str) -> np.ndarray:
    arr = np.asarray(x)
    if arr.dtype.kind not in "fiub":
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    return arr.astype(np.float64, copy=False)


def _check_static(mdp, what: str) -> None:
    if not isinstance(mdp, TabularMDP):
        raise TypeError(f"mdp must be a TabularMDP, got {type(mdp).__name__}")
    if mdp.step_dependent_P or mdp.step_dependent_R:
        raise ValueError(
            f"{what} has no step-dependent models; this mdp has a step-dependent "
            + ("P" if mdp.step_dependent_P else "R")
        )


# -------------------------------------------------------------------------- pymdptoolbox
def to_pymdptoolbox(mdp, *, sparse=None):
    """Arrays in the pymdptoolbox layout.

    Parameters
    ----------
    mdp : TabularMDP
        Stationary (P and R not step-dependent). Its ``gamma`` / ``H`` are not part of the
        output: pass ``discount=mdp.gamma`` (or ``N=mdp.H``) to pymdptoolbox yourself.
    sparse : bool, optional
        Return transitions as a list of A CSR matrices (S, S); default: as ``mdp`` is stored.

    Returns
    -------
    transitions : ndarray, shape (A, S, S), or list of A scipy.sparse CSR (S, S)
        ``transitions[a][s, s'] = P(s' | s, a)``.
    reward : ndarray, shape (S, A)
    """
    _check_static(mdp, "pymdptoolbox")
    if mdp.action_mask is not None:
        raise ValueError(
            "pymdptoolbox has no per-state action sets: this mdp has an action_mask "
            "(its unavailable pairs would become ordinary actions)"
        )
    sparse = mdp.is_sparse if sparse is None else bool(sparse)
    A = mdp.A
    if sparse:
        Pc = mdp.sparse_P()
        transitions = [sp.csr_matrix(Pc[a::A]) for a in range(A)]
    else:
        transitions = np.ascontiguousarray(np.transpose(mdp.dense_P(), (1, 0, 2)))
    return transitions, np.array(mdp.R)


def from_pymdptoolbox(
    transitions, reward, *, gamma=None, horizon=None, mu=None, sparse=None, criterion=None
):
    """A :class:`TabularMDP` from pymdptoolbox-layout arrays.

    Parameters
    ----------
    transitions : ndarray, shape (A, S, S), or sequence of A (S, S) matrices (dense or sparse)
    reward : ndarray, shape (S,), (S, A) or (A, S, S), or sequence
        An ndarray is read by its shape. A list or tuple follows pymdptoolbox's rule: of
        length A it is A (S, S) matrices (dense or sparse), of any other length a state
        vector (S,). (S,): reward of the state, the same for every action; (A, S, S): reward of the
        transition, turned into its expectation ``R[s, a] = sum_s' P[a, s, s'] r[a, s, s']``.
    gamma, horizon, mu, criterion : as in :class:`TabularMDP` (pymdptoolbox's ``discount``
        is gamma; its ``RelativeValueIteration`` is ``criterion="average"``)
    sparse : bool, optional
        Store P as CSR; default: sparse when any transition matrix is sparse.

    Returns
    -------
    TabularMDP
    """
    if isinstance(transitions, np.ndarray) and transitions.dtype != object:
        mats = None
        T = _real_dense(transitions, "transitions")
        if T.ndim != 3 or T.shape[1] != T.shape[2]:
            raise ValueError(f"transitions must have shape (A, S, S), got {T.shape}")
        A, S = T.shape[0], T.shape[1]
        any_sparse = False
    else:
        try:
            mats = list(transitions)
        except TypeError:
            raise TypeError(
                f"transitions must be an (A, S, S) array or a sequence of A (S, S) matrices, "
                f"got {type(transitions).__name__}"
            ) from None
        if not mats:
            raise ValueError("transitions is empty: need at least one action")
        mats = [
            m if sp.issparse(m) else _real_dense(m, f"transitions[{a}]") for a, m in enumerate(mats)
        ]
        A = len(mats)
        S = mats[0].shape[0] if mats[0].ndim == 2 else -1
        for a, m in enumerate(mats):
            if m.ndim != 2 or m.shape != (S, S):
                raise ValueError(
                    f"transitions[{a}] has shape {m.shape}, expected (S, S) = ({S}, {S})"
                )
        any_sparse = any(sp.issparse(m) for m in mats)
    if S < 1 or A < 1:
        raise ValueError(
            f"transitions must have S >= 1 states and A >= 1 actions, got S={S}, A={A}"
        )
    sparse = any_sparse if sparse is None else bool(sparse)

    # transition kernel in mdpkit layout
    if sparse:
        blocks = (
            [sp.csr_matrix(m) for m in mats]
            if mats is not None
            else [sp.csr_matrix(T[a]) for a in range(A)]
        )
        P = sp.vstack(blocks, format="csr")[_sa_to_as_rows(S, A)]
    else:
        if mats is not None:
            T = np.stack([m.toarray() if sp.issparse(m) else m for m in mats])
        P = np.transpose(T, (1, 0, 2))

    # rewards
    R = _pymdptoolbox_reward(reward, S, A, P if not sparse else None, blocks if sparse else None)
    return TabularMDP(P, R, gamma=gamma, horizon=horizon, mu=mu, criterion=criterion)


def _pymdptoolbox_reward(reward, S, A, P_dense, blocks):
    # pymdptoolbox's rule for a Python sequence: length A means one (S, S) matrix per action,
    # any other length is a state vector (S,). numpy arrays are read by their shape.
    is_seq = isinstance(reward, (list, tuple))
    if is_seq and len(reward) != A:
        reward = np.asarray(reward)
        if reward.dtype.kind not in "fiub" or reward.shape != (S,):
            raise ValueError(
                f"reward is a sequence of length {len(reward)} != A = {A}, so it is read as a "
                f"state vector of shape (S,) = ({S},) (pymdptoolbox's rule), got shape {reward.shape}"
            )
        is_seq = False
    if is_seq or (isinstance(reward, np.ndarray) and reward.dtype == object):
        mats = list(reward)
        if len(mats) != A:
            raise ValueError(f"reward is a sequence of {len(mats)} matrices, expected A = {A}")
        per_action = []
        for a, m in enumerate(mats):
            if not sp.issparse(m):
                m = np.asarray(m)
                if m.dtype.kind not in "fiub":
                    raise TypeError(f"reward[{a}] must hold real numbers, got dtype {m.dtype}")
            if m.shape != (S, S):
                raise ValueError(
                    f"reward is a sequence of length A = {A}, so it is read as A per-action "
                    f"(S, S) matrices (pymdptoolbox's rule), but reward[{a}] has shape "
                    f"{m.shape}, expected (S, S) = ({S}, {S}); pass np.asarray(reward) for an "
                    f"(S, A) array"
                )
            per_action.append(m)
    else:
        r = _real_dense(reward, "reward")
        if r.shape == (S,):
            return np.repeat(r[:, None], A, axis=1)
        if r.shape == (S, A) and r.ndim == 2:
            return r
        if r.shape != (A, S, S):
            raise ValueError(
                f"reward must have shape (S,) = ({S},), (S, A) = ({S}, {A}) or (A, S, S) = "
                f"({A}, {S}, {S}), got {r.shape}"
            )
        per_action = list(r)
    R = np.empty((S, A))
    for a, m in enumerate(per_action):  # loop over actions only
        Pa = blocks[a] if blocks is not None else P_dense[:, a, :]
        if sp.issparse(Pa):
            R[:, a] = np.asarray(Pa.multiply(m).sum(axis=1)).ravel()
        elif sp.issparse(m):
            R[:, a] = np.asarray(sp.csr_matrix(m).multiply(Pa).sum(axis=1)).ravel()
        else:
            R[:, a] = np.einsum("ij,ij->i", Pa, _real_dense(m, f"reward[{a}]"))
    return R


# ------------------------------------------------------------------------------ QuantEcon
def quantecon_arrays(mdp, *, form=None) -> dict:
    """Keyword arguments of ``quantecon.markov.DiscreteDP`` for ``mdp`` (no quantecon needed).

    Parameters
    ----------
    mdp : TabularMDP
        Discounted, or finite-horizon with stationary P and R (then ``beta = 1``).
    form : {"product", "sa_pairs"}, optional
        "product": ``R`` (S, A), ``Q`` (S, A, S) dense. "sa_pairs": ``R`` (S*A,), ``Q``
        (S*A, S) (CSR when ``mdp`` is sparse), ``s_indices``, ``a_indices`` (S*A,), pair
        ``s*A + a`` in row ``s*A + a``. Default: "sa_pairs" for sparse models, else "product".

    Returns
    -------
    dict with keys ``R, Q, beta`` (and ``s_indices, a_indices`` for "sa_pairs").
    """
    _check_static(mdp, "QuantEcon DiscreteDP")
    if mdp.criterion in ("average", "total"):
        raise ValueError(
            f"QuantEcon DiscreteDP has no {mdp.criterion}-reward criterion "
            f"(beta = 1 would mean a finite horizon there)"
        )
    if form is None:
        form = "sa_pairs" if mdp.is_sparse else "product"
    if form not in ("product", "sa_pairs"):
        raise ValueError(f'form must be "product" or "sa_pairs", got {form!r}')
    beta = mdp.gamma if mdp.is_discounted else 1.0
    S, A = mdp.S, mdp.A
    mask = mdp.action_mask
    if form == "product":
        R = np.array(mdp.R)
        if mask is not None:  # unavailable pairs: QuantEcon's -inf
            R[~mask] = -np.inf
        return dict(R=R, Q=np.array(mdp.dense_P()), beta=beta)
    Q = sp.csr_matrix(mdp.P, copy=True) if mdp.is_sparse else np.array(mdp.P).reshape(S * A, S)
    keep = np.ones(S * A, dtype=bool) if mask is None else mask.reshape(-1)
    return dict(
        R=np.array(mdp.R).reshape(S * A)[keep],
        Q=Q[keep] if mask is not None else Q,
        beta=beta,
        s_indices=np.repeat(np.arange(S), A)[keep],
        a_indices=np.tile(np.arange(A), S)[keep],
    )


def to_quantecon(mdp, *, form=None):
    """A ``quantecon.markov.DiscreteDP`` for ``mdp`` (imports quantecon; see :func:`quantecon_arrays`)."""
    try:
        from quantecon.markov import DiscreteDP
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "to_quantecon needs the optional package quantecon (pip install quantecon); "
            "quantecon_arrays(mdp) gives the same arrays without it"
        ) from exc
    return DiscreteDP(**quantecon_arrays(mdp, form=form))


def from_quantecon(ddp, *, horizon=None, mu=None, infeasible_reward=None, sparse=None):
    """A :class:`TabularMDP` from a QuantEcon ``DiscreteDP`` (or any object with its attributes).

    Parameters
    ----------
    ddp : object with ``R``, ``Q``, ``beta`` and, for the pair form, ``s_indices``,
        ``a_indices`` (``None`` or absent for the product form)
    horizon : int, optional
        Build the undiscounted finite-horizon model with this H; needs ``beta == 1``.
    mu : ndarray, shape (S,), optional
    infeasible_reward : float, optional
        By default infeasible pairs (``R = -inf`` or missing) become unavailable through
        the model's ``action_mask`` (stored as self-loops paying 0, never used). With
        ``infeasible_reward=r`` they are instead ordinary actions: self-loops paying r.
    sparse : bool, optional
        Store P as CSR; default: as ``ddp.Q`` is stored (sparse Q -> sparse model).

    Returns
    -------
    TabularMDP
    """
    for attr in ("R", "Q", "beta"):
        if not hasattr(ddp, attr):
            raise TypeError(
                f"ddp must have attributes R, Q, beta (a quantecon DiscreteDP); missing {attr}"
            )
    beta = ddp.beta
    if isinstance(beta, (bool, np.bool_)) or not isinstance(beta, numbers.Real):
        raise TypeError(f"ddp.beta must be a real number, got {type(beta).__name__}")
    beta = float(beta)
    if horizon is not None:
        if beta != 1.0:
            raise ValueError(
                f"horizon=H builds an undiscounted finite-horizon model and needs ddp.beta == 1, got {beta}"
            )
        gamma = None
    else:
        if beta == 1.0:
            raise ValueError(
                "ddp.beta == 1 is not a discounted model (gamma must be < 1): pass horizon=H "
                "for the undiscounted finite-horizon model"
            )
        gamma = beta
    if infeasible_reward is not None:
        if (
            isinstance(infeasible_reward, (bool, np.bool_))
            or not isinstance(infeasible_reward, numbers.Real)
            or not np.isfinite(infeasible_reward)
        ):
            raise ValueError(
                f"infeasible_reward must be a finite real number, got {infeasible_reward!r}"
            )
    s_idx = getattr(ddp, "s_indices", None)
    a_idx = getattr(ddp, "a_indices", None)
    Q = ddp.Q if sp.issparse(ddp.Q) else np.asarray(ddp.Q)
    if s_idx is None:  # product form
        R = _real_dense(ddp.R, "ddp.R")
        if R.ndim != 2:
            raise ValueError(f"ddp.R must have shape (S, A) in the product form, got {R.shape}")
        S, A = R.shape
        Q = _real_dense(Q.toarray() if sp.issparse(Q) else Q, "ddp.Q")
        if Q.shape != (S, A, S):
            raise ValueError(f"ddp.Q has shape {Q.shape}, expected (S, A, S) = ({S}, {A}, {S})")
        P = Q.reshape(S * A, S)
        feasible = R.reshape(-1) > -np.inf
        R = R.reshape(-1)
        use_sparse = bool(sparse)
        rows_P = sp.csr_matrix(P) if use_sparse else P
    else:  # state-action pair form
        if a_idx is None:
            raise ValueError("ddp has s_indices but no a_indices")
        s_idx = np.asarray(s_idx)
        a_idx = np.asarray(a_idx)
        R_pairs = _real_dense(ddp.R, "ddp.R")
        L = R_pairs.shape[0] if R_pairs.ndim == 1 else -1
        if R_pairs.ndim != 1 or s_idx.shape != (L,) or a_idx.shape != (L,):
            raise ValueError(
                f"pair form needs ddp.R, ddp.s_indices, ddp.a_indices of one shape (L,), got "
                f"{R_pairs.shape}, {s_idx.shape}, {a_idx.shape}"
            )
        if s_idx.dtype.kind not in "iu" or a_idx.dtype.kind not in "iu":
            raise TypeError("ddp.s_indices and ddp.a_indices must be integer arrays")
        if Q.ndim != 2 or Q.shape[0] != L:
            raise ValueError(
                f"ddp.Q must have shape (L, S) = ({L}, S) in the pair form, got {Q.shape}"
            )
        S = Q.shape[1]
        if L == 0:
            raise ValueError("ddp has no state-action pairs")
        if s_idx.min() < 0 or s_idx.max() >= S or a_idx.min() < 0:
            raise ValueError(f"ddp.s_indices must lie in [0, {S}) and ddp.a_indices be >= 0")
        A = int(a_idx.max()) + 1
        pair = s_idx.astype(np.int64) * A + a_idx.astype(np.int64)
        counts = np.bincount(pair, minlength=S * A)
        if (counts > 1).any():
            k = int(np.argmax(counts > 1))
            raise ValueError(f"ddp lists the state-action pair ({k // A}, {k % A}) more than once")
        feasible = counts == 1
        use_sparse = sp.issparse(Q) if sparse is None else bool(sparse)
        R = np.full(S * A, -np.inf)
        R[pair] = R_pairs
        feasible &= R > -np.inf
        # row of pair k of the (S*A, S) kernel: scatter the L given rows, other rows empty
        src = np.full(S * A, -1, dtype=np.int64)
        src[pair] = np.arange(L)
        if use_sparse:
            Qc = sp.csr_matrix(Q, dtype=np.float64)
            order = np.flatnonzero(src >= 0)
            Qs = Qc[src[order]]
            counts_row = np.zeros(S * A, dtype=np.int64)
            counts_row[order] = np.diff(Qs.indptr)
            indptr = np.concatenate([[0], np.cumsum(counts_row)])
            rows_P = sp.csr_matrix((Qs.data, Qs.indices, indptr), shape=(S * A, S))
        else:
            Qd = _real_dense(Q.toarray() if sp.issparse(Q) else Q, "ddp.Q")
            rows_P = np.zeros((S * A, S))
            rows_P[pair] = Qd
    if not feasible.all():
        k = int(np.argmax(~feasible))
        if infeasible_reward is None and not feasible.reshape(S, A).any(axis=1).all():
            s0 = int(np.flatnonzero(~feasible.reshape(S, A).any(axis=1))[0])
            raise ValueError(
                f"ddp has no feasible action in state {s0} (first such state; "
                f"infeasible pairs from s={k // A}, a={k % A})"
            )
        bad = np.flatnonzero(~feasible)
        R = R.copy()
        R[bad] = 0.0 if infeasible_reward is None else float(infeasible_reward)
        loops = sp.csr_matrix((np.ones(bad.size), (bad, bad // A)), shape=(S * A, S))
        if sp.issparse(rows_P):
            keep = sp.diags(feasible.astype(np.float64))
            rows_P = (keep @ rows_P + loops).tocsr()
        else:
            rows_P = rows_P.copy()
            rows_P[bad] = 0.0
            rows_P[bad, bad // A] = 1.0
    R = R.reshape(S, A)
    P = rows_P if sp.issparse(rows_P) else rows_P.reshape(S, A, S)
    mask = feasible.reshape(S, A) if infeasible_reward is None and not feasible.all() else None
    return TabularMDP(P, R, gamma=gamma, horizon=horizon, mu=mu, action_mask=mask)


# ---------------------------------------------------------------------- gymnasium toy text
def from_gymnasium_toy_text(env_or_P, *, gamma=None, horizon=None, mu=None, sparse=False):
    """A :class:`TabularMDP` from a gymnasium toy-text model ``env.unwrapped.P``.

    Parameters
    ----------
    env_or_P : gymnasium.Env or dict
        An env whose ``unwrapped`` has ``P`` (FrozenLake, CliffWalking, Taxi, ...), or the
        dict ``{s: {a: [(prob, s_next, reward, terminated), ...]}}`` itself, with states
        0..S-1 and the same actions 0..A-1 in every state.
    gamma, horizon : exactly one of them
    mu : ndarray, shape (S,) or (S+1,), optional
        Default: the env's ``initial_state_distrib`` if any, else uniform over the S states.
        A length-S ``mu`` gets probability 0 on the appended absorbing state.
    sparse : bool, default False
        Store P as CSR (big toy-text models, e.g. Taxi: 500 states).

    Returns
    -------
    TabularMDP
        S (or S+1 with the absorbing state, index S, when some transition terminates)
        states, A actions; see the module docstring for the termination convention.
    """
    env_mu = None
    if isinstance(env_or_P, dict):
        table = env_or_P
    else:
        base = getattr(env_or_P, "unwrapped", env_or_P)
        table = getattr(base, "P", None)
        if not isinstance(table, dict):
            raise TypeError(
                "env_or_P must be a toy-text dict {s: {a: [(prob, s_next, reward, terminated)]}} "
                f"or an env whose unwrapped.P is one; got {type(env_or_P).__name__}"
            )
        env_mu = getattr(base, "initial_state_distrib", None)
    S = len(table)
    if S == 0:
        raise ValueError("env_or_P has no states")
    if set(table) != set(range(S)):
        raise ValueError(f"env_or_P's states must be exactly 0..{S - 1}")
    A = len(table[0])
    if A == 0:
        raise ValueError("env_or_P's state 0 has no actions")
    rows, cols, probs, rewards = [], [], [], []
    for s in range(S):  # the model is a Python dict: one pass over its entries
        acts = table[s]
        if set(acts) != set(range(A)):
            raise ValueError(
                f"env_or_P[{s}] must have actions exactly 0..{A - 1}, got {sorted(acts)}"
            )
        for a in range(A):
            outcomes = acts[a]
            if len(outcomes) == 0:
                raise ValueError(f"env_or_P[{s}][{a}] lists no transition")
            for i, out in enumerate(outcomes):
                try:
                    p, s2, r, term = out[0], out[1], out[2], out[3]
                except (TypeError, IndexError):
                    raise ValueError(
                        f"env_or_P[{s}][{a}][{i}] must be (prob, s_next, reward, terminated), got {out!r}"
                    ) from None
                if not (0 <= int(s2) < S):
                    raise ValueError(f"env_or_P[{s}][{a}][{i}] has s_next={s2} outside 0..{S - 1}")
                rows.append(s * A + a)
                cols.append(S if term else int(s2))
                probs.append(float(p))
                rewards.append(float(r))
    rows = np.asarray(rows, dtype=np.int64)
    cols = np.asarray(cols, dtype=np.int64)
    probs = np.asarray(probs)
    rewards = np.asarray(rewards)
    if not np.isfinite(probs).all() or (probs < 0).any():
        k = int(np.argmax(~np.isfinite(probs) | (probs < 0)))
        raise ValueError(
            f"env_or_P has an invalid probability {probs[k]} at state {rows[k] // A}, action {rows[k] % A}"
        )
    if not np.isfinite(rewards).all():
        k = int(np.argmax(~np.isfinite(rewards)))
        raise ValueError(
            f"env_or_P has a non-finite reward at state {rows[k] // A}, action {rows[k] % A}"
        )
    absorbing = bool(((cols == S) & (probs > 0)).any())
    n_states = S + 1 if absorbing else S
    if not absorbing:
        keep = cols < S
        rows, cols, probs = rows[keep], cols[keep], probs[keep]
        rewards_sa = np.bincount(rows, weights=probs * rewards[keep], minlength=S * A)
    else:
        rewards_sa = np.bincount(rows, weights=probs * rewards, minlength=S * A)
        loop_rows = S * A + np.arange(A)
        rows = np.concatenate([rows, loop_rows])
        cols = np.concatenate([cols, np.full(A, S)])
        probs = np.concatenate([probs, np.ones(A)])
        rewards_sa = np.concatenate([rewards_sa, np.zeros(A)])
    R = rewards_sa.reshape(n_states, A)
    if sparse:
        P = sp.coo_matrix((probs, (rows, cols)), shape=(n_states * A, n_states)).tocsr()
    else:
        P = np.zeros((n_states * A, n_states))
        np.add.at(P, (rows, cols), probs)
        P = P.reshape(n_states, A, n_states)
    if mu is None:
        if env_mu is not None:
            mu = np.asarray(env_mu, dtype=np.float64)
        else:
            mu = np.full(S, 1.0 / S)
    mu = np.asarray(mu, dtype=np.float64)
    if absorbing and mu.shape == (S,):
        mu = np.concatenate([mu, [0.0]])
    return TabularMDP(P, R, gamma=gamma, horizon=horizon, mu=mu)

r"""Hypothesis strategies for valid tabular MDPs, policies and invalid model inputs.

Use them in your own property-based tests::

    from hypothesis import given, settings
    from mdpkit.testing import tabular_mdps, policies

    @given(tabular_mdps(max_S=4, finite_horizon=False))
    def test_something(mdp): ...

Decisions
---------
* Probability rows come from drawn non-negative weights (many exact zeros, so deterministic
  and sparse rows appear), normalised by their sum; then the *largest* entry is replaced by
  ``1 - sum(others)``. The largest entry is >= 1/n, so the replacement is never negative
  and rows sum to 1 within a few ulps (the model tolerance is 1e-10). An all-zero weight row
  becomes a point mass (on state ``row_index mod S``).
* Sizes default to tiny models (S <= 5, A <= 3, H <= 5) so that brute force over all
  deterministic policies stays cheap; raise ``max_S`` etc. when needed.
* :func:`invalid_mdp_inputs` starts from a valid model and injects exactly one fault at a
  drawn place, so it knows the exact exception type and the message fragment (including the
  offending index) that :class:`~mdpkit.models.tabular.TabularMDP` must produce.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from ..models.tabular import TabularMDP

__all__ = ["tabular_mdps", "policies", "distributions", "invalid_mdp_inputs", "FAULT_KINDS"]

_WEIGHTS = st.one_of(
    st.just(0.0),
    st.just(1.0),
    st.floats(0.0, 1.0, allow_nan=False, allow_infinity=False, allow_subnormal=False),
)


def _normalise_rows(w: np.ndarray) -> np.ndarray:
    """Rows of ``w`` (last axis) -> probability vectors summing to 1 within a few ulps."""
    w = np.array(w, dtype=np.float64)
    n = w.shape[-1]
    flat = w.reshape(-1, n)
    zero = flat.sum(axis=1) == 0
    if zero.any():
        rows = np.flatnonzero(zero)
        flat[rows] = 0.0
        flat[rows, rows % n] = 1.0
    p = flat / flat.sum(axis=1, keepdims=True)
    big = np.argmax(p, axis=1)
    r = np.arange(p.shape[0])
    p[r, big] = 0.0
    p[r, big] = 1.0 - p.sum(axis=1)  # >= 1 - (n-1)/n > 0 up to rounding
    if (p[r, big] < 0).any():  # pragma: no cover - impossible by the argument above
        raise AssertionError("normalisation produced a negative probability")
    return p.reshape(w.shape)


@st.composite
def distributions(draw, shape):
    """Arrays of probability vectors: shape ``shape``, the last axis sums to 1."""
    w = draw(hnp.arrays(np.float64, shape, elements=_WEIGHTS))
    return _normalise_rows(w)


def _check_args(
    min_S, max_S, min_A, max_A, discounted, finite_horizon, sparse, step_dependent, max_H
):
    if not (1 <= min_S <= max_S):
        raise ValueError(f"need 1 <= min_S <= max_S, got min_S={min_S}, max_S={max_S}")
    if not (1 <= min_A <= max_A):
        raise ValueError(f"need 1 <= min_A <= max_A, got min_A={min_A}, max_A={max_A}")
    if max_H < 1:
        raise ValueError(f"max_H must be >= 1, got {max_H}")
    if not (discounted or finite_horizon):
        raise ValueError("at least one of discounted and finite_horizon must be True")
    if step_dependent and not finite_horizon:
        raise ValueError("step_dependent=True needs finite_horizon=True")
    if step_dependent and sparse:
        raise ValueError("step_dependent=True needs a dense P (sparse=False or None)")


def tabular_mdps(
    min_S=1,
    max_S=5,
    min_A=1,
    max_A=3,
    *,
    discounted=True,
    finite_horizon=True,
    sparse=False,
    step_dependent=None,
    max_H=5,
    min_gamma=0.0,
    max_gamma=0.95,
    reward_range=(0.0, 1.0),
    random_mu=True,
):
    """Valid :class:`TabularMDP` instances.

    Parameters
    ----------
    min_S, max_S, min_A, max_A : int
        Ranges of the numbers of states and actions.
    discounted, finite_horizon : bool
        Which settings may be drawn (at least one True).
    sparse : bool or None, default False
        True: CSR P only; False: dense only; None: either.
    step_dependent : bool or None, default None
        Finite horizon only. True: P (H, S, A, S) and R (H, S, A); False: stationary P and R;
        None: stationary, fully step-dependent, or step-dependent R only.
    max_H : int
        Horizons are drawn in 1..max_H.
    min_gamma, max_gamma : float
        Discount factors are drawn in [min_gamma, max_gamma].
    reward_range : (float, float)
        Rewards are drawn in this closed interval.
    random_mu : bool
        Draw the initial distribution (else uniform).
    """
    _check_args(
        min_S, max_S, min_A, max_A, discounted, finite_horizon, sparse, step_dependent, max_H
    )
    return _tabular_mdps(
        min_S,
        max_S,
        min_A,
        max_A,
        discounted,
        finite_horizon,
        sparse,
        step_dependent,
        max_H,
        min_gamma,
        max_gamma,
        reward_range,
        random_mu,
    )


@st.composite
def _tabular_mdps(
    draw,
    min_S,
    max_S,
    min_A,
    max_A,
    discounted,
    finite_horizon,
    sparse,
    step_dependent,
    max_H,
    min_gamma,
    max_gamma,
    reward_range,
    random_mu,
):
    S = draw(st.integers(min_S, max_S))
    A = draw(st.integers(min_A, max_A))
    kinds = [
        k
        for k, ok in (("discounted", discounted and not step_dependent), ("finite", finite_horizon))
        if ok
    ]
    kind = draw(st.sampled_from(kinds))
    if step_dependent:
        is_sparse = False
    else:
        is_sparse = draw(st.booleans()) if sparse is None else bool(sparse)
    gamma = horizon = None
    sd_P = sd_R = False
    if kind == "discounted":
        gamma = draw(st.floats(min_gamma, max_gamma, allow_nan=False))
    else:
        horizon = draw(st.integers(1, max_H))
        if step_dependent is None:
            mode = draw(
                st.sampled_from(["stationary", "R"] if is_sparse else ["stationary", "PR", "R"])
            )
            sd_P, sd_R = mode == "PR", mode in ("PR", "R")
        elif step_dependent:
            sd_P = sd_R = True
    lead = (horizon,) if sd_P else ()
    P = draw(distributions(lead + (S, A, S)))
    lo, hi = reward_range
    R = draw(
        hnp.arrays(
            np.float64,
            ((horizon,) if sd_R else ()) + (S, A),
            elements=st.floats(lo, hi, allow_nan=False, allow_infinity=False),
        )
    )
    mu = draw(distributions((S,))) if random_mu else None
    if is_sparse:
        P = sp.csr_matrix(P.reshape(S * A, S))
    return TabularMDP(P, R, gamma=gamma, horizon=horizon, mu=mu)


def policies(mdp, deterministic=None, stationary=None):
    """Policies for ``mdp``.

    Parameters
    ----------
    mdp : TabularMDP
    deterministic : bool or None
        True: int arrays (S,) discounted / (H, S) finite horizon; False: stochastic float
        arrays (S, A) / (H, S, A) whose rows sum to 1; None: either.
    stationary : bool or None
        Finite horizon only: True draws a stationary (S,) / (S, A) policy, False a per-step
        one, None either. Ignored for discounted models (always stationary).
    """
    if not isinstance(mdp, TabularMDP):
        raise TypeError(f"mdp must be a TabularMDP, got {type(mdp).__name__}")
    return _policies(mdp, deterministic, stationary)


@st.composite
def _policies(draw, mdp, deterministic, stationary):
    det = draw(st.booleans()) if deterministic is None else bool(deterministic)
    if mdp.is_discounted:
        lead = ()
    else:
        stat = draw(st.booleans()) if stationary is None else bool(stationary)
        lead = () if stat else (mdp.H,)
    if det:
        return draw(hnp.arrays(np.int64, lead + (mdp.S,), elements=st.integers(0, mdp.A - 1)))
    return draw(distributions(lead + (mdp.S, mdp.A)))


# ------------------------------------------------------------------------- invalid inputs
#: kinds of fault produced by :func:`invalid_mdp_inputs`
FAULT_KINDS = (
    "P_shape",
    "P_ndim",
    "R_ndim",
    "P_nonfinite",
    "P_negative",
    "P_rowsum",
    "R_nonfinite",
    "gamma_range",
    "gamma_type",
    "both",
    "neither",
    "horizon_value",
    "horizon_type",
    "mu_shape",
    "mu_negative",
    "mu_nonfinite",
    "mu_sum",
    "P_nonnumeric",
    "P_complex",
    "stepP_rowsum",
    "stepP_without_horizon",
    "stepP_wrong_H",
    "stepR_without_horizon",
    "stepR_wrong_H",
    "sparse_shape",
    "sparse_rowsum",
    "sparse_negative",
    "sparse_nonfinite",
    "sparse_empty_row",
    "validate_type",
)


def _fmt(idx) -> str:
    return "[" + ", ".join(str(int(i)) for i in idx) + "]"


def invalid_mdp_inputs(max_S=4, max_A=3, max_H=3, faults=None):
    """Invalid ``TabularMDP`` inputs with the error they must raise.

    ``faults`` restricts the kinds of fault (names in ``FAULT_KINDS``); default: all.

    Returns (draws) a tuple ``(kwargs, expected_exception, expected_substring)``:
    ``TabularMDP(**kwargs)`` must raise ``expected_exception`` (ValueError or TypeError)
    whose message contains ``expected_substring`` (the argument's name and, for entry
    faults, the exact offending index, e.g. ``"P[2, 0, :] sums to"``).
    """
    if faults is None:
        faults = FAULT_KINDS
    unknown = set(faults) - set(FAULT_KINDS)
    if unknown or not faults:
        raise ValueError(
            f"faults must be a non-empty subset of FAULT_KINDS, got unknown {sorted(unknown)}"
        )
    return _invalid_mdp_inputs(max_S, max_A, max_H, tuple(faults))


@st.composite
def _invalid_mdp_inputs(draw, max_S, max_A, max_H, faults):
    fault = draw(st.sampled_from(sorted(faults)))
    S = draw(st.integers(1, max_S))
    A = draw(st.integers(1, max_A))
    H = draw(st.integers(1, max_H))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    P = rng.dirichlet(np.ones(S), size=(S, A))  # entries > 0 almost surely
    R = rng.random((S, A))
    s = draw(st.integers(0, S - 1))
    a = draw(st.integers(0, A - 1))
    t = draw(st.integers(0, S - 1))
    h = draw(st.integers(0, H - 1))
    gamma = draw(st.floats(0.0, 0.99))
    kw = dict(P=P, R=R, gamma=gamma)
    bad_value = draw(st.sampled_from([np.nan, np.inf, -np.inf]))
    off = draw(st.floats(2e-10, 10.0)) * draw(st.sampled_from([1.0, -1.0]))

    if fault == "P_shape":
        kw["P"] = np.concatenate([P, np.zeros((S, A, 1))], axis=2)
        return kw, ValueError, f"P has shape {(S, A, S + 1)} but R implies"
    if fault == "P_ndim":
        kw["P"] = P.reshape(S * A, S)
        return kw, ValueError, "P must have shape (S, A, S) or (H, S, A, S)"
    if fault == "R_ndim":
        kw["R"] = draw(st.sampled_from([R.reshape(-1), R.reshape(1, 1, 1, S, A)]))
        return kw, ValueError, "R must have shape (S, A) or (H, S, A)"
    if fault == "P_nonfinite":
        P = P.copy()
        P[s, a, t] = bad_value
        kw["P"] = P
        return kw, ValueError, f"P{_fmt((s, a, t))} is {float(bad_value)}"
    if fault == "P_negative":
        P = P.copy()
        x = draw(st.floats(1e-12, 1.0))
        P[s, a, t] = -x
        if S > 1:  # restore the row sum to 1 with another entry: only the sign is wrong
            u = (t + 1) % S
            P[s, a, u] = 0.0
            P[s, a, u] = 1.0 - P[s, a].sum()
        kw["P"] = P
        return kw, ValueError, f"P{_fmt((s, a, t))} = {-x!r} is negative"
    if fault == "P_rowsum":
        P = P.copy()
        P[s, a, t] = max(P[s, a, t] + off, 0.0)  # a decrease is clipped at 0 (no negativity)
        if abs(P[s, a].sum() - 1.0) <= 1e-10:  # the clip at 0 cancelled the fault
            P[s, a, t] += 1.0
        kw["P"] = P
        return kw, ValueError, f"P{_fmt((s, a))[:-1]}, :] sums to"
    if fault == "R_nonfinite":
        R = R.copy()
        R[s, a] = bad_value
        kw["R"] = R
        return kw, ValueError, f"R{_fmt((s, a))} is {float(bad_value)}"
    if fault == "gamma_range":
        kw["gamma"] = draw(
            st.one_of(st.floats(min_value=1.0), st.floats(max_value=-1e-300), st.just(np.nan))
        )
        return kw, ValueError, "gamma must lie in [0, 1)"
    if fault == "gamma_type":
        kw["gamma"] = draw(st.sampled_from(["0.9", True, 1j, [0.9]]))
        return kw, TypeError, "gamma must be a real number"
    if fault == "both":  # gamma and horizon together are a discounted finite horizon,
        kw["horizon"] = H  # but not under the infinite-horizon criterion
        kw["criterion"] = "discounted"
        return kw, ValueError, 'criterion="discounted" is infinite-horizon'
    if fault == "neither":
        del kw["gamma"]
        return kw, ValueError, "got neither"
    if fault == "horizon_value":
        del kw["gamma"]
        kw["horizon"] = draw(st.integers(max_value=0))
        return kw, ValueError, "horizon must be >= 1"
    if fault == "horizon_type":
        del kw["gamma"]
        kw["horizon"] = draw(st.sampled_from([2.0, 2.5, "3", True, [3]]))
        return kw, TypeError, "horizon must be an integer"
    if fault == "mu_shape":
        kw["mu"] = np.full(S + 1, 1.0 / (S + 1))
        return kw, ValueError, f"mu must have shape (S,) = ({S},)"
    if fault == "mu_negative":
        mu = np.full(S, 1.0 / S)
        mu[s] = -draw(st.floats(1e-12, 1.0))
        kw["mu"] = mu
        return kw, ValueError, f"mu[{s}] = {float(mu[s])!r} is negative"
    if fault == "mu_nonfinite":
        mu = np.full(S, 1.0 / S)
        mu[s] = bad_value
        kw["mu"] = mu
        return kw, ValueError, f"mu[{s}] is {float(bad_value)}"
    if fault == "mu_sum":
        kw["mu"] = np.full(S, 1.0 / S) * (1.0 + abs(off))
        return kw, ValueError, "mu sums to"
    if fault == "P_nonnumeric":
        kw["P"] = draw(st.sampled_from([[["a"]], "P", {"s": 1}, object()]))
        return kw, TypeError, "P must"
    if fault == "P_complex":
        kw["P"] = P.astype(np.complex128)
        return kw, TypeError, "P must hold real numbers"
    if fault.startswith("step"):
        P4 = rng.dirichlet(np.ones(S), size=(H, S, A))
        R3 = rng.random((H, S, A))
        if fault == "stepP_rowsum":
            P4[h, s, a, t] += abs(off)
            return dict(P=P4, R=R3, horizon=H), ValueError, f"P[{h}, {s}, {a}, :] sums to"
        if fault == "stepP_without_horizon":
            return (
                dict(P=P4, R=R, gamma=gamma),
                ValueError,
                "P with shape (H, S, A, S) needs horizon=H",
            )
        if fault == "stepP_wrong_H":
            return (
                dict(P=P4, R=R, horizon=H + 1),
                ValueError,
                f"P has shape {(H, S, A, S)} but R implies",
            )
        if fault == "stepR_without_horizon":
            return (
                dict(P=P, R=R3, gamma=gamma),
                ValueError,
                "R with shape (H, S, A) needs horizon=H",
            )
        if fault == "stepR_wrong_H":
            return (
                dict(P=P, R=R3, horizon=H + 1),
                ValueError,
                f"R has {H} steps on axis 0 but horizon={H + 1}",
            )
    if fault.startswith("sparse"):
        row = s * A + a
        if fault == "sparse_shape":
            kw["P"] = sp.csr_matrix(
                np.concatenate([P.reshape(S * A, S), np.zeros((S * A, 1))], axis=1)
            )
            return kw, ValueError, "sparse P has shape"
        Pd = P.reshape(S * A, S).copy()
        if fault == "sparse_rowsum":
            Pd[row, t] += abs(off)
            kw["P"] = sp.csr_matrix(Pd)
            return kw, ValueError, f"P[{s}, {a}, :] (CSR row {row}) sums to"
        if fault == "sparse_empty_row":
            Pd[row] = 0.0
            kw["P"] = sp.csr_matrix(Pd)  # the row has no stored entry at all
            return kw, ValueError, f"P[{s}, {a}, :] (CSR row {row}) sums to 0.0"
        if fault == "sparse_negative":
            x = draw(st.floats(1e-12, 1.0))
            Pd[row, t] = -x
            kw["P"] = sp.csr_matrix(Pd)
            return kw, ValueError, f"P[{s}, {a}, {t}] (CSR row {row}) = {-x!r} is negative"
        if fault == "sparse_nonfinite":
            Pd[row, t] = bad_value
            kw["P"] = sp.csr_matrix(Pd)
            return kw, ValueError, f"P[{s}, {a}, {t}] (CSR row {row}) is {float(bad_value)}"
    if fault == "validate_type":
        kw["validate"] = draw(st.sampled_from(["yes", 1, None]))
        return kw, TypeError, "validate must be a bool"
    raise AssertionError(f"unhandled fault {fault}")  # pragma: no cover

"""Bad input to TabularMDP: every kind of invalid model raises ValueError/TypeError naming
the argument (and the first offending index); immutability; sparse models never densified.

The invalid inputs come from ``mdpkit.testing.invalid_mdp_inputs`` (one fault injected at a
drawn place, so the expected message, with its index, is known exactly).
"""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mdpkit import TabularMDP
from mdpkit.models import ROW_SUM_ATOL
from mdpkit.models.generators import random_sparse_mdp
from mdpkit.testing import FAULT_KINDS, invalid_mdp_inputs, tabular_mdps

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ------------------------------------------------------------------ all fault kinds
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(invalid_mdp_inputs())
def test_invalid_inputs_raise_naming_argument_and_index(case):
    kwargs, exc_type, fragment = case
    with pytest.raises(exc_type) as info:
        TabularMDP(**kwargs)
    assert fragment in str(info.value)


@pytest.mark.parametrize("fault", FAULT_KINDS)
def test_each_fault_kind(fault):
    """Every kind separately (the mixed test above could miss a rare kind)."""

    @settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(invalid_mdp_inputs(faults=[fault]))
    def check(case):
        kwargs, exc_type, fragment = case
        assert exc_type in (ValueError, TypeError)
        with pytest.raises(exc_type) as info:
            TabularMDP(**kwargs)
        assert fragment in str(info.value)
        # the fragment names the argument at fault
        assert any(
            name in fragment
            for name in ("P", "R", "mu", "gamma", "horizon", "both", "neither", "validate")
        )

    check()


# --------------------------------------------------------- first offending index
def _valid_P(rng, shape_lead, S):
    return rng.dirichlet(np.ones(S), size=shape_lead)


@FAST
@given(S=st.integers(1, 5), A=st.integers(1, 4), seed=st.integers(0, 2**32 - 1), data=st.data())
def test_row_sum_error_names_first_offending_pair_dense(S, A, seed, data):
    rng = np.random.default_rng(seed)
    P = _valid_P(rng, (S, A), S)
    bad = data.draw(st.sets(st.tuples(st.integers(0, S - 1), st.integers(0, A - 1)), min_size=1))
    for s, a in bad:
        P[s, a, data.draw(st.integers(0, S - 1))] += data.draw(st.floats(1e-9, 5.0))
    s0, a0 = min(bad)  # C order = lexicographic (s, a)
    with pytest.raises(ValueError) as info:
        TabularMDP(P, rng.random((S, A)), gamma=0.9)
    msg = str(info.value)
    assert msg.startswith(f"P[{s0}, {a0}, :] sums to ")
    assert f"{float(P[s0, a0].sum())!r}" in msg


@FAST
@given(
    S=st.integers(1, 4),
    A=st.integers(1, 3),
    H=st.integers(1, 4),
    seed=st.integers(0, 2**32 - 1),
    data=st.data(),
)
def test_row_sum_error_names_first_offending_triple_step_dependent(S, A, H, seed, data):
    rng = np.random.default_rng(seed)
    P = _valid_P(rng, (H, S, A), S)
    bad = data.draw(
        st.sets(
            st.tuples(st.integers(0, H - 1), st.integers(0, S - 1), st.integers(0, A - 1)),
            min_size=1,
        )
    )
    for h, s, a in bad:
        P[h, s, a] *= 1.0 - data.draw(st.floats(1e-8, 0.9))  # rows now sum to < 1
    h0, s0, a0 = min(bad)
    with pytest.raises(ValueError) as info:
        TabularMDP(P, rng.random((H, S, A)), horizon=H)
    assert str(info.value).startswith(f"P[{h0}, {s0}, {a0}, :] sums to ")


@FAST
@given(S=st.integers(1, 5), A=st.integers(1, 4), seed=st.integers(0, 2**32 - 1), data=st.data())
def test_row_sum_error_names_first_offending_pair_sparse(S, A, seed, data):
    rng = np.random.default_rng(seed)
    P = _valid_P(rng, (S * A,), S)
    bad = data.draw(st.sets(st.integers(0, S * A - 1), min_size=1))
    for row in bad:
        if data.draw(st.booleans()):
            P[row] = 0.0  # an empty CSR row
        else:
            P[row, data.draw(st.integers(0, S - 1))] += data.draw(st.floats(1e-9, 5.0))
    row0 = min(bad)
    s0, a0 = divmod(row0, A)
    with pytest.raises(ValueError) as info:
        TabularMDP(sp.csr_matrix(P), rng.random((S, A)), gamma=0.5)
    assert str(info.value).startswith(f"P[{s0}, {a0}, :] (CSR row {row0}) sums to ")


@FAST
@given(
    S=st.integers(1, 5),
    A=st.integers(1, 3),
    seed=st.integers(0, 2**32 - 1),
    sparse=st.booleans(),
    kind=st.sampled_from(["negative", "nan", "inf"]),
    data=st.data(),
)
def test_entry_errors_name_first_offending_entry(S, A, seed, sparse, kind, data):
    rng = np.random.default_rng(seed)
    P = _valid_P(rng, (S, A), S)
    cells = data.draw(
        st.sets(
            st.tuples(st.integers(0, S - 1), st.integers(0, A - 1), st.integers(0, S - 1)),
            min_size=1,
            max_size=4,
        )
    )
    value = {"negative": -0.25, "nan": np.nan, "inf": np.inf}[kind]
    for c in cells:
        P[c] = value
    s0, a0, t0 = min(cells)
    R = rng.random((S, A))
    if sparse:
        with pytest.raises(ValueError) as info:
            TabularMDP(sp.csr_matrix(P.reshape(S * A, S)), R, gamma=0.5)
        prefix = f"P[{s0}, {a0}, {t0}] (CSR row {s0 * A + a0})"
    else:
        with pytest.raises(ValueError) as info:
            TabularMDP(P, R, gamma=0.5)
        prefix = f"P[{s0}, {a0}, {t0}]"
    expected_tail = " = -0.25 is negative" if kind == "negative" else f" is {value}"
    assert str(info.value).startswith(prefix + expected_tail)


@FAST
@given(S=st.integers(1, 5), A=st.integers(1, 3), seed=st.integers(0, 2**32 - 1), data=st.data())
def test_reward_error_names_first_nonfinite_entry(S, A, seed, data):
    rng = np.random.default_rng(seed)
    R = rng.random((S, A))
    cells = data.draw(st.sets(st.tuples(st.integers(0, S - 1), st.integers(0, A - 1)), min_size=1))
    for c in cells:
        R[c] = data.draw(st.sampled_from([np.nan, np.inf, -np.inf]))
    s0, a0 = min(cells)
    with pytest.raises(
        ValueError, match=rf"^R\[{s0}, {a0}\] is (nan|inf|-inf), rewards must be finite"
    ):
        TabularMDP(_valid_P(rng, (S, A), S), R, gamma=0.5)


# ------------------------------------------------------------ tolerance boundary
@pytest.mark.parametrize("sparse", [False, True])
def test_row_sum_tolerance_boundary(sparse):
    P = np.array([[[0.5, 0.5]], [[0.25, 0.75]]])
    R = np.zeros((2, 1))

    def build(P):
        return TabularMDP(sp.csr_matrix(P.reshape(2, 2)) if sparse else P, R, gamma=0.5)

    inside = P.copy()
    inside[1, 0, 1] += 0.5 * ROW_SUM_ATOL
    build(inside)  # accepted as given (not renormalised)
    assert build(inside).dense_P()[1, 0, 1] == inside[1, 0, 1]
    outside = P.copy()
    outside[1, 0, 1] += 2 * ROW_SUM_ATOL
    with pytest.raises(ValueError, match=r"P\[1, 0, :\]"):
        build(outside)


def test_gamma_horizon_and_mu_boundaries():
    P = np.ones((1, 1, 1))
    R = np.zeros((1, 1))
    assert TabularMDP(P, R, gamma=0).gamma == 0.0
    assert TabularMDP(P, R, gamma=np.float64(np.nextafter(1.0, 0.0))).is_discounted
    assert TabularMDP(P, R, horizon=np.int64(3)).H == 3
    with pytest.raises(ValueError, match="gamma must lie in"):
        TabularMDP(P, R, gamma=1.0)
    with pytest.raises(ValueError, match="gamma must lie in"):
        TabularMDP(P, R, gamma=-0.0001)
    with pytest.raises(TypeError, match="horizon must be an integer"):
        TabularMDP(P, R, horizon=3.0)
    with pytest.raises(ValueError, match="mu sums to"):
        TabularMDP(P, R, gamma=0.5, mu=[1.0 + 2 * ROW_SUM_ATOL])
    TabularMDP(P, R, gamma=0.5, mu=[1.0 + 0.5 * ROW_SUM_ATOL])


def test_validate_false_skips_values_but_not_shapes():
    P = np.full((2, 1, 2), 0.7)  # rows sum to 1.4
    R = np.zeros((2, 1))
    TabularMDP(P, R, gamma=0.5, validate=False)
    with pytest.raises(ValueError, match="P has shape"):
        TabularMDP(np.full((2, 1, 3), 0.5), R, gamma=0.5, validate=False)
    with pytest.raises(ValueError, match="sums to"):
        TabularMDP(P, R, gamma=0.5)


def test_sparse_structure_checks():
    R = np.zeros((2, 1))
    good = sp.csr_matrix(np.array([[1.0, 0.0], [0.0, 1.0]]))
    bad = good.copy()
    bad.indices = bad.indices.copy()
    bad.indices[1] = 5  # column outside [0, S)
    with pytest.raises(ValueError, match="column index outside"):
        TabularMDP(bad, R, gamma=0.5)
    # duplicates are summed, unsorted indices sorted, int64 indices
    dup = sp.csr_matrix(
        (np.array([0.25, 0.5, 0.25, 1.0]), np.array([1, 0, 1, 0]), np.array([0, 3, 4])),
        shape=(2, 2),
    )
    m = TabularMDP(dup, R, gamma=0.5)
    assert m.P.indices.dtype == np.int64 and m.P.indptr.dtype == np.int64
    np.testing.assert_array_equal(m.P.indices, [0, 1, 0])
    np.testing.assert_array_equal(m.P.data, [0.5, 0.5, 1.0])
    # other sparse formats are accepted and converted
    assert TabularMDP(sp.coo_matrix(dup), R, gamma=0.5) == m
    assert TabularMDP(sp.csc_matrix(dup), R, gamma=0.5) == m


def test_complex_input_refused_not_truncated():
    P = np.ones((1, 1, 1), dtype=complex)
    with pytest.raises(TypeError, match="P must hold real numbers"):
        TabularMDP(P, np.zeros((1, 1)), gamma=0.5)
    with pytest.raises(TypeError, match="R must hold real numbers"):
        TabularMDP(np.ones((1, 1, 1)), np.zeros((1, 1), dtype=complex), gamma=0.5)
    with pytest.raises(TypeError, match="P must hold real numbers"):
        TabularMDP(sp.csr_matrix(np.ones((1, 1), dtype=complex)), np.zeros((1, 1)), gamma=0.5)


# ------------------------------------------------------------------ immutability
@FAST
@given(tabular_mdps(sparse=None))
def test_model_is_immutable(mdp):
    arrays = [mdp.R, mdp.mu]
    if mdp.is_sparse:
        arrays += [mdp.P.data, mdp.P.indices, mdp.P.indptr]
    else:
        arrays.append(mdp.P)
    for arr in arrays:
        assert not arr.flags.writeable
        with pytest.raises(ValueError):
            arr.reshape(-1)[0] = 0.5
    with pytest.raises(AttributeError):
        mdp.gamma = 0.1


@FAST
@given(tabular_mdps(sparse=None))
def test_model_copies_its_inputs(mdp):
    """Mutating the caller's arrays after construction leaves the model unchanged."""
    P_in = mdp.P.copy() if mdp.is_sparse else np.array(mdp.P)
    R_in, mu_in = np.array(mdp.R), np.array(mdp.mu)
    m = TabularMDP(P_in, R_in, gamma=mdp.gamma, horizon=mdp.horizon, mu=mu_in)
    before = (m.dense_P().copy(), m.R.copy(), m.mu.copy())
    (P_in.data if mdp.is_sparse else P_in)[...] = 7.0
    R_in[...] = 7.0
    mu_in[...] = 7.0
    np.testing.assert_array_equal(m.dense_P(), before[0])
    np.testing.assert_array_equal(m.R, before[1])
    np.testing.assert_array_equal(m.mu, before[2])
    assert m == mdp


# ------------------------------------------------------------ never densified
def test_sparse_model_is_never_densified():
    """S = 2e5 sparse: peak allocation while building is O(nnz), far below S^2.

    A dense (S*A, S) float array would be 6.4e11 bytes; even one dense (S, S) slice of it
    3.2e11. The bound below is 8x the bytes of the CSR arrays (data + indices + indptr).
    """
    S, A, k = 200_000, 2, 3
    src = random_sparse_mdp(S, A, k, gamma=0.9, rng=0)
    P = sp.csr_matrix(
        (np.array(src.P.data), np.array(src.P.indices), np.array(src.P.indptr)), shape=src.P.shape
    )
    R = np.array(src.R)
    nnz_bytes = P.nnz * (8 + 8) + (S * A + 1) * 8
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        m = TabularMDP(P, R, gamma=0.9)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        m2 = random_sparse_mdp(S, A, k, gamma=0.9, rng=1)
        _, peak_gen = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert m.is_sparse and m.nnz == S * A * k and m2.nnz == S * A * k
    assert peak > nnz_bytes / 2  # tracemalloc does see numpy's allocations
    assert peak < 8 * nnz_bytes, (peak, nnz_bytes)
    assert peak_gen < 12 * nnz_bytes, (peak_gen, nnz_bytes)


# ------------------------------------------------- the exported strategies themselves
@FAST
@given(st.data())
def test_tabular_mdps_respects_its_parameters(data):
    sparse = data.draw(st.sampled_from([None, True, False]))
    step_dependent = None if sparse else data.draw(st.sampled_from([None, True, False]))
    discounted = data.draw(st.booleans()) and not step_dependent
    finite = (not discounted) or data.draw(st.booleans())
    mdp = data.draw(
        tabular_mdps(
            2,
            4,
            1,
            2,
            discounted=discounted,
            finite_horizon=finite,
            sparse=sparse,
            step_dependent=step_dependent,
            max_H=3,
            max_gamma=0.9,
            reward_range=(-1.0, 2.0),
        )
    )
    assert 2 <= mdp.S <= 4 and 1 <= mdp.A <= 2
    assert mdp.is_discounted if not finite else (mdp.is_finite_horizon if not discounted else True)
    if mdp.is_discounted:
        assert 0.0 <= mdp.gamma <= 0.9
    else:
        assert 1 <= mdp.H <= 3
    if sparse is not None:
        assert mdp.is_sparse == sparse
    if step_dependent is True:
        assert mdp.step_dependent_P and mdp.step_dependent_R
    if step_dependent is False:
        assert not (mdp.step_dependent_P or mdp.step_dependent_R)
    P = mdp.dense_P()
    assert P.min() >= 0.0
    assert np.max(np.abs(P.sum(-1) - 1.0)) <= 1e-14  # far inside the 1e-10 tolerance
    assert abs(mdp.mu.sum() - 1.0) <= 1e-14
    assert mdp.R.min() >= -1.0 and mdp.R.max() <= 2.0


def test_tabular_mdps_argument_errors():
    from mdpkit.testing import policies

    with pytest.raises(ValueError, match="at least one of discounted and finite_horizon"):
        tabular_mdps(discounted=False, finite_horizon=False)
    with pytest.raises(ValueError, match="step_dependent=True needs a dense P"):
        tabular_mdps(sparse=True, step_dependent=True)
    with pytest.raises(ValueError, match="min_S <= max_S"):
        tabular_mdps(3, 2)
    with pytest.raises(ValueError, match="faults must be"):
        invalid_mdp_inputs(faults=["nonsense"])
    with pytest.raises(TypeError, match="mdp must be a TabularMDP"):
        policies("mdp")


@FAST
@given(st.data())
def test_policies_strategy(data):
    from mdpkit.testing import policies

    mdp = data.draw(tabular_mdps(sparse=None))
    det = data.draw(st.sampled_from([None, True, False]))
    stationary = data.draw(st.sampled_from([None, True, False]))
    pi = data.draw(policies(mdp, deterministic=det, stationary=stationary))
    is_det = pi.dtype.kind == "i"
    if det is not None:
        assert is_det == det
    tail = (mdp.S,) if is_det else (mdp.S, mdp.A)
    if mdp.is_discounted or stationary is True:
        leads = [()]
    elif stationary is False:
        leads = [(mdp.H,)]
    else:
        leads = [(), (mdp.H,)]
    assert pi.shape in [lead + tail for lead in leads]
    if is_det:
        assert pi.min() >= 0 and pi.max() < mdp.A
    else:
        assert pi.min() >= 0 and np.max(np.abs(pi.sum(-1) - 1.0)) <= 1e-14


@pytest.mark.parametrize("copy", [True, False])
def test_row_sum_tolerance_boundary_large_dense(copy):
    """Large dense models (>= 65,536 entries) are pre-checked by a compiled one-pass row
    scan (copying or not); its verdict must use the same 1e-10 tolerance: a row off by
    2 * ROW_SUM_ATOL is refused (naming it), one off by 0.5 * ROW_SUM_ATOL is accepted."""
    S = 256
    rng = np.random.default_rng(3)
    P = rng.dirichlet(np.ones(S), size=(S, 1))
    P[:, 0, :] /= P[:, 0, :].sum(axis=1, keepdims=True)
    R = np.zeros((S, 1))
    P[7, 0, 3] += 0.5 * ROW_SUM_ATOL
    TabularMDP(P.copy(), R, gamma=0.5, copy=copy)
    P[7, 0, 3] += 1.5 * ROW_SUM_ATOL
    with pytest.raises(ValueError, match=r"P\[7, 0, :\]"):
        TabularMDP(P.copy(), R, gamma=0.5, copy=copy)

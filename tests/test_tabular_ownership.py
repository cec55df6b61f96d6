"""TabularMDP(copy=False): the ownership mode for large dense models."""

import numpy as np
import pytest

from mdpkit import TabularMDP


def _model_arrays(S=4, A=3, seed=0):
    rng = np.random.default_rng(seed)
    P = rng.dirichlet(np.ones(S), size=(S, A))
    R = rng.random((S, A))
    return P, R


def test_copy_false_keeps_and_freezes_the_callers_arrays():
    P, R = _model_arrays()
    mdp = TabularMDP(P, R, gamma=0.9, copy=False)
    assert np.shares_memory(mdp.P, P) and np.shares_memory(mdp.R, R)
    assert not P.flags.writeable and not R.flags.writeable
    with pytest.raises(ValueError):
        P[0, 0, 0] = 1.0
    assert mdp == TabularMDP(P, R, gamma=0.9)  # same model as the copying mode


def test_copy_true_leaves_the_callers_arrays_alone():
    P, R = _model_arrays()
    mdp = TabularMDP(P, R, gamma=0.9)
    assert not np.shares_memory(mdp.P, P)
    assert P.flags.writeable
    P[0, 0, :] = 0.0  # the model does not see later writes
    assert np.isclose(mdp.P[0, 0].sum(), 1.0)


def test_copy_false_converts_other_dtypes_and_layouts():
    P, R = _model_arrays()
    P_f = np.asfortranarray(P)
    mdp = TabularMDP(P_f, R.astype(np.float32), gamma=0.9, copy=False)
    assert not np.shares_memory(mdp.P, P_f)
    assert mdp.P.flags.c_contiguous and mdp.R.dtype == np.float64
    assert P_f.flags.writeable


def test_copy_false_still_validates_and_does_not_freeze_refused_input():
    P, R = _model_arrays()
    P[2, 1, 0] += 0.01
    with pytest.raises(ValueError, match=r"P\[2, 1, :\] sums to"):
        TabularMDP(P, R, gamma=0.9, copy=False)
    assert P.flags.writeable


def test_copy_must_be_bool():
    P, R = _model_arrays()
    with pytest.raises(TypeError, match="copy"):
        TabularMDP(P, R, gamma=0.9, copy="no")


def test_replace_shares_unchanged_frozen_arrays():
    P, R = _model_arrays()
    mdp = TabularMDP(P, R, gamma=0.9)
    other = mdp.replace(gamma=0.5)
    assert np.shares_memory(other.P, mdp.P)
    assert other.gamma == 0.5 and other == mdp.replace(gamma=0.5)


# ---------------------------------------------------------------- large dense validation
from mdpkit.models import _validate, tabular  # noqa: E402


def _large(S=130, A=4, seed=1):
    P, R = _model_arrays(S, A, seed)
    assert P.size >= tabular.DENSE_NUMBA_MIN_SIZE  # the compiled pre-check path
    return P, R


@pytest.mark.parametrize(
    "fault, match",
    [
        (lambda P: P.__setitem__((7, 2, 5), np.nan), r"P\[7, 2, 5\] is nan"),
        (lambda P: P.__setitem__((7, 2, 5), np.inf), r"P\[7, 2, 5\] is inf"),
        (
            lambda P: P.__setitem__((9, 1, slice(0, 2)), [-0.25, P[9, 1, 0] + P[9, 1, 1] + 0.25]),
            r"P\[9, 1, 0\] = -0.25 is negative",
        ),
        (lambda P: P.__setitem__((100, 3, 0), P[100, 3, 0] + 1e-9), r"P\[100, 3, :\] sums to"),
    ],
)
def test_large_dense_faults_give_the_numpy_messages(fault, match):
    P, R = _large()
    fault(P)
    assert _validate.first_suspect_row(P.reshape(-1, P.shape[-1]), 1e-10) >= 0
    with pytest.raises(ValueError, match=match):
        TabularMDP(P, R, gamma=0.9)


def test_compiled_row_check_agrees_with_numpy_on_random_rows():
    rng = np.random.default_rng(3)
    X = rng.dirichlet(np.ones(50), size=400)
    bad = rng.choice(400, size=40, replace=False)
    X[bad[:10], 0] += 1e-8  # sums off
    X[bad[10:20], 1] = -X[bad[10:20], 1]  # negative entries
    X[bad[20:30], 2] = np.nan
    X[bad[30:], 3] = -np.inf
    expected = np.sort(bad).tolist()
    got = []
    for i in range(400):
        if _validate.first_suspect_row(X[i : i + 1], 1e-10) == 0:
            got.append(i)
    assert got == expected
    assert _validate.first_suspect_row(X, 1e-10) == expected[0]


def test_large_dense_copy_is_exact_and_private():
    P, R = _large()
    mdp = TabularMDP(P, R, gamma=0.9)  # fused copy + row check path
    assert not np.shares_memory(mdp.P, P)
    assert np.array_equal(mdp.P, P) and mdp.P.flags.c_contiguous and not mdp.P.flags.writeable
    assert mdp == TabularMDP(P, R, gamma=0.9, copy=False)

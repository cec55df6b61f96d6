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

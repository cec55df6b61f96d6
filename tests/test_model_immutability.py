"""A validated TabularMDP cannot be changed through any route a user has: re-enabling the
write flag, rebinding CSR attributes, copying or pickling. Each test mutates by one route and
checks both that the route fails (or is harmless) and that solving gives the same answer."""

import copy
import pickle

import numpy as np
import pytest
import scipy.sparse as sp

from mdpkit import TabularMDP, solve
from mdpkit.solvers import q_from_v


def _arrays(S=5, A=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.dirichlet(np.ones(S), size=(S, A)), rng.random((S, A))


def _dense(seed=0):
    P, R = _arrays(seed=seed)
    return TabularMDP(P, R, gamma=0.9)


def _sparse(seed=0):
    P, R = _arrays(seed=seed)
    return TabularMDP(sp.csr_matrix(P.reshape(-1, P.shape[-1])), R, gamma=0.9)


def _all_arrays(mdp):
    out = [mdp.R, mdp.mu]
    if mdp.is_sparse:
        out += [mdp.P.data, mdp.P.indices, mdp.P.indptr]
    else:
        out.append(mdp.P)
    return out


@pytest.mark.parametrize("make", [_dense, _sparse])
def test_write_flag_cannot_be_re_enabled_down_the_base_chain(make):
    mdp = make()
    for arr in _all_arrays(mdp):
        base = arr
        while isinstance(base, np.ndarray):
            with pytest.raises(ValueError):
                base.setflags(write=True)
            base = base.base
        with pytest.raises(ValueError):
            arr[(0,) * arr.ndim] = 123
    with pytest.raises(ValueError):
        mdp.R *= 10


@pytest.mark.parametrize("route", ["data", "indices", "indptr", "resize", "inplace_mul"])
def test_rebinding_csr_attributes_does_not_reach_the_model(route):
    mdp = _sparse()
    ref = solve(mdp, "pi")
    P = mdp.P
    if route == "data":
        P.data = np.full_like(P.data, 7.0)
    elif route == "indices":
        P.indices = np.full_like(P.indices, 10**6)  # would read out of bounds
    elif route == "indptr":
        P.indptr = np.zeros_like(P.indptr)
    elif route == "resize":
        try:  # refused (read-only arrays) or applied to the wrapper only
            P.resize((2, 2))
        except ValueError:
            pass
    else:
        with pytest.raises(ValueError):
            P.data *= 3.0
    assert mdp.P is not P
    for method in ("vi", "pi", "mpi", "lp"):
        res = solve(mdp, method, tol=1e-9)
        np.testing.assert_array_equal(res.policy, ref.policy)
        np.testing.assert_allclose(res.V, ref.V, atol=1e-7)
    np.testing.assert_allclose(q_from_v(mdp, ref.V), ref.Q, atol=1e-12)


@pytest.mark.parametrize("make", [_dense, _sparse])
@pytest.mark.parametrize("how", ["copy", "deepcopy", "pickle"])
def test_copies_and_pickles_keep_the_guarantees(make, how):
    mdp = make()
    other = {
        "copy": copy.copy,
        "deepcopy": copy.deepcopy,
        "pickle": lambda m: pickle.loads(pickle.dumps(m)),
    }[how](mdp)
    assert other == mdp
    for arr in _all_arrays(other):
        assert not arr.flags.writeable
        with pytest.raises(ValueError):
            arr.setflags(write=True)


def test_pickle_revalidates_what_it_loads():
    mdp = _dense()
    payload = pickle.dumps(mdp)
    # a tampered stream (one probability changed) is refused on load, not trusted
    P_bytes = mdp.P.tobytes()
    i = P_bytes.index(np.float64(mdp.P[0, 0, 0]).tobytes())
    bad = payload.replace(P_bytes, P_bytes[:i] + np.float64(5.0).tobytes() + P_bytes[i + 8 :])
    assert bad != payload
    with pytest.raises(ValueError, match=r"P\[0, 0, :\] sums to"):
        pickle.loads(bad)


def test_ownership_mode_view_cannot_be_re_enabled():
    P, R = _arrays()
    mdp = TabularMDP(P, R, gamma=0.9, copy=False)
    assert np.shares_memory(mdp.P, P)
    for arr in (mdp.P, mdp.R):
        with pytest.raises(ValueError):
            arr.setflags(write=True)


def test_finite_horizon_csr_kernels_read_only_validated_arrays():
    """The compiled backward-induction kernel reads the model's private arrays: indices
    rebound to out-of-range values on a wrapper cannot reach it."""
    P, R = _arrays(S=6, A=2, seed=3)
    mdp = TabularMDP(sp.csr_matrix(P.reshape(-1, 6)), R, horizon=4)
    ref = solve(mdp)
    wrapper = mdp.P
    wrapper.indices = np.full_like(wrapper.indices, 10**9)
    wrapper.data = np.full_like(wrapper.data, np.nan)
    res = solve(mdp)
    np.testing.assert_array_equal(res.V, ref.V)
    np.testing.assert_array_equal(res.policy, ref.policy)
    np.testing.assert_allclose(res.V, solve(TabularMDP(P, R, horizon=4)).V, atol=1e-12)


@pytest.mark.parametrize("name", ["_R", "_P", "R", "gamma", "_gamma"])
def test_attributes_cannot_be_rebound(name):
    mdp = _dense()
    with pytest.raises(AttributeError, match="immutable"):
        setattr(mdp, name, np.zeros((5, 3)))
    with pytest.raises(AttributeError):
        delattr(mdp, name)

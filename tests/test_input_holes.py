"""Small holes in input checking: each gets an error naming the argument (or, for m = 0
constraints, the documented behaviour); n_jobs is capped; a silent scheduler times out."""

from __future__ import annotations

import socket
import threading
import time
import warnings

import numpy as np
import pytest
import scipy.sparse as sp

from mdpkit import TabularMDP, evaluate, q_from_v, solve
from mdpkit.models.tabular import MAX_HORIZON


def _mdp(S=3, A=2, gamma=0.9, seed=0):
    rng = np.random.default_rng(seed)
    return TabularMDP(rng.dirichlet(np.ones(S), size=(S, A)), rng.random((S, A)), gamma=gamma)


def test_constrained_with_zero_constraints_is_the_unconstrained_lp():
    from mdpkit.solvers import solve_constrained

    mdp = _mdp()
    v_star = float(mdp.mu @ solve(mdp, "pi").V)
    for costs, budgets in ((np.zeros((0, 3, 2)), np.zeros(0)), ([], []), (None, None)):
        res = solve_constrained(mdp, costs, budgets)
        assert res.value == pytest.approx(v_star, abs=1e-8) and res.costs.shape == (0,)
    fh = TabularMDP(mdp.P, mdp.R, horizon=3)
    res = solve_constrained(fh, np.zeros((0, 3, 3, 2)), [])
    assert res.value == pytest.approx(float(fh.mu @ solve(fh).V[0]), abs=1e-8)
    with pytest.raises(ValueError, match="both costs and budgets"):
        solve_constrained(mdp, None, [])


@pytest.mark.parametrize(
    "x0, exc, match",
    [
        (np.zeros((3, 1)), ValueError, r"x0 must have shape \(3,\)"),
        (np.zeros(4), ValueError, r"x0 must have shape \(3,\)"),
        (np.array([0.0, np.nan, 0.0]), ValueError, r"x0\[1\] is nan"),
        (np.array([1j, 0, 0]), TypeError, "x0 must hold real numbers"),
        ("abc", TypeError, "x0"),
    ],
)
def test_krylov_x0_is_validated(x0, exc, match):
    mdp = _mdp()
    with pytest.raises(exc, match=match):
        evaluate(mdp, np.zeros(3, dtype=int), solver="krylov", x0=x0)
    V = evaluate(mdp, np.zeros(3, dtype=int), solver="krylov", x0=np.ones(3))
    np.testing.assert_allclose(V, evaluate(mdp, np.zeros(3, dtype=int)), atol=1e-9)


def test_method_must_be_a_string():
    with pytest.raises(TypeError, match="method must be a str"):
        solve(_mdp(), method=["vi"])


@pytest.mark.parametrize(
    "kw, exc, match",
    [
        (dict(method="vi", V0="abc"), TypeError, "V0"),
        (dict(method="vi", V0=np.array([1 + 1j, 0, 0])), TypeError, "V0 must hold real numbers"),
        (
            dict(method="vi", V0=np.array(["1", "2", "3"], dtype=object)),
            TypeError,
            r"V0\[0\] is '1'",
        ),
        (dict(method="mpi", V0=[0.0, np.inf, 0.0]), ValueError, r"V0\[1\] is inf"),
        (dict(method="pi", krylov_rtol="x"), TypeError, "krylov_rtol must be a real number"),
        (dict(method="lp", highs_options="x"), TypeError, "highs_options must be a dict"),
        (dict(method="lp", weight=[1j, 1, 1]), TypeError, "weight must hold real numbers"),
        (dict(method="vi", damping="on"), ValueError, "damping must be"),
    ],
)
def test_solver_options_errors_name_the_argument(kw, exc, match):
    with pytest.raises(exc, match=match):
        solve(_mdp(), **kw)


def test_complex_costs_are_refused():
    from mdpkit.solvers import solve_constrained

    with pytest.raises(TypeError, match="costs must hold real numbers"):
        solve_constrained(_mdp(), np.ones((1, 3, 2)) * (1 + 1j), [1.0])


@pytest.mark.parametrize(
    "V, exc, match",
    [
        (np.array([0.0, np.nan, 1.0]), ValueError, r"V\[1\] is nan"),
        (np.zeros(2), ValueError, r"V must have shape \(3,\)"),
        (np.array([1j, 0, 0]), TypeError, "V must hold real numbers"),
    ],
)
def test_q_from_v_checks_V(V, exc, match):
    with pytest.raises(exc, match=match):
        q_from_v(_mdp(), V)


def test_horizon_bounded_at_construction():
    P = np.ones((1, 1, 1))
    with pytest.raises(ValueError, match="horizon must be <= "):
        TabularMDP(P, np.zeros((1, 1)), horizon=10**30)
    assert TabularMDP(P, np.zeros((1, 1)), horizon=MAX_HORIZON).H == MAX_HORIZON


def test_object_arrays_of_numeric_strings_are_refused():
    P = np.array([[["0.5", "0.5"]], [["1", "0"]]], dtype=object)
    with pytest.raises(TypeError, match=r"P\[0, 0, 0\] is '0.5'"):
        TabularMDP(P, np.zeros((2, 1)), gamma=0.5)
    R = np.array([[0.5], ["1"]], dtype=object)
    with pytest.raises(TypeError, match=r"R\[1, 0\] is '1'"):
        TabularMDP(np.ones((2, 1, 2)) / 2, R, gamma=0.5)
    ok = TabularMDP(np.ones((2, 1, 2)) / 2, np.array([[0.5], [1]], dtype=object), gamma=0.5)
    assert ok.R[1, 0] == 1.0


def test_masked_arrays_with_masked_entries_are_refused():
    R = np.ma.masked_array([[0.5], [1.0]], mask=[[False], [True]])
    with pytest.raises(ValueError, match="R is a masked array with masked entries"):
        TabularMDP(np.ones((2, 1, 2)) / 2, R, gamma=0.5)
    clean = np.ma.masked_array([[0.5], [1.0]], mask=False)
    assert TabularMDP(np.ones((2, 1, 2)) / 2, clean, gamma=0.5).R[1, 0] == 1.0


def test_fractional_csr_indices_are_refused():
    P = sp.csr_matrix(np.array([[0.5, 0.5], [1.0, 0.0]]))
    P.indices = P.indices.astype(np.float64) + 0.25
    with pytest.raises(TypeError, match="indices of dtype float64"):
        TabularMDP(P, np.zeros((2, 1)), gamma=0.5)


# ------------------------------------------------------------------ runner
def test_jobs_capped_at_seeds_and_cpus_with_a_note():
    from mdpkit.experiments.runner import _check_jobs, _cpu_count

    with pytest.warns(RuntimeWarning, match=r"n_jobs=24 capped at \d+ \(\d+ CPU\(s\), 2 seed"):
        assert _check_jobs(24, None, 2) == min(2, _cpu_count())
    cpus = _cpu_count()
    with pytest.warns(RuntimeWarning, match="capped"):
        assert _check_jobs(cpus + 5, None, 1000) == cpus
    assert _check_jobs(-1, None, 1) == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert _check_jobs(1, None, 3) == 1


def test_silent_scheduler_times_out_with_one_line():
    from mdpkit.experiments.runner import connect_scheduler

    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(4)
    held = []

    def accept():  # accept connections, never answer
        while True:
            try:
                held.append(srv.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    t0 = time.monotonic()
    try:
        with pytest.raises(TimeoutError) as info:
            connect_scheduler(f"tcp://127.0.0.1:{srv.getsockname()[1]}", timeout=1.0)
    finally:
        srv.close()
        for c in held:
            c.close()
    assert time.monotonic() - t0 < 15
    msg = str(info.value)
    assert "\n" not in msg and "scheduler='tcp://127.0.0.1" in msg and "1 s" in msg

"""Curated one-line bugs in the exact solvers (VI, PI, policy evaluation, LP, backward
induction). Format: ``tests/mutation/harness.py``."""

_DISC = "tests/test_solvers_discounted.py"

MUTANTS = [
    dict(
        file="mdpkit/solvers/vi.py",
        find="        V = TV + shift",
        replace="        V = V_n + shift",
        tests=[f"{_DISC}::test_vi_pi_mpi_match_brute_force", f"{_DISC}::test_vi_bound_is_valid"],
        why="VI returns the previous sweep's value V_n instead of T V_n",
    ),
    # the stopping rule of every engine is _vi_rules.sweep_control (reliability branch)
    dict(
        file="mdpkit/solvers/_vi_rules.py",
        find="        bound = c * (dmax - dmin) + slack",
        replace="        bound = (dmax - dmin) + slack",
        tests=[f"{_DISC}::test_vi_bound_is_valid", f"{_DISC}::test_vi_pi_mpi_match_brute_force"],
        why="span stopping rule without the gamma/(1-gamma) factor (stops too early)",
    ),
    # the certificate returned by vi.finish is _vi_rules.certified_bound
    dict(
        file="mdpkit/solvers/_vi_rules.py",
        find="        return c * (dmax - dmin) + slack",
        replace="        return 0.5 * c * (dmax - dmin) + slack",
        tests=[
            f"{_DISC}::test_vi_bound_is_valid",
            f"{_DISC}::test_vi_bound_is_attained_up_to_a_constant",
        ],
        why="certified VI bound halved (claims more than it proves)",
    ),
    dict(
        file="mdpkit/solvers/discounted_evaluation.py",
        find="        M = np.eye(S) - gamma * (Ppi.T if transpose else Ppi)",
        replace="        M = np.eye(S) - gamma ** 2 * (Ppi.T if transpose else Ppi)",
        tests=[
            f"{_DISC}::test_evaluate_and_occupancy",
            f"{_DISC}::test_vi_pi_mpi_match_brute_force",
        ],
        why="policy evaluation with gamma^2 instead of gamma (dense path)",
    ),
    dict(
        file="mdpkit/solvers/pi.py",
        find="        improve = Q[rows, best] > Q[rows, pol] + tie_tol",
        replace="        improve = Q[rows, best] > Q[rows, pol] + tie_tol + 0.05",
        tests=[
            f"{_DISC}::test_small_value_differences_are_resolved",
            f"{_DISC}::test_vi_pi_mpi_match_brute_force",
        ],
        why="policy iteration ignores improvements below 0.05 (stops at a suboptimal policy)",
    ),
    dict(
        file="mdpkit/solvers/lp.py",
        find="        b_ub=-b,",
        replace="        b_ub=-(b + 0.3 * np.sin(np.arange(b.size)) / rho),",
        tests=["tests/test_lp.py::test_lp_matches_brute_force"],
        why="LP solves a perturbed problem (rewards off by up to 0.3)",
    ),
    dict(
        file="mdpkit/solvers/lp.py",
        find="    d_w = np.maximum(-np.asarray(res.ineqlin.marginals, dtype=np.float64), 0.0).reshape(S, A)",
        replace="    d_w = np.maximum(np.asarray(res.ineqlin.marginals, dtype=np.float64), 0.0).reshape(S, A)",
        tests=[
            "proofs_check/check_foundation.py::test_lp_strong_duality",
            "proofs_check/check_foundation.py::test_lp_certificate_and_values_against_enumeration",
        ],
        why="LP occupancy read from the duals with the wrong sign",
    ),
    dict(
        file="mdpkit/solvers/_finite_horizon_kernels.py",
        find="                q = Rh[s, a] + gamma * PV[s * A + a]",
        replace="                q = Rh[s, a] + 0.999 * gamma * PV[s * A + a]",
        tests=[
            "tests/test_solvers_finite_horizon.py::test_backward_lp_bruteforce_agree",
            "tests/test_solvers_finite_horizon.py::test_optimal_value_example_by_hand",
        ],
        why="dense backward induction discounts the continuation value (finite horizon is undiscounted)",
    ),
    dict(
        file="mdpkit/solvers/backward.py",
        find="    Vn = np.vstack([V[1:], np.zeros((1, S))])",
        replace="    Vn = np.vstack([V[:-1], np.zeros((1, S))])",
        tests=[
            "tests/test_solvers_finite_horizon.py::test_numba_csr_q_is_deferred_and_exact",
            "tests/test_solvers_finite_horizon.py::test_backward_lp_bruteforce_agree",
        ],
        why="Q of a finite-horizon solve built from V_{h-1} instead of V_{h+1} (wrong DP index)",
    ),
    # the compiled dense engine no longer has its own loop: it runs _vi_rules.run_loop over
    # the compiled sweeps. Stopping at span <= tol instead of c * span <= tol is stopping at
    # c * span <= c * tol, so the same bug, confined to the compiled engine, is a tol
    # multiplied by c = gamma/(1-gamma) (span rule only) where vi_loop_dense hands it over.
    dict(
        file="mdpkit/solvers/_kernels.py",
        find="        float(tol),",
        replace="        float(tol) * (gamma / (1.0 - gamma) if rule == RULE_SPAN else 1.0),",
        tests=[
            f"{_DISC}::test_numba_and_numpy_engines_agree",
            f"{_DISC}::test_vi_pi_mpi_match_brute_force",
        ],
        why="compiled VI loop: span stopping rule without gamma/(1-gamma)",
    ),
]

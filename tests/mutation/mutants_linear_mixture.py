"""One-line bugs in the linear mixture code and the tests that must catch them
(docs/papers/linear-mixture.md, "Checks")."""

_K = "mdpkit/algorithms/linear_mixture/_kernels.py"
_T = "tests/test_linear_mixture_algorithms.py"

MUTANTS = [
    dict(
        file=_K,
        find="        v = alpha * alpha\n",
        replace="        v = alpha\n",
        tests=[f"{_T}::test_home_matches_numpy_and_invariants"],
        why="HOME floor alpha instead of alpha^2",
    ),
    dict(
        file=_K,
        find="            Si[i, j] -= u[i] * u[j] / den",
        replace="            Si[i, j] += u[i] * u[j] / den",
        tests=[f"{_T}::test_vtr_add_keeps_inverse_and_solves_ridge"],
        why="wrong sign in the Sherman-Morrison update of the within-episode inverse",
    ),
    dict(
        file=_K,
        find="    q = u + 2.0 * beta * mahal(buf, Sdh_inv)",
        replace="    q = u + beta * mahal(buf, Sdh_inv)",
        tests=[f"{_T}::test_oracle_matches_numpy_reference"],
        why="trajectory uncertainty V^ without the factor 2 on its own width",
    ),
    dict(
        file=_K,
        find="                        t = (-qb + np.sqrt(disc)) / qa",
        replace="                        t = (-qb - np.sqrt(disc)) / qa",
        tests=[f"{_T}::test_candidates_inside_set_and_on_boundary"],
        why="line search takes the wrong root: candidates off the confidence-set boundary",
    ),
    dict(
        file=_K,
        find="                q += P[s, a, t] * V[h + 1, t]\n            V[h, s] = q",
        replace="                q += P[s, a, t] * V[h, t]\n            V[h, s] = q",
        tests=[f"{_T}::test_known_model_exact_planning"],
        why="exact policy evaluation reads the wrong step (off-by-one in the DP index)",
    ),
    dict(
        file=_K,
        find="        lad.theta[m][:] = inv @ lad.b[m]",
        replace="        lad.theta[m][:] = lad.b[m]",
        tests=[f"{_T}::test_vtr_add_keeps_inverse_and_solves_ridge"],
        why="ridge estimate without the inverse covariance",
    ),
]

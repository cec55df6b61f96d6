"""One-line bugs that the latent-MDP tests must kill (mutation harness)."""

MUTANTS = [
    dict(
        file="mdpkit/solvers/_latent_kernels.py",
        find="        out[m] = b[m] * pcol[m] if match[m] else 0.0",
        replace="        out[m] = b[m] if match[m] else 0.0",
        tests=["tests/test_latent_planner.py::test_tiger_history_beats_markov"],
        why="belief update ignores the transition likelihood",
    ),
    dict(
        file="mdpkit/solvers/_latent_kernels.py",
        find="                    v[s2] = alpha[c, act[c], m] if c >= 0 else 0.0",
        replace="                    v[s2] = alpha[c, 0, m] if c >= 0 else 0.0",
        tests=["tests/test_latent_planner.py::test_tiger_history_beats_markov"],
        why="DP index: child value under action 0 instead of the child's chosen action",
    ),
    dict(
        file="mdpkit/solvers/_latent_kernels.py",
        find="            tv[n, m] = (e1sq - e1 * e1) + ev",
        replace="            tv[n, m] = ev",
        tests=["tests/test_latent_planner.py::test_total_variance_identity_and_range"],
        why="total variance drops the one-step variance term",
    ),
    dict(
        file="mdpkit/solvers/_latent_kernels.py",
        find="        b += rule.deviation * BERNSTEIN_C * iota / n * dev",
        replace="        b -= rule.deviation * BERNSTEIN_C * iota / n * dev",
        tests=["tests/test_latent_learners.py::test_bonuses_nonnegative_and_mo_below_vo"],
        why="wrong sign of the deviation part of the VO bonus",
    ),
    dict(
        file="mdpkit/algorithms/latent/_kernels.py",
        find="        if _is_pow2(cnt):",
        replace="        if _is_pow2(cnt + 1):",
        tests=["tests/test_latent_learners.py::test_refresh_counts_and_empirical_rows"],
        why="off-by-one in the doubling trigger",
    ),
    dict(
        file="mdpkit/models/latent.py",
        find="        U = (R + nxt).max(axis=2)",
        replace="        U = (R + nxt).min(axis=2)",
        tests=["tests/test_latent_planner.py::test_total_reward_above_one_refused"],
        why="total-reward check uses the smallest instead of the largest return",
    ),
]

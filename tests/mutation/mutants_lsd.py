"""One-line bugs the LSD tests must kill (mutation harness entries)."""

MUTANTS = [
    dict(
        file="mdpkit/envs/lsd.py",
        find="codes[i] = (c + 1 if c + 1 < 2 * M else 2 * M - 1) if c >= M else M",
        replace="codes[i] = (c + 1 if c + 1 < 2 * M else 2 * M - 1) if c >= M else M + 1",
        tests=[
            "tests/test_lsd_model.py::test_env_reward_stream_and_idle_action",
            "tests/test_lsd_planning.py::test_dp_equals_brute_force",
        ],
        why="a pull after idling must start the streak at +1, not +2",
    ),
    dict(
        file="mdpkit/algorithms/lsd/_kernels.py",
        find="            return code < M and code + 1 >= plan.delta[i]  # really idle >= delta rounds",
        replace="            return code < M and code + 2 >= plan.delta[i]  # really idle >= delta rounds",
        tests=["tests/test_lsd_rounding.py::test_mirroring_invariant_zero_exceptions_on_monotone"],
        why="off-by-one in the real-idle eligibility check breaks the mirroring invariant",
    ),
    dict(
        file="mdpkit/algorithms/lsd/_kernels.py",
        find="v += math.sqrt(log_term / (2.0 * n))",
        replace="v -= math.sqrt(log_term / (2.0 * n))",
        tests=["tests/test_lsd_learners.py::test_optimism_of_envelope"],
        why="wrong sign of the exploration bonus (pessimism instead of optimism)",
    ),
    dict(
        file="mdpkit/solvers/lsd_lp.py",
        find="c[sl] = -np.append(rate[i].ravel(), f[i, 2 * M - 1])",
        replace="c[sl] = -np.append(rate[i].ravel(), f[i, M])",
        tests=["tests/test_lsd_planning.py::test_single_arm_lp_and_gain_brute_force"],
        why="steady pulls must pay f(+M), not f(+1)",
    ),
    dict(
        file="mdpkit/solvers/lsd_lp.py",
        find="R = f[:, None, :M] + prefix[:, :M, None]",
        replace="R = f[:, None, :M] + prefix[:, 1:, None]",
        tests=[
            "tests/test_lsd_planning.py::test_single_arm_lp_and_gain_brute_force",
            "tests/test_lsd_planning.py::test_relaxation_bound_any_payoffs",
        ],
        why="off-by-one in the cycle payoff R(tau, delta) (tau pulls, not tau + 1)",
    ),
    dict(
        file="mdpkit/solvers/lsd_dp.py",
        find="val = (D[S, v] - D[kk, v]) / (S - kk)",
        replace="val = (D[S, v] - D[kk, v]) / (S - kk + 1)",
        tests=["tests/test_lsd_planning.py::test_gain_karp_equals_average_reward_lp"],
        why="wrong walk length in Karp's maximum-mean-cycle formula",
    ),
    dict(
        file="paper_figures/lsd_bandits.py",
        find="    return default if seed is None else [default, int(seed)]",
        replace="    return default",
        tests=[
            "tests/test_lsd_figure.py::test_figure_seed_changes_every_stream_and_none_keeps_the_shipped_ones"
        ],
        why="the figure seed is ignored by the instance and rounding streams",
    ),
    dict(
        file="paper_figures/lsd_bandits.py",
        find="    return int(np.random.SeedSequence(_entropy(default, seed)).generate_state(1)[0])",
        replace="    return default",
        tests=[
            "tests/test_lsd_figure.py::test_figure_seed_changes_every_stream_and_none_keeps_the_shipped_ones"
        ],
        why="the figure seed is ignored by the runner experiments",
    ),
]

"""Curated one-line bugs in the models, their validation, generators, converters and the
environments that sample them. Format: ``tests/mutation/harness.py``."""

MUTANTS = [
    dict(
        file="mdpkit/models/_validate.py",
        find="        if neg or not (abs(s - 1.0) <= atol):\n            return i",
        replace="        if neg or not (abs(s - 1.0) <= 100.0 * atol):\n            return i",
        tests=["tests/test_model_validation.py::test_row_sum_tolerance_boundary_large_dense"],
        why="compiled row pre-check (large models, no copy) 100x looser than ROW_SUM_ATOL",
    ),
    dict(
        file="mdpkit/models/_validate.py",
        find="        if first < 0 and (neg or not (abs(s - 1.0) <= atol)):",
        replace="        if first < 0 and (neg or not (abs(s - 1.0) <= 100.0 * atol)):",
        tests=["tests/test_model_validation.py::test_row_sum_tolerance_boundary_large_dense"],
        why="compiled copy-and-check of large models 100x looser than ROW_SUM_ATOL",
    ),
    dict(
        file="mdpkit/models/tabular.py",
        find="            if not (0.0 <= gamma < 1.0):",
        replace="            if not (0.0 <= gamma <= 1.0):",
        tests=["tests/test_model_validation.py::test_gamma_horizon_and_mu_boundaries"],
        why="gamma = 1 accepted for a discounted model",
    ),
    dict(
        file="mdpkit/models/generators.py",
        find="    p_right[0] = [0.0, 0.4, 0.6]",
        replace="    p_right[0] = [0.0, 0.6, 0.4]",
        tests=["tests/test_generators.py::test_riverswim_numbers"],
        why="RiverSwim: stay/move probabilities of state 0 swapped",
    ),
    dict(
        file="mdpkit/models/generators.py",
        find="        g = rng.standard_gamma(alpha, size=shape + (k,))",
        replace="        g = rng.standard_gamma(2.0 * alpha, size=shape + (k,))",
        tests=["tests/test_generators.py::test_random_mdp_dirichlet_moments"],
        why="random_mdp draws rows from Dirichlet(2 alpha) instead of Dirichlet(alpha)",
    ),
    dict(
        file="mdpkit/models/convert.py",
        find="        transitions = np.ascontiguousarray(np.transpose(mdp.dense_P(), (1, 0, 2)))",
        replace="        transitions = np.ascontiguousarray(np.transpose(mdp.dense_P(), (1, 2, 0)))",
        tests=["tests/test_convert.py::test_pymdptoolbox_layout_and_round_trip"],
        why="pymdptoolbox export with the axes (a, s', s) instead of (a, s, s')",
    ),
    dict(
        file="mdpkit/envs/episodic.py",
        find="            row = self._cdf[h, s, a] if self._cdf.ndim == 4 else self._cdf[s, a]",
        replace="            row = self._cdf[0, s, a] if self._cdf.ndim == 4 else self._cdf[s, a]",
        tests=["tests/test_envs_episodic.py::test_step_dependent_sampling_uses_the_step_s_kernel"],
        why="step-dependent env samples every step's successor from the first step's P",
    ),
    dict(
        file="mdpkit/envs/episodic.py",
        find="        self.optimal_value = float(mdp.mu @ self.V_star[0])",
        replace="        self.optimal_value = float(self.V_star[0].max())",
        tests=[
            "tests/test_envs_episodic.py::test_oracle_matches_brute_force",
            "tests/test_experiments.py::test_regret_of_optimal_policy_is_exactly_zero_and_reward_realised",
        ],
        why="optimal value at the best state instead of averaged over the initial distribution",
    ),
]

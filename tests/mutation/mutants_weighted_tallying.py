"""One-line bugs in the weighted-tallying core that the listed tests must catch (mutation
harness entries; paper page docs/papers/weighted-tallying.md)."""

MUTANTS = [
    dict(
        file="mdpkit/algorithms/tallying/se_wtb.py",
        find="    if pos >= prm.burn_in:\n",
        replace="    if pos >= prm.burn_in - 1:\n",
        tests=["tests/test_tallying_learners.py::test_burn_in_every_recorded_loss_is_saturated"],
        why="off-by-one burn-in: the last burn-in loss (unsaturated tally) enters the estimate",
    ),
    dict(
        file="mdpkit/algorithms/tallying/se_wtb.py",
        find="    ints[BLOCK_LEN] = 2 * Lr\n",
        replace="    ints[BLOCK_LEN] = Lr + 1\n",
        tests=["tests/test_tallying_learners.py::test_block_lengths_are_M_plus_doubling"],
        why="no doubling of the recorded block length: burn-in cost becomes multiplicative",
    ),
    dict(
        file="mdpkit/algorithms/tallying/se_wtb.py",
        find="        if mean - rad <= best_ucb:\n",
        replace="        if mean + rad <= best_ucb:\n",
        tests=[
            "tests/test_tallying_learners.py::test_elimination_rule_matches_independent_computation"
        ],
        why="wrong sign in the elimination rule (UCB instead of LCB compared with the best UCB)",
    ),
    dict(
        file="mdpkit/envs/tallying.py",
        find="        y = data.w[0]\n",
        replace="        y = 0.0\n",
        tests=[
            "tests/test_tallying_env.py::test_tally_counts_for_unit_weights_and_none_prehistory",
            "tests/test_tallying_env.py::test_tally_mechanics",
        ],
        why="tally window drops the current round while claiming to include it",
    ),
    dict(
        file="mdpkit/envs/tallying.py",
        find="        self.hist = np.full(self.instance.m, NONE_ACTION, dtype=np.int64)\n",
        replace="        self.hist = np.full(self.instance.m, 0, dtype=np.int64)\n",
        tests=[
            "tests/test_tallying_env.py::test_tally_counts_for_unit_weights_and_none_prehistory"
        ],
        why="pre-history filled with action 0 instead of the 'none' sentinel (head start for arm 0)",
    ),
    dict(
        file="mdpkit/envs/tallying.py",
        find="            rest = (code % top) * base if h > 0 else 0\n",
        replace="            rest = (code // base) * base if h > 0 else 0\n",
        tests=["tests/test_tallying_env.py::test_dp_equals_brute_force"],
        why="wrong DP state shift: the oldest action is kept instead of dropped",
    ),
    dict(
        file="mdpkit/envs/tallying.py",
        find="            return v0 + (data.vs[a, j] - v0) * ((u - x0) / (x1 - x0))\n",
        replace="            return v0 + (data.vs[a, j] - v0) * ((u - x1) / (x1 - x0))\n",
        tests=["tests/test_tallying_env.py::test_noise_free_and_pseudo_regret"],
        why="wrong interpolation anchor in the loss functions",
    ),
    dict(
        file="mdpkit/bounds/tallying.py",
        find="sp.sqrt((16 * L_expr + 1) * K * T) + _BURN",
        replace="sp.sqrt((8 * L_expr + 1) * K * T) + _BURN",
        tests=[
            "tests/test_tallying_bounds.py::test_explicit_bound_values",
            "tests/test_tallying_bounds.py::test_sympy_bounds_match_exact_integer_phases",
        ],
        why="constant of the explicit bound halved in the sympy expression",
    ),
]

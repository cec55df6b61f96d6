"""One-line bugs the UCRL2 / extended value iteration tests must kill (mutation harness)."""

MUTANTS = [
    dict(
        file="mdpkit/solvers/extended_vi.py",
        find="p_out[top] = min(1.0, p_hat[top] + 0.5 * d)",
        replace="p_out[top] = min(1.0, p_hat[top] + d)",
        tests=["tests/test_extended_vi.py::test_l1_ball_max_equals_lp"],
        why="the mass shift to the best successor is d/2 (the other d/2 leaves the worst ones)",
    ),
    dict(
        file="mdpkit/solvers/extended_vi.py",
        find="        y = order[l]\n",
        replace="        y = order[S - 1 - l]\n",
        tests=["tests/test_extended_vi.py::test_l1_ball_max_equals_lp"],
        why="the excess mass must be removed from the worst successors first, not the best",
    ),
    dict(
        file="mdpkit/algorithms/ucrl2.py",
        find="if st.counters[1] == 0 or st.nu[s, a] >= max(1.0, st.N[s, a]):",
        replace="if st.counters[1] == 0 or st.nu[s, a] > max(1.0, st.N[s, a]):",
        tests=["tests/test_ucrl2.py::test_epoch_rule_and_radii_recomputed_from_the_trajectory"],
        why="off-by-one in the doubling rule: the epoch ends when nu reaches max(1, N)",
    ),
    dict(
        file="mdpkit/algorithms/ucrl2.py",
        find="TRANSITION_RADIUS_CONST = 14.0",
        replace="TRANSITION_RADIUS_CONST = 7.0",
        tests=["tests/test_ucrl2.py::test_radii_formulas"],
        why="the L1 radius constant of the paper is 14 (not 7)",
    ),
    dict(
        file="mdpkit/algorithms/ucrl2.py",
        find="    t_k = float(st.counters[0] + 1)",
        replace="    t_k = float(st.counters[0])",
        tests=["tests/test_ucrl2.py::test_epoch_rule_and_radii_recomputed_from_the_trajectory"],
        why="t_k is the 1-based step at which the epoch starts",
    ),
    dict(
        file="mdpkit/envs/continuing.py",
        find='out = {"regret": self.gain_star - reward, "pseudo_regret": self.gain_star - mean_reward}',
        replace='out = {"regret": self.gain_star - mean_reward, "pseudo_regret": self.gain_star - mean_reward}',
        tests=["tests/test_ucrl2.py::test_env_sampling_scheme_and_oracle"],
        why="the regret column is T g* minus the realised rewards (Jaksch et al.), not the "
        "pseudo-regret",
    ),
    dict(
        file="mdpkit/envs/continuing.py",
        find="                self.gamma ** np.arange(reward.size, dtype=np.float64) * reward",
        replace="                self.gamma ** np.arange(1, reward.size + 1, dtype=np.float64) * reward",
        tests=["tests/test_ucrl2.py::test_env_discounted_reference_columns"],
        why="the first reward is undiscounted (gamma^0)",
    ),
    dict(
        file="mdpkit/solvers/extended_vi.py",
        find="        allowed = mask & ~(support & ~G[None, None, :]).any(axis=2)  # successors all in G",
        replace="        allowed = mask & True  # successors all in G",
        tests=[
            "tests/test_extended_vi.py::test_hitting_times_where_the_first_found_action_can_leave"
        ],
        why="hitting times use actions that can leave the almost-sure set (finite where inf)",
    ),
    dict(
        file="mdpkit/solvers/extended_vi.py",
        find="        if (reach == G).all():",
        replace="        if True:",
        tests=[
            "tests/test_extended_vi.py::test_hitting_times_where_the_first_found_action_can_leave"
        ],
        why="the almost-sure reachability fixpoint stops after one round",
    ),
]

MUTANTS += [
    dict(
        file="mdpkit/envs/episodic.py",
        find='    if reward_dist == "bernoulli" and ((R < 0).any() or (R > 1).any()):',
        replace='    if reward_dist == "bernoulli" and (R < 0).any():',
        tests=["tests/test_envs_episodic.py::test_reward_options_are_checked_by_both_tabular_envs"],
        why="Bernoulli rewards accepted with a mean above 1 (shared env check)",
    ),
]

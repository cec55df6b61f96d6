"""One-line bugs in the runner's env-side column hook, the tallying env's CPR columns, the
attainable-tally enumeration and the weighted-tallying figure's claims / seeds (mutation
harness entries; paper page docs/papers/weighted-tallying.md)."""

_HOOK = "tests/test_runner_env_columns.py"
_CPR = "tests/test_tallying_env.py::test_runner_records_cpr_columns"

MUTANTS = [
    dict(
        file="mdpkit/experiments/runner.py",
        find="        cols = _check_fast_output(learner.fast_run(env, K, env_rng), K, learner)\n"
        "        return _env_columns(env, cols, K)\n",
        replace="        cols = _check_fast_output(learner.fast_run(env, K, env_rng), K, learner)\n"
        "        return cols\n",
        tests=[_HOOK, "tests/test_fast_equals_generic.py"],
        why="the fast path skips the env's extra_columns: fast and generic frames differ",
    ),
    dict(
        file="mdpkit/experiments/runner.py",
        find="        if key in RESERVED_COLUMNS or key in cols:\n",
        replace="        if key in RESERVED_COLUMNS:\n",
        tests=[_HOOK],
        why="an env column silently overwrites the run's regret/reward or a learner column",
    ),
    dict(
        file="mdpkit/experiments/runner.py",
        find="    extra = hook({k: v.copy() for k, v in cols.items()})\n",
        replace="    extra = hook(cols)\n",
        tests=[_HOOK],
        why="the env's hook can rewrite the run's own columns in place",
    ),
    dict(
        file="mdpkit/envs/tallying.py",
        find="    extra = pre[np.minimum(k, h) - 1] if h > 0 else np.zeros(T)\n",
        replace="    extra = pre[np.minimum(k, h - 1) - 1] if h > 0 else np.zeros(T)\n",
        tests=[_CPR],
        why="cpr_lower uses the constant-a* cost one unsaturated round short (not a lower end)",
    ),
    dict(
        file="mdpkit/envs/tallying.py",
        find='    n_in_window = np.minimum(t, inst.m) if inst.window == "current" else '
        "np.minimum(t - 1, inst.m)\n",
        replace='    n_in_window = np.minimum(t - 1, inst.m) if inst.window == "current" else '
        "np.minimum(t - 1, inst.m)\n",
        tests=[_CPR],
        why="constant-a* prefix cost computed with the previous-round window for the current one",
    ),
    dict(
        file="mdpkit/envs/tallying.py",
        find='    out["loss_cpr_upper"] = np.cumsum((1.0 - reward) - inst.mu_star)\n',
        replace='    out["loss_cpr_upper"] = np.cumsum(reward - inst.mu_star)\n',
        tests=[_CPR, "tests/test_tallying_learners.py::test_figure_run_one_matches_runner"],
        why="realised-loss CPR built from rewards instead of losses (sign convention)",
    ),
    dict(
        file="mdpkit/envs/tallying.py",
        find='    out["cpr"] = cum + k * inst.mu_star - opt_values(inst, T) if exact else '
        "np.full(T, np.nan)\n",
        replace='    out["cpr"] = cum + (k - 1) * inst.mu_star - opt_values(inst, T) if exact else '
        "np.full(T, np.nan)\n",
        tests=[_CPR],
        why="exact CPR against OPT with the rounds miscounted by one",
    ),
    dict(
        file="mdpkit/models/tallying.py",
        find="        sums = np.unique(np.concatenate([sums, sums + wi]))\n",
        replace="        sums = np.concatenate([sums, sums + wi])\n",
        tests=[
            "tests/test_tallying_env.py::test_attainable_tallies_enumerate_subsets",
            "tests/test_tallying_env.py::test_attainable_tallies_long_memory",
        ],
        why="attainable tallies not merged: duplicates, unsorted, 2^(m-1) work for w = 1",
    ),
    dict(
        file="paper_figures/weighted_tallying.py",
        find='        ("SE-naive", "UCB1 (losses)", "EXP3"),',
        replace='        ("SE-naive", "EXP3"),',
        tests=["tests/test_tallying_figure.py::test_claims_from_known_curves"],
        why="the figure stops stating 'UCB1 linear' on the instance where it ranks a* last",
    ),
    dict(
        file="paper_figures/weighted_tallying.py",
        find="            tasks.append((env_name, env_params, learner, lparams, T, s, n, root_seed))\n",
        replace="            tasks.append((env_name, env_params, learner, lparams, T, s, n))\n",
        tests=["tests/test_tallying_figure.py::test_compute_uses_the_root_seed"],
        why="reproduce --seed R ignored: every root seed reruns root seed 0",
    ),
]

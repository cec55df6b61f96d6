"""Curated one-line bugs in the experiment runner and the result store.
Format: ``tests/mutation/harness.py``."""

_EXP = "tests/test_experiments.py"

MUTANTS = [
    dict(
        file="mdpkit/experiments/runner.py",
        find="        regret[k] = v_star - value",
        replace="        regret[k] = v_star - (value if k == 0 else _prev); _prev = value",
        tests=[
            f"{_EXP}::test_regret_matches_independent_evaluation",
            f"{_EXP}::test_regret_of_committed_stochastic_policy_uses_its_exact_value",
        ],
        why="episodic regret computed from the previous episode's policy",
    ),
    dict(
        file="mdpkit/experiments/runner.py",
        find="            pi = np.array(committed)  # a copy: later changes to the learner's array cannot leak in",
        replace="            pi = np.asarray(committed)",
        tests=[f"{_EXP}::test_runner_keeps_its_own_copy_of_the_committed_policy"],
        why="the committed policy is not copied (a learner mutating it in place changes the regret)",
    ),
    dict(
        file="mdpkit/experiments/runner.py",
        find='        "cum_regret": np.cumsum(regret, dtype=np.float64),',
        replace='        "cum_regret": np.cumsum(regret[::-1], dtype=np.float64),',
        tests=[f"{_EXP}::test_cum_regret_is_cumsum_and_info_columns"],
        why="cumulative regret summed in the wrong order",
    ),
    dict(
        file="mdpkit/experiments/store.py",
        find="        write(tmp)",
        replace="        write(final); write(tmp)",
        tests=["tests/test_store.py::test_atomic_write_leaves_no_file_when_writing_fails"],
        why="the store writes the final file in place (non-atomic)",
    ),
    dict(
        file="mdpkit/experiments/runner.py",
        find="    return np.random.default_rng(env_seq), np.random.default_rng(learner_seq)",
        replace="    return np.random.default_rng(env_seq), np.random.default_rng(env_seq)",
        tests=[
            f"{_EXP}::test_learner_stream_is_the_second_child_of_the_seed",
            f"{_EXP}::test_seed_streams_follow_the_contract",
        ],
        why="env and learner share one random stream",
    ),
    dict(
        file="mdpkit/experiments/runner.py",
        find="        todo = [s for s in todo if s not in have]",
        replace="        todo = [s for s in todo]",
        tests=["tests/test_store.py::test_rerun_computes_only_missing_seeds"],
        why="a re-run recomputes seeds already in the store",
    ),
    dict(
        file="mdpkit/experiments/store.py",
        find="        if not (m and int(m.group(1)) < experiment.n_seeds):",
        replace="        if not m:",
        tests=[
            "tests/test_store.py::test_stored_seeds_and_load_stay_within_n_seeds",
            "tests/test_store.py::test_load_errors_and_partial",
        ],
        why="stored_seeds reports seeds outside range(n_seeds)",
    ),
]

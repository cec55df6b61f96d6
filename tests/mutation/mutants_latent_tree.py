"""One-line bugs in the latent-MDP history-tree table, the optimism ordering and the
figure's root seed (mutation harness; docs/papers/latent-mdp.md)."""

MUTANTS = [
    dict(
        file="mdpkit/solvers/_latent_kernels.py",
        find="        same = node_s[j] == s\n",
        replace="        same = True\n",
        tests=["tests/test_latent_planner.py::test_tree_keys_unique_and_children_consistent"],
        why="node lookup ignores the state: histories in different states share a node",
    ),
    dict(
        file="mdpkit/solvers/_latent_kernels.py",
        find="            tab[_slot(tab, t, node_s[j], keys[j], node_s, keys)] = j",
        replace="            tab[_slot(tab, t, node_s[j], keys[j], node_s, keys)] = lo",
        tests=["tests/test_latent_planner.py::test_tree_keys_unique_and_children_consistent"],
        why="table growth re-inserts the wrong node index",
    ),
    dict(
        file="mdpkit/solvers/_latent_kernels.py",
        find="        for j in range(lo, n):",
        replace="        for j in range(lo, n - 1):",
        tests=["tests/test_latent_planner.py::test_tree_keys_unique_and_children_consistent"],
        why="table growth drops the newest node: its key is created again as a duplicate node",
    ),
    dict(
        file="mdpkit/solvers/_latent_kernels.py",
        find="            bp = node_b[p]  # a view, taken once (stays valid when the arrays grow)",
        replace="            bp = node_b[level_start[t - 1]]",
        tests=["tests/test_latent_planner.py::test_tree_keys_unique_and_children_consistent"],
        why="children computed from the first node's belief of the level instead of the parent's",
    ),
    dict(
        file="mdpkit/solvers/_latent_kernels.py",
        find='        order = np.argsort(-v, kind="mergesort")',
        replace='        order = np.argsort(v, kind="mergesort")',
        tests=[
            "tests/test_latent_learners.py::test_optimism_ordering_vo_ge_mo_ge_empirical_on_drawn_lmdps"
        ],
        why="MO water-filling gives the free mass to the smallest values first (pessimism)",
    ),
    dict(
        file="mdpkit/solvers/_latent_kernels.py",
        find="        b += rule.variance * math.sqrt(2.0 * k * var * iota / n)",
        replace="        b += rule.variance * math.sqrt(2.0 * var * iota / n)",
        tests=[
            "tests/test_latent_learners.py::test_optimism_ordering_vo_ge_mo_ge_empirical_on_drawn_lmdps"
        ],
        why="VO bonus without the support-size factor: no longer dominates the MO maximum",
    ),
    dict(
        file="paper_figures/latent_mdp.py",
        find="    root = ROOT if seed is None else int(seed)",
        replace="    root = ROOT",
        tests=[
            "tests/test_latent_learners.py::test_figure_root_seed_changes_runs_and_is_reproducible"
        ],
        why="reproduce --seed silently ignored by the latent figure",
    ),
]

"""One-line bugs in the average-reward, total-reward and converter code, each with the
fast tests that must kill it. Read by the mutation harness (tests/mutation)."""

MUTANTS = [
    dict(
        file="mdpkit/solvers/average.py",
        find="    h = tau * (TV - TV[ref])",
        replace="    h = TV - TV[ref]",
        tests=["tests/test_average.py::test_rvi_aperiodicity_transform"],
        why="RVI returns the bias of the aperiodicity-transformed model (h / tau)",
    ),
    dict(
        file="mdpkit/solvers/average.py",
        find="        lo, hi = float(d.min()), float(d.max())",
        replace="        lo, hi = float(d.min()), float(d.min())",
        tests=["tests/test_average.py::test_rvi_pi_lp_agree_with_brute_force"],
        why="span certificate computed as zero: RVI stops after one sweep",
    ),
    dict(
        file="mdpkit/solvers/average.py",
        find="    x = np.clip(-np.asarray(res.ineqlin.marginals), 0.0, None).reshape(S, A)",
        replace="    x = np.clip(np.asarray(res.ineqlin.marginals), 0.0, None).reshape(S, A)",
        tests=["tests/test_average.py::test_rvi_pi_lp_agree_with_brute_force"],
        why="sign of the LP dual: the stationary occupancy comes back as zeros",
    ),
    dict(
        file="mdpkit/solvers/average.py",
        find="    leaves = labels[coo.row] != labels[coo.col]",
        replace="    leaves = labels[coo.row] == labels[coo.col]",
        tests=[
            "tests/test_average.py::test_chain_structure_functions",
            "tests/test_average.py::test_multichain_refused_by_unichain_methods",
        ],
        why="closed classes mis-detected: multichain models pass as unichain",
    ),
    dict(
        file="mdpkit/solvers/total.py",
        find="        if hi >= -ssp_tol:",
        replace="        if lo > ssp_tol:",
        tests=["tests/test_total.py::test_non_terminating_ssp_refused"],
        why="a non-terminating zero-reward cycle accepted as a valid SSP",
    ),
    dict(
        file="mdpkit/solvers/total.py",
        find="        pol[new] = hits[new].argmax(axis=1)",
        replace="        pol[new] = 0",
        tests=["tests/test_total.py::test_sutton_barto_example_4_1"],
        why="the starting policy of PI is not proper",
    ),
    dict(
        file="mdpkit/models/convert.py",
        find="    if is_seq and len(reward) != A:",
        replace="    if is_seq and len(reward) == A:",
        tests=["tests/test_convert.py::test_pymdptoolbox_sequence_reward_rule"],
        why="pymdptoolbox's sequence rule inverted (vector vs per-action matrices)",
    ),
    dict(
        file="mdpkit/solvers/_mask.py",
        find="    return np.where(mask, np.arange(A), first[..., None]).astype(np.int64)",
        replace="    return np.where(mask | True, np.arange(A), first[..., None]).astype(np.int64)",
        tests=["tests/test_action_mask.py::test_puterman_two_state_with_infeasible_pair"],
        why="unavailable pairs keep their own P row and reward: the mask is ignored",
    ),
    dict(
        file="mdpkit/solvers/_mask.py",
        find="        return src[np.arange(S), pol]",
        replace="        return pol",
        tests=["tests/test_action_mask.py::test_masked_solvers_match_brute_force"],
        why="a policy action that is a copy is returned as the unavailable action",
    ),
    dict(
        file="mdpkit/solvers/_mask.py",
        find="        bad = (arr > 0) & ~mask",
        replace="        bad = (arr > 0) & ~mask & False",
        tests=["tests/test_action_mask.py::test_puterman_two_state_with_infeasible_pair"],
        why="a stochastic policy on an unavailable action is accepted by occupancy/evaluate",
    ),
    # (A mutant "stop at the first small change without checking the certificate" survived in
    # CI: on every model tried the first certificate already holds, so it is near-equivalent.
    # The sweep itself is what a real slip would break.)
    dict(
        file="mdpkit/solvers/gs.py",
        find="                acc += P[s, a, t] * V[t]\n            q = R[s, a] + gamma * acc",
        replace="                acc += P[s, a, t] * V[t]\n            q = R[s, a] + gamma * gamma * acc",
        tests=["tests/test_gauss_seidel.py::test_gs_certificate_is_true"],
        why="dense Gauss-Seidel sweep discounts with gamma^2 (values of another problem)",
    ),
    # method "auto" and the dense -> CSR conversion
    dict(
        file="mdpkit/solvers/_dense_to_csr.py",
        find="                indices[k] = j",
        replace="                indices[k] = i % m",
        tests=["tests/test_auto.py::test_dense_to_csr_kernels_match_scipy"],
        why="converted CSR stores the wrong column of each non-zero",
    ),
    dict(
        file="mdpkit/solvers/auto.py",
        find="    if nnz > DENSITY_MAX * P2.size:",
        replace="    if nnz > 1.0 * P2.size:",
        tests=["tests/test_auto.py::test_sparse_twin_converts_mostly_zero_dense_only"],
        why="the full count is ignored: a dense model between the sampled rows is converted",
    ),
    dict(
        file="mdpkit/solvers/auto.py",
        find='    res2 = value_iteration(model, tol=tol, max_iter=rest, engine="numba", V0=res.V, **opts)',
        replace='    res2 = value_iteration(model, tol=tol, max_iter=None, engine="numba", V0=res.V, **opts)',
        tests=["tests/test_auto.py::test_auto_respects_max_iter_and_warns"],
        why="the second stage ignores the user's max_iter",
    ),
    dict(
        file="mdpkit/solvers/auto.py",
        find="    res2.n_iter += res.n_iter",
        replace="    res2.n_iter = res2.n_iter",
        tests=["tests/test_auto.py::test_default_solve_is_certified"],
        why="n_iter forgets the sweeps of the numpy stage",
    ),
    # discounted finite horizon
    dict(
        file="mdpkit/solvers/_finite_horizon_kernels.py",
        find="                q = Rh[s, a] + gamma * acc",
        replace="                q = Rh[s, a] + acc",
        tests=[
            "tests/test_finite_discounted.py::test_matches_pymdptoolbox_finite_horizon_on_forest",
            "tests/test_finite_discounted.py::test_discounted_backward_matches_independent_recursion",
        ],
        why="CSR backward induction drops the discount",
    ),
    dict(
        file="mdpkit/solvers/_finite_horizon_kernels.py",
        find="                q = Rh[s, a] + gamma * PV[s * A + a]",
        replace="                q = Rh[s, a] + PV[s * A + a]",
        tests=[
            "tests/test_finite_discounted.py::test_matches_pymdptoolbox_finite_horizon_on_forest",
            "tests/test_finite_discounted.py::test_discounted_backward_matches_independent_recursion",
        ],
        why="dense backward induction drops the discount",
    ),
    dict(
        file="mdpkit/solvers/_finite_horizon_kernels.py",
        find="            rho = rmv(h, gamma * D[h])",
        replace="            rho = rmv(h, D[h])",
        tests=[
            "tests/test_finite_discounted.py::test_long_horizon_tends_to_discounted_and_gamma_one_is_undiscounted"
        ],
        why="numpy occupancy forgets the gamma^h weight",
    ),
    dict(
        file="mdpkit/solvers/backward.py",
        find="    return 1.0 if mdp.gamma is None else float(mdp.gamma)",
        replace="    return 1.0",
        tests=[
            "tests/test_finite_discounted.py::test_matches_pymdptoolbox_finite_horizon_on_forest",
            "tests/test_finite_discounted.py::test_discounted_backward_matches_independent_recursion",
        ],
        why="the model's discount never reaches the kernels",
    ),
    dict(
        file="mdpkit/solvers/discounted_evaluation.py",
        find="        Q[h] = mdp.R_at(h) + g * _pv(mdp.P_at(h), nxt, S, A)",
        replace="        Q[h] = mdp.R_at(h) + _pv(mdp.P_at(h), nxt, S, A)",
        tests=[
            "tests/test_finite_discounted.py::test_long_horizon_tends_to_discounted_and_gamma_one_is_undiscounted"
        ],
        why="q_from_v of a discounted finite-horizon model is undiscounted",
    ),
    # step-dependent masks and masks in the generators
    dict(
        file="mdpkit/solvers/_mask.py",
        find="        return src[np.arange(H)[:, None], np.arange(S)[None, :], pol]",
        replace="        return pol",
        tests=["tests/test_action_mask.py::test_step_dependent_mask_matches_pairs_removed_by_hand"],
        why="a step-dependent copy action is returned instead of its available source",
    ),
    dict(
        file="mdpkit/solvers/_mask.py",
        find="            bad = ~mask[np.arange(H)[:, None], np.arange(S)[None, :], pol]",
        replace="            bad = ~mask[0][np.arange(S)[None, :], pol]",
        tests=["tests/test_action_mask.py::test_step_dependent_mask_matches_pairs_removed_by_hand"],
        why="a policy is checked against the step-0 mask only",
    ),
    dict(
        file="mdpkit/models/tabular.py",
        find="    empty = ~m.any(axis=-1)",
        replace="    empty = ~m.any(axis=-1) & (m.ndim == 2)",
        tests=["tests/test_action_mask.py::test_step_dependent_mask_errors_and_gym_env"],
        why="a state with no available action at some step is accepted",
    ),
    dict(
        file="mdpkit/envs/gym_env.py",
        find="        return m[min(h, m.shape[0] - 1)]",
        replace="        return m[0]",
        tests=["tests/test_action_mask.py::test_step_dependent_mask_errors_and_gym_env"],
        why="the gymnasium env reads the step-0 mask at every step",
    ),
    dict(
        file="mdpkit/models/generators.py",
        find=(
            "        horizon=horizon,\n"
            "        action_mask=action_mask,\n"
            "        mu=_delta(S, start[0] * n_cols + start[1]) if mu is None else mu,"
        ),
        replace=(
            "        horizon=horizon,\n"
            "        mu=_delta(S, start[0] * n_cols + start[1]) if mu is None else mu,"
        ),
        tests=[
            "tests/test_action_mask.py::test_generators_take_a_mask_and_match_pairs_removed_by_hand"
        ],
        why="gridworld drops the action_mask it was given",
    ),
]

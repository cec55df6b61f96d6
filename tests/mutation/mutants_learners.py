"""Curated one-line bugs in the learners (bandits, OFUL, UCBVI, PSRL, DynLin-UCB and the
DLB baselines, the conservative family). Format: ``tests/mutation/harness.py``.

The DynLin-UCB and DLB kernels live in ``mdpkit/algorithms/_dlb_kernels.py`` today; when a
refactor moves them the stale check of the harness flags these entries for re-pointing."""

_DYN = "tests/test_dynlin_ucb.py"
_DLB = "tests/test_dlb_baselines.py"
_BAN = "tests/test_bandit_learners.py"
_SM = "tests/test_stepmix.py"
_CM = "tests/test_conservative_machinery.py"

MUTANTS = [
    # ------------------------------------------------------------------ DynLin-UCB
    dict(
        file="mdpkit/algorithms/_dlb_kernels.py",
        find="    return 1 + int(math.floor(math.log(m) / math.log(1.0 / rho_bar) + 1e-12))",
        replace="    return 1 + int(math.floor(math.log(m) / math.log(1.0 / rho_bar)))",
        tests=[f"{_DYN}::test_epoch_length_exact_powers"],
        why="DynLin-UCB epoch length: the 1e-12 guard of the log bracket removed (wrong H_m at exact powers)",
    ),
    dict(
        file="mdpkit/algorithms/_dlb_kernels.py",
        find="        width_sum += min(2.0 * max_gap, w)",
        replace="        width_sum += 10.0 * min(2.0 * max_gap, w)",
        tests=[f"{_DYN}::test_width_sum_is_what_it_claims"],
        why="DynLin-UCB width_sum statistic inflated 10x",
    ),
    dict(
        file="mdpkit/algorithms/_dlb_kernels.py",
        find="            y = dlb_step(A, omega, x, Bu[a], thetau[a], sigma_state, sigma_out, Z[t], buf)",
        replace="            yy = dlb_step(A, omega, x, Bu[a], thetau[a], sigma_state, sigma_out, Z[t], buf); y = yy if _ == 0 else y",
        tests=[f"{_DYN}::test_matches_independent_numpy_implementation"],
        why="DynLin-UCB regression label = first reward of the epoch instead of the last",
    ),
    dict(
        file="mdpkit/algorithms/_dlb_kernels.py",
        find="        + c_b / math.sqrt(lam) * (1.0 + math.log(t + 1.0))",
        replace="        + c_b / math.sqrt(lam) * math.log(t + 1.0)",
        tests=[f"{_DYN}::test_spec_beta_values"],
        why="DynLin-UCB beta: log(e(t+1)) written as log(t+1)",
    ),
    dict(
        file="mdpkit/algorithms/_dlb_kernels.py",
        find="            Vinv[i, j] -= Vu[i] * Vu[j] / denom",
        replace="            Vinv[i, j] -= Vu[i] * Vu[j] / (denom + 1.0)",
        tests=[f"{_DYN}::test_sherman_morrison_and_spd"],
        why="Sherman-Morrison denominator 1 + u^T V^-1 u off by one",
    ),
    # ------------------------------------------------------------------ DLB baselines
    dict(
        file="mdpkit/algorithms/_dlb_kernels.py",
        find="        p[k] = (1.0 - gamma) * p[k] / s + gamma / K",
        replace="        p[k] = (1.0 - gamma) * p[k] / s + gamma",
        tests=[f"{_DLB}::test_exp3_probabilities_match_plain_exponentials"],
        why="EXP3 exploration mass gamma instead of gamma / K per arm",
    ),
    dict(
        file="mdpkit/algorithms/_dlb_kernels.py",
        find="        Vt[i, i] += (1.0 - g2) * lam_t",
        replace="        Vt[i, i] += (1.0 - gamma) * lam_t",
        tests=[f"{_DLB}::test_dlinucb_matches_numpy_reference"],
        why="D-Lin-UCB: the squared-discount matrix regularised with (1 - gamma) instead of (1 - gamma^2)",
    ),
    dict(
        file="mdpkit/algorithms/_dlb_kernels.py",
        find="    if est[last] >= est[last_last]:",
        replace="    if est[last] <= est[last_last]:",
        tests=[
            f"{_DLB}::test_ar2_superior_arm_of_the_last_two",
            f"{_DLB}::test_ar2_reference_state_machine",
        ],
        why="AR2 picks the worse of the last two arms as the superior arm",
    ),
    # ------------------------------------------------------------------ bandits
    dict(
        file="mdpkit/algorithms/ucb1.py",
        find="            idx = self.sums / self.counts + np.sqrt(2.0 * np.log(max(self.t, 1)) / self.counts)",
        replace="            idx = self.sums / self.counts + np.sqrt(0.5 * np.log(max(self.t, 1)) / self.counts)",
        tests=[f"{_BAN}::test_ucb1_hand_computed_sequence"],
        why="UCB1 radius sqrt(ln t / (2 n)) instead of sqrt(2 ln t / n)",
    ),
    dict(
        file="mdpkit/algorithms/successive_elimination.py",
        find="        keep = ucb >= lcb.max()",
        replace="        keep = ucb >= lcb.min()",
        tests=[f"{_BAN}::test_successive_elimination_hand_computed_elimination_phase"],
        why="successive elimination compares with the lowest LCB (never eliminates)",
    ),
    dict(
        file="mdpkit/algorithms/oful.py",
        find="        return X @ self.theta_hat + self.beta * np.sqrt(np.maximum(norms2, 0.0))",
        replace="        return X @ self.theta_hat - self.beta * np.sqrt(np.maximum(norms2, 0.0))",
        tests=[
            f"{_BAN}::test_oful_first_round_and_linucb_alpha",
            f"{_BAN}::test_oful_loglog_slope_d5",
        ],
        why="OFUL index pessimistic (bonus subtracted)",
    ),
    # ------------------------------------------------------------------ UCBVI, PSRL
    dict(
        file="mdpkit/algorithms/_tabular_episode_kernels.py",
        find="                    q = r + pv + bonus_scale * b",
        replace="                    q = r + pv",
        tests=["tests/test_ucbvi.py::test_kernel_q_matches_recursion_with_bonus_formula"],
        why="UCBVI bonus dropped",
    ),
    dict(
        file="mdpkit/algorithms/_tabular_episode_kernels.py",
        find="                        b = 7.0 * Hf * L * np.sqrt(1.0 / n)",
        replace="                        b = 7.0 * Hf * L * np.sqrt(1.0 / (n + 1.0))",
        tests=["tests/test_ucbvi.py::test_kernel_q_matches_recursion_with_bonus_formula"],
        why="UCBVI-CH bonus with n + 1 visits",
    ),
    dict(
        file="mdpkit/algorithms/psrl.py",
        find="                q = R[h, x, a] + acc",
        replace="                q = R[h, x, a] + 0.99 * acc",
        tests=["tests/test_psrl.py::test_sampled_model_is_solved_exactly"],
        why="PSRL solves its sampled finite-horizon model with a discount",
    ),
    dict(
        file="mdpkit/algorithms/psrl.py",
        find="        r_alpha[g, s, a] += r\n",
        replace="        r_alpha[g, s, a] += 1.0\n",
        tests=[
            "tests/test_psrl.py::test_fast_path_equals_generic_loop",
            "tests/test_psrl.py::test_reward_beta_posterior_update",
        ],
        why="PSRL reward posterior (posterior_update, shared by the fast path and update()) counts every reward as a success",
    ),
    # ------------------------------------------------------------------ conservative family
    dict(
        file="mdpkit/algorithms/conservative/_kernels.py",
        find="                pv = pv / n - rem * beta_l1(n, S, L)",
        replace="                pv = pv / n + rem * beta_l1(n, S, L)",
        tests=[
            "proofs_check/check_stepmix.py::test_pessimism_lemma_recorded_lb_below_exact_value",
            f"{_CM}::test_policy_eva_matches_numpy_reference",
        ],
        why="StepMix pessimistic radius sign flipped",
    ),
    dict(
        file="mdpkit/algorithms/conservative/_kernels.py",
        find="    for hh in range(H - 1, -1, -1):",
        replace="    for hh in range(H):",
        tests=[
            "proofs_check/check_stepmix.py::test_stepmix_select_certifies_threshold_exactly",
            f"{_CM}::test_stepmix_select_certified_threshold",
        ],
        why="StepMix picks the smallest certified switch step instead of the largest",
    ),
    dict(
        file="mdpkit/algorithms/conservative/_kernels.py",
        find="    rho = (LB[hstar] - thr) / (LB[hstar] - LB[hstar + 1])",
        replace="    rho = (thr - LB[hstar + 1]) / (LB[hstar] - LB[hstar + 1])",
        tests=[f"{_CM}::test_stepmix_select_certified_threshold"],
        why="StepMix mixing weight rho replaced by 1 - rho",
    ),
    dict(
        file="mdpkit/algorithms/conservative/_kernels.py",
        find="                eps = (lb0 - thr) / (lb0 - lbk)",
        replace="                eps = (thr - lbk) / (lb0 - lbk)",
        tests=[
            f"{_SM}::test_regret_below_half_of_baseline_only",
            f"{_SM}::test_certified_threshold_every_episode",
        ],
        why="EpsMix plays pi^k with probability 1 - eps instead of eps",
    ),
    dict(
        file="mdpkit/algorithms/conservative/_kernels.py",
        find="                    Rp[h, s, a] = m - b if m > b else 0.0",
        replace="                    Rp[h, s, a] = m if m > b else 0.0",
        tests=[f"{_CM}::test_reward_confidence_bounds_by_formula"],
        why="pessimistic rewards without their confidence radius",
    ),
    dict(
        file="mdpkit/algorithms/conservative/learned_baseline.py",
        find="    thr = (1.0 - alpha) * (V_hat + eps_V)",
        replace="    thr = (1.0 - alpha) * (V_hat - eps_V)",
        tests=[
            f"{_SM}::test_learned_baseline_vi_lcb_and_setup",
            f"{_SM}::test_learned_baseline_monotone_in_dataset_size",
        ],
        why="learned-baseline threshold uses V_hat - eps_V (too lenient)",
    ),
    dict(
        file="mdpkit/algorithms/conservative/_kernels.py",
        find="            data.scalars[1] += lb - c",
        replace="            data.scalars[1] = lb - c",
        tests=[f"{_SM}::test_budget_conservative_keeps_its_cumulative_budget"],
        why="budget comparator forgets its accumulated budget (keeps only the last slack)",
    ),
    dict(
        file="mdpkit/algorithms/_dlb_kernels.py",
        find="            G[a] += ((r + 2.0 * M) / (4.0 * M)) / p[a]",
        replace="            G[a] += ((r + 2.0 * M) / (4.0 * M))",
        tests=[f"{_DLB}::test_fast_run_equals_generic_loop"],
        why="Batch-EXP3 gain estimate without importance weighting 1/p_a",
    ),
]

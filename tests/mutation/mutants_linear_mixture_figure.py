"""One-line bugs in the claims of the ``linear-mixture`` figure (docs/papers/linear-mixture.md,
"Figures"); each must be killed by the listed tests."""

_F = "paper_figures/linear_mixture.py"
_T = "tests/test_linear_mixture_figure.py"

MUTANTS = [
    dict(
        file=_F,
        find="bool(n_cens == 0 and K_max <= m_min)",
        replace="bool(K_max <= m_min)",
        tests=[f"{_T}::test_upper_bound_claim_fails_with_a_censored_cell"],
        why="a censored E1 cell (eps never reached) counted as verifying the upper bound",
    ),
    dict(
        file=_F,
        find="ratio = float(np.min(e1.K_hat",
        replace="ratio = float(np.median(e1.K_hat",
        tests=[f"{_T}::test_lower_bound_claim_is_the_minimum_ratio_over_all_cells"],
        why="the lower-bound claim judged on a typical cell instead of every cell",
    ),
    dict(
        file=_F,
        find="bool(ratio >= LB_CONST)",
        replace="bool(ratio >= LB_CONST / 2)",
        tests=[f"{_T}::test_lower_bound_claim_is_the_minimum_ratio_over_all_cells"],
        why="the lower-bound constant halved (a K_hat below the shape accepted)",
    ),
    dict(
        file=_F,
        find="bad = int((g.censored & (g.H > g.H.min())).sum())",
        replace="bad = 0",
        tests=[f"{_T}::test_e2_censoring_rule"],
        why="a censored K_hat at a large H (slope unverifiable) accepted as horizon-free",
    ),
    dict(
        file=_F,
        find="bad = int((g.censored & (g.H > g.H.min())).sum())",
        replace="bad = int(g.censored.sum())",
        tests=[f"{_T}::test_e2_censoring_rule"],
        why="censoring at the smallest H (harmless: the slope is then an upper limit) rejected",
    ),
    dict(
        file=_F,
        find="bool(abs(sl) <= H_SLOPE_MAX)",
        replace="bool(sl <= H_SLOPE_MAX)",
        tests=[f"{_T}::test_e3_flatness_is_two_sided_and_per_instance"],
        why="'flat in H' accepts a regret that falls steeply with H",
    ),
    dict(
        file=_F,
        find="g = df[(df.alg == alg) & (df.family == family) & np.isclose(df.c_beta, c_beta)]",
        replace="g = df[(df.alg == alg) & (df.family == family)]",
        tests=[f"{_T}::test_e3_flatness_is_two_sided_and_per_instance"],
        why="E3 slopes mix the runs of different c_beta",
    ),
    dict(
        file=_F,
        find='diff = slope_e3(e3, "UCRL-VTR+", "hard", c0)',
        replace='diff = slope_e3(e3, "UCRL-VTR+", "rand", c0)',
        tests=[f"{_T}::test_e3_contrast_on_hardlm"],
        why="the HardLM contrast computed with UCRL-VTR+'s RandLM slope",
    ),
    dict(
        file=_F,
        find="int(seed) * 100_003 + int(base)",
        replace="int(seed)",
        tests=[f"{_T}::test_root_seeds_distinct_per_cell_and_default"],
        why="every cell of a --seed run uses the same seeds (cells not independent)",
    ),
]

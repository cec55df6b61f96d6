"""Curated one-line bugs in the bound objects (``mdpkit/bounds``).
Format: ``tests/mutation/harness.py``."""

_B = "tests/test_bounds.py"

MUTANTS = [
    dict(
        file="mdpkit/bounds/dlb.py",
        find="    d * sp.sqrt(T) / (1 - rho) ** sp.Rational(1, 2),",
        replace="    d * sp.sqrt(T) / (1 - rho) ** sp.Rational(3, 2),",
        tests=[f"{_B}::test_every_bound_matches_its_formula"],
        why="DLB lower-bound exponent (1-rho)^{1/2} -> (1-rho)^{3/2}",
    ),
    dict(
        file="mdpkit/bounds/dlb.py",
        find="    d * sp.sqrt(T) / (1 - rho) ** sp.Rational(3, 2),",
        replace="    d * sp.sqrt(T) / (1 - rho) ** sp.Rational(1, 2),",
        tests=[f"{_B}::test_every_bound_matches_its_formula"],
        why="DynLin-UCB upper-bound exponent (1-rho)^{3/2} -> (1-rho)^{1/2}",
    ),
    dict(
        file="mdpkit/bounds/dlb.py",
        find=(
            "    return (\n"
            "        max_epoch_len\n"
            "        * 2.0\n"
            "        * beta\n"
            "        * math.sqrt(2.0 * d * M * math.log(1.0 + M * U_bar**2 / (d * lam)))\n"
            "    )"
        ),
        replace="    return max_epoch_len * 2.0 * beta * math.sqrt(d * M * math.log(1.0 + M * U_bar**2 / (d * lam)))",
        tests=[f"{_B}::test_epoch_oful_bound_formula"],
        why="epoch-level OFUL bound loses its factor 2 under the root",
    ),
    dict(
        file="mdpkit/bounds/classical.py",
        find="    20 * H * _L_ucbvi * sp.sqrt(S * A * _Tsteps) + 250 * H**2 * S**2 * A * _L_ucbvi**2,",
        replace="    20 * H * _L_ucbvi * sp.sqrt(S * A * _Tsteps) + 25 * H**2 * S**2 * A * _L_ucbvi**2,",
        tests=[f"{_B}::test_values_match_spec_formulas"],
        why="UCBVI-CH bound constant 250 -> 25",
    ),
    dict(
        file="mdpkit/bounds/classical.py",
        find="    8 * sp.log(n) * sum_inv_gap + (1 + sp.pi**2 / 3) * sum_gap,",
        replace="    4 * sp.log(n) * sum_inv_gap + (1 + sp.pi**2 / 3) * sum_gap,",
        tests=[f"{_B}::test_values_match_spec_formulas"],
        why="UCB1 Thm 1 constant 8 -> 4",
    ),
    dict(
        file="mdpkit/bounds/classical.py",
        find="    sp.Rational(1, 27) * sp.sqrt((k_arms - 1) * n),",
        replace="    sp.Rational(1, 27) * sp.sqrt(k_arms * n),",
        tests=[f"{_B}::test_values_match_spec_formulas"],
        why="minimax k-armed lower bound with k instead of k - 1",
    ),
    dict(
        file="mdpkit/bounds/classical.py",
        find="    inner = logdet_V - d * np.log(lam) - 2.0 * np.log(delta)",
        replace="    inner = logdet_V - d * np.log(lam) - np.log(delta)",
        tests=[
            f"{_B}::test_oful_closed_form_radius_dominates_determinant_form_for_d_ge_2",
            "tests/test_bandit_learners.py::test_oful_confidence_coverage_200_seeds",
        ],
        why="OFUL determinant radius with ln(1/delta) instead of 2 ln(1/delta)",
    ),
    dict(
        file="mdpkit/bounds/classical.py",
        find="    sp.sqrt(H**4 * S * A * K),",
        replace="    sp.sqrt(H**3 * S * A * K),",
        tests=[f"{_B}::test_every_bound_matches_its_formula"],
        why="inhomogeneous UCBVI-CH order H^4 -> H^3",
    ),
    dict(
        file="mdpkit/bounds/stepmix.py",
        find="    sp.sqrt(H**4 * S * A * K),",
        replace="    sp.sqrt(H**3 * S * A * K),",
        tests=[f"{_B}::test_every_bound_matches_its_formula"],
        why="StepMix Hoeffding reconstruction order H^4 -> H^3",
    ),
    dict(
        file="mdpkit/bounds/stepmix.py",
        find="    K * Delta_b,",
        replace="    (K - 1) * Delta_b,",
        tests=[f"{_B}::test_every_bound_matches_its_formula"],
        why="baseline-only regret identity off by one episode",
    ),
]

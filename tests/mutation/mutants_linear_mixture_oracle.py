"""One-line bugs in HF-UCRL-RFE++'s oracles, the radius multiplier c_beta and the shared
regret loop, and the tests that must catch them (docs/papers/linear-mixture.md, sections
"Decoupled-DP oracle", "c_beta" and "Checks")."""

_K = "mdpkit/algorithms/linear_mixture/_kernels.py"
_HF = "mdpkit/algorithms/linear_mixture/hf_ucrl_rfe.py"
_RFE = "mdpkit/algorithms/linear_mixture/ucrl_rfe.py"
_VTR = "mdpkit/algorithms/linear_mixture/vtr_regret.py"
_O = "tests/test_linear_mixture_oracle.py"
_C = "tests/test_linear_mixture_c_beta.py"
_R = "tests/test_linear_mixture_regret.py"

MUTANTS = [
    dict(
        file=_K,
        find="            Vh[h, s] = _clip01(best)",
        replace="            Vh[h, s] = _clip01(q)",
        tests=[f"{_O}::test_decoupled_matches_numpy_reference"],
        why="decoupled DP keeps the last action's value instead of the maximum",
    ),
    dict(
        file=_K,
        find="    hat_dp(phi, Pts[cc], Vt_out, Sdt_inv, Sdh_inv, beta, Vh_out, pi_out, buf)",
        replace="    hat_dp(phi, Pts[cc], Vt_out, Sdh_inv, Sdt_inv, beta, Vh_out, pi_out, buf)",
        tests=[f"{_O}::test_decoupled_matches_numpy_reference"],
        why="decoupled oracle's chosen policy computed with the two covariances swapped",
    ),
    dict(
        file=_HF,
        find="    plan.info[0] = plan.Vh[0, consts.s1]",
        replace="    plan.info[0] = plan.Vh[1, consts.s1]",
        tests=[f"{_O}::test_certificate_binds_and_holds_on_good_event"],
        why="logged certificate V^ read one step late (not V^_1 of the chosen triple)",
    ),
    dict(
        file=_HF,
        find='"betas": c_beta * beta}',
        replace='"betas": beta}',
        tests=[_C],
        why="HF-UCRL-RFE++ / HF-UCRL-VTR+ radii beta_k not multiplied by c_beta",
    ),
    dict(
        file=_RFE,
        find="        return RFEConsts(self.c_beta * beta, 0.0, 0.0, m.s1, self.replan_every)",
        replace="        return RFEConsts(beta, 0.0, 0.0, m.s1, self.replan_every)",
        tests=[_C],
        why="UCRL-RFE radius not multiplied by c_beta",
    ),
    dict(
        file=_RFE,
        find="        return RFEConsts(c * b_hat, c * b_chk, c * b_til, m.s1, self.replan_every)",
        replace="        return RFEConsts(c * b_hat, b_chk, c * b_til, m.s1, self.replan_every)",
        tests=[_C],
        why="UCRL-RFE+ radius beta_check not multiplied by c_beta",
    ),
    dict(
        file=_VTR,
        find="float(H), c * b_chk, c * b_til)",
        replace="float(H), c * b_chk, b_til)",
        tests=[_C],
        why="UCRL-VTR+ radius beta~ not multiplied by c_beta",
    ),
    dict(
        file=_VTR,
        find="    if consts.variant == VARIANT_HF:",
        replace="    if consts.variant != VARIANT_HF:",
        tests=[_R],
        why="shared regret loop runs the other learner's update",
    ),
]

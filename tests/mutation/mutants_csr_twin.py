"""One-line bugs in the CSR twin of mostly-zero dense models (``tabular.py``, the fused
check-and-copy kernel in ``_validate.py``, its use by method "auto"), each with the fast
tests that must kill it. Read by the mutation harness (tests/mutation)."""

T = "tests/test_csr_twin.py::"

MUTANTS = [
    dict(
        file="mdpkit/models/_validate.py",
        find="            neg |= x < 0.0\n            if x != 0.0:",
        replace="            neg |= x < -1.0\n            if x != 0.0:",
        tests=[T + "test_faults_in_a_mostly_zero_model_give_the_numpy_messages"],
        why="the fused pass misses negative entries: a model with P < 0 is accepted",
    ),
    dict(
        file="mdpkit/models/_validate.py",
        find="        if neg or not (abs(s - 1.0) <= atol):\n            return SUSPECT_ROW",
        replace="        if neg:\n            return SUSPECT_ROW",
        tests=[T + "test_faults_in_a_mostly_zero_model_give_the_numpy_messages"],
        why="the fused pass drops the row-sum check",
    ),
    dict(
        file="mdpkit/models/_validate.py",
        find="        if neg or not (abs(s - 1.0) <= atol):\n            return SUSPECT_ROW",
        replace="        if neg or not (abs(s - 1.0) <= 100.0 * atol):\n            return SUSPECT_ROW",
        tests=[T + "test_faults_in_a_mostly_zero_model_give_the_numpy_messages"],
        why="the fused pass is 100x looser than ROW_SUM_ATOL (a row 1e-9 off passes)",
    ),
    dict(
        file="mdpkit/models/_validate.py",
        find="        indptr[i + 1] = k",
        replace="        indptr[i] = k",
        tests=[T + "test_twin_is_the_scipy_csr_of_p_and_p_is_exact"],
        why="row pointers shifted by one row",
    ),
    dict(
        file="mdpkit/models/_validate.py",
        find="                data[k] = x\n",
        replace="                data[k] = 1.0\n",
        tests=[T + "test_twin_is_the_scipy_csr_of_p_and_p_is_exact"],
        why="the twin stores the pattern, not the probabilities",
    ),
    dict(
        file="mdpkit/models/_validate.py",
        find="            out[i, indices[k]] = data[k]",
        replace="            out[i, indices[k]] = 1.0",
        tests=[T + "test_twin_is_the_scipy_csr_of_p_and_p_is_exact"],
        why="the dense P rebuilt from the twin is not the given P",
    ),
    dict(
        file="mdpkit/models/tabular.py",
        find="    capacity = int(DENSITY_MAX * P2.size)",
        replace="    capacity = int(P2.size)",
        tests=[T + "test_density_threshold_decides_the_twin"],
        why="models above the density threshold are stored as CSR too",
    ),
    dict(
        file="mdpkit/models/tabular.py",
        find="    if density_estimate(P2) > 1.5 * DENSITY_MAX:  # a visibly dense P",
        replace="    if density_estimate(P2) >= 0.0:  # a visibly dense P",
        tests=[T + "test_twin_is_the_scipy_csr_of_p_and_p_is_exact"],
        why="the sample pre-filter refuses every model: no twin is ever made",
    ),
    dict(
        file="mdpkit/models/tabular.py",
        find="    if nnz < 0:  # a suspect row",
        replace="    if nnz < -1:  # a suspect row",
        tests=[T + "test_faults_in_a_mostly_zero_model_give_the_numpy_messages"],
        why="a suspect row's partial CSR is kept: invalid models are accepted",
    ),
    dict(
        file="mdpkit/models/tabular.py",
        find="                return (None if copy else _final(P)), P_csr",
        replace="                return _final(P), P_csr",
        tests=[T + "test_copy_true_twin_is_private_copy_false_keeps_the_callers_array"],
        why="copy=True keeps (and freezes) the caller's array",
    ),
    dict(
        file="mdpkit/models/tabular.py",
        find="        return self._S * self._A * self._S if self._P is None else int(self._P.size)",
        replace="        return self._S * self._A if self._P is None else int(self._P.size)",
        tests=[T + "test_twin_is_the_scipy_csr_of_p_and_p_is_exact"],
        why="nnz of a dense model stored as its twin is not S*A*S",
    ),
    dict(
        file="mdpkit/models/tabular.py",
        find="            P_eq = (self._P_csr != other._P_csr).nnz == 0",
        replace="            P_eq = True",
        tests=[T + "test_pickle_and_replace_keep_a_twin_model_dense"],
        why="two twin models with different P compare equal",
    ),
    dict(
        file="mdpkit/models/tabular.py",
        find="            return _dense_from_csr(self._P_csr, R, copy=not own, **fields)",
        replace="            return TabularMDP(self._P_csr, R, copy=not own, **fields)",
        tests=[T + "test_pickle_and_replace_keep_a_twin_model_dense"],
        why="replace() turns a dense model into a sparse one",
    ),
    dict(
        file="mdpkit/models/tabular.py",
        find="_check_action_mask(action_mask, S, A, model.horizon, False))",
        replace="_check_action_mask(action_mask, S, A, model.horizon, True))",
        tests=[T + "test_pickle_and_replace_keep_a_twin_model_dense"],
        why="a dense model built from CSR refuses step-dependent masks",
    ),
    dict(
        file="mdpkit/models/tabular.py",
        find="P_obj if P_csr is None else P_csr, R_arr, S_R, A",
        replace="P_obj, R_arr, S_R, A",
        tests=[T + "test_total_reward_model_with_a_twin_checks_its_terminal_states"],
        why="terminal states of a twin model checked against no kernel",
    ),
    dict(
        file="mdpkit/solvers/auto.py",
        find="    if twin is not None:",
        replace="    if twin is None and False:",
        tests=["tests/test_auto.py::test_sparse_twin_uses_the_models_csr_twin"],
        why="method auto ignores the twin and converts P again",
    ),
    dict(
        file="mdpkit/models/generators.py",
        find="    if not sparse and sp.issparse(P):",
        replace="    if sp.issparse(P):",
        tests=[T + "test_generators_dense_models_equal_their_sparse_versions"],
        why="a generator asked for a CSR model returns a dense one",
    ),
]

MUTANTS += [
    dict(
        file="mdpkit/solvers/discounted_evaluation.py",
        find='    dense = _csr_rows(mdp) is None or (lin == "direct" and mdp.S <= threshold)',
        replace='    dense = (not mdp.is_sparse) or (lin == "direct" and mdp.S <= threshold)',
        tests=[T + "test_evaluate_and_occupancy_use_the_twin"],
        why="evaluate ignores the twin: a dense (S, S) policy matrix for a mostly-zero model",
    ),
    dict(
        file="mdpkit/solvers/discounted_evaluation.py",
        find="    return mdp.P if mdp.is_sparse else mdp.csr_twin",
        replace="    return mdp.P if mdp.is_sparse else None",
        tests=[T + "test_evaluate_and_occupancy_use_the_twin"],
        why="policy systems of twin models built from the dense array",
    ),
]

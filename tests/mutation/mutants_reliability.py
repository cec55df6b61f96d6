"""One-line bugs in the reliability code (LP scaling and fallback, VI certificates and
damping, store verification, frozen models and experiment parameters), each with the
fast tests that must kill it. Read by the mutation harness (tests/mutation)."""

MUTANTS = [
    dict(
        file="mdpkit/experiments/store.py",
        find='if digest != meta["sha256"]:',
        replace='if False and digest != meta["sha256"]:',
        tests=[
            "tests/test_store_integrity.py::test_each_corruption_is_reported_recomputed_and_replaced"
        ],
        why="data checksum not compared: edited values in a seed file would be used",
    ),
    dict(
        file="mdpkit/solvers/_vi_rules.py",
        find="vmax = ops.centre(V) if rule == RULE_SPAN else ops.maxabs(V)",
        replace="vmax = ops.maxabs(V)",
        tests=["tests/test_reliability_certificates.py::test_warm_starts_on_each_engine"],
        why="iterates not centred: rounding at the magnitude of a far warm start",
    ),
    dict(
        file="mdpkit/solvers/_vi_rules.py",
        find="        return c * (dmax - dmin) + slack",
        replace="        return c * (dmax - dmin)",
        tests=["tests/test_reliability_certificates.py::test_bound_carries_the_rounding_term"],
        why="rounding term dropped from the span certificate",
    ),
    dict(
        file="mdpkit/solvers/_vi_rules.py",
        find="state[_MODE] = _DAMPED if damped < plain else _PLAIN_FINAL",
        replace="state[_MODE] = _DAMPED if damped > plain else _PLAIN_FINAL",
        tests=[
            "tests/test_reliability_certificates.py::test_three_cycle_keeps_damping_after_the_trial"
        ],
        why="damping trial verdict inverted: periodic chains at gamma -> 1 never finish",
    ),
    dict(
        file="mdpkit/solvers/lp.py",
        find='if res.status in _WRONG_VERDICTS and lp_method != "highs-ds":',
        replace='if res.status not in _WRONG_VERDICTS and lp_method != "highs-ds":',
        tests=["tests/test_reliability_lp.py::test_fallback_is_chosen_by_the_highs_status"],
        why="LP fallback status check inverted",
    ),
    dict(
        file="mdpkit/models/tabular.py",
        find="    return np.frombuffer(np.ascontiguousarray(a).tobytes(), dtype=a.dtype).reshape(a.shape)",
        replace="    return np.array(a, dtype=a.dtype, order='C')",
        tests=[
            "tests/test_model_immutability.py::test_write_flag_cannot_be_re_enabled_down_the_base_chain"
        ],
        why="model arrays on a writeable base: setflags(write=True) re-enables writes",
    ),
    dict(
        file="mdpkit/models/tabular.py",
        find="        if sp.issparse(self._P):\n            return _csr_view(self._P)",
        replace="        if sp.issparse(self._P):\n            return self._P",
        tests=[
            "tests/test_model_immutability.py::test_rebinding_csr_attributes_does_not_reach_the_model"
        ],
        why="private CSR exposed: rebinding mdp.P.indices reaches the solvers",
    ),
    dict(
        file="mdpkit/experiments/experiment.py",
        find="        return _FrozenList(_deep_freeze(v) for v in x)",
        replace="        return list(_deep_freeze(v) for v in x)",
        tests=["tests/test_store_integrity.py::test_parameters_are_deep_frozen"],
        why="list parameters left mutable: the hash no longer describes what runs",
    ),
]

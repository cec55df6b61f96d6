"""One-line bugs in the figure registry, the plotting overlays, the CLI and a paper module's
claims; each must be killed by the tests listed with it (mutation harness entries)."""

MUTANTS = [
    dict(
        file="mdpkit/figures.py",
        find='            "verdict": c["verdict"],',
        replace='            "verdict": not c["verdict"],',
        tests=["tests/test_figures.py::test_claims_csv_table_and_failing_claims"],
        why="a claim's verdict inverted on its way to claims.csv",
    ),
    dict(
        file="mdpkit/figures.py",
        find="        for c in claims",
        replace="        for c in claims[1:]",
        tests=["tests/test_figures.py::test_claims_csv_table_and_failing_claims"],
        why="a claims.csv row dropped (a stated claim silently disappears)",
    ),
    dict(
        file="mdpkit/plotting.py",
        find='if b.anchor == "data":',
        replace="if b.anchor is not None:",
        tests=["tests/test_plotting.py::test_placed_order_only_shape_does_not_depend_on_the_data"],
        why="an order-only shape placed from the data being judged instead of its constants",
    ),
    dict(
        file="mdpkit/cli.py",
        find="close = alt or difflib.get_close_matches(name, known, n=3, cutoff=0.6)",
        replace="close = alt",
        tests=["tests/test_cli.py::test_unknown_names_say_did_you_mean"],
        why="no 'did you mean' for a misspelt name",
    ),
    dict(
        file="paper_figures/stepmix.py",
        find="bool(n_viol <= rule)",
        replace="bool(n_viol <= rule + 1)",
        tests=["tests/test_figures.py::test_stepmix_claims_on_known_numbers"],
        why="the violation claim of StepMix/EpsMix accepts one violating run too many",
    ),
]

"""Fast == generic cases for the linear mixture regret learners (shared contract #3)."""

FAST_GENERIC_CASES = {
    "hf-ucrl-vtr-plus": dict(
        env="linear-mixture",
        env_params={"family": "rand", "H": 5, "S": 4, "A": 2, "d": 3, "mdp_seed": 1},
        learner_params={"c_beta": 0.05},
        n_steps=12,
    ),
    "ucrl-vtr-plus": dict(
        env="linear-mixture",
        env_params={"family": "hard", "H": 5, "d": 3, "Delta": 0.1, "mdp_seed": 2},
        learner_params={"c_beta": 0.05},
        n_steps=12,
    ),
}

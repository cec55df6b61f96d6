"""Fast-vs-generic cases of the LSD learners (one small case per registered learner)."""

FAST_GENERIC_CASES = {
    "lsd-lp-ucb": dict(
        env="lsd-random-monotone",
        env_params={"k": 3, "M": 2, "instance_seed": 1},
        learner_params={"block": 20},
        n_steps=200,
    ),
    "lsd-lp-plan": dict(
        env="lsd-random-monotone",
        env_params={"k": 3, "M": 3, "instance_seed": 2, "exactly_one": True},
        learner_params={"block": 25, "phase_mode": "correlated"},
        n_steps=200,
    ),
    "lsd-etc": dict(
        env="lsd-random-monotone",
        env_params={"k": 2, "M": 2, "instance_seed": 3},
        learner_params={"n_e": 3, "block": 16},
        n_steps=200,
    ),
    "lsd-greedy": dict(env="lsd-greedy-trap", env_params={"M": 3}, learner_params={}, n_steps=200),
    "lsd-steady": dict(env="lsd-greedy-trap", env_params={"M": 3}, learner_params={}, n_steps=100),
    "lsd-combucb1": dict(
        env="lsd-laforgue",
        env_params={"which": "trick-og"},
        learner_params={"block": 4},
        n_steps=120,
    ),
    "lsd-isi-combucb1": dict(
        env="lsd-laforgue",
        env_params={"which": "trick-og"},
        learner_params={"block": 5},
        n_steps=120,
    ),
}

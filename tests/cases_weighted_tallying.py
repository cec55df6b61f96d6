"""Fast-vs-generic cases of the weighted-tallying learners (one small case per registered
learner; collected by the registry-wide differential test)."""

_ENV = dict(env="random-reo-tallying", env_params={"K": 4, "m": 3, "M": 5, "gamma": 0.8})

FAST_GENERIC_CASES = {
    "se-wtb": dict(**_ENV, learner_params={}, n_steps=600),
    "se-naive": dict(**_ENV, learner_params={}, n_steps=400),
    "ucb1-losses": dict(**_ENV, learner_params={}, n_steps=400),
    "exp3-losses": dict(**_ENV, learner_params={}, n_steps=400),
    "batched-exp3": dict(**_ENV, learner_params={}, n_steps=400),
    "oracle-a-star": dict(
        env="practice-makes-perfect", env_params={"K": 3, "m": 4}, learner_params={}, n_steps=200
    ),
}

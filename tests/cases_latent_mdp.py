"""Fast-vs-generic cases of the latent-MDP learners (registry-wide differential test)."""

FAST_GENERIC_CASES = {
    "lmdp-vo": dict(env="latent-tiger", env_params={}, learner_params={"beta": 0.025}, n_steps=120),
    "lmdp-mo": dict(
        env="latent-bandit-tree",
        env_params={"H": 6, "v": 0.3, "eps": 0.3},
        learner_params={"beta": 0.025},
        n_steps=120,
    ),
    "lmdp-hoeffding-vo": dict(
        env="latent-random",
        env_params={"M": 2, "S": 3, "A": 2, "H": 3},
        learner_params={"beta": 0.025},
        n_steps=120,
    ),
    "lmdp-context-agnostic": dict(
        env="latent-tiger", env_params={}, learner_params={"beta": 0.025}, n_steps=120
    ),
    "lmdp-oracle-context": dict(
        env="latent-tiger", env_params={"oracle": True}, learner_params={"beta": 0.025}, n_steps=120
    ),
}

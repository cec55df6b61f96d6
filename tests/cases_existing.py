"""Fast == generic cases of the learners shipped before the paper modules.

Collected by ``tests/test_fast_equals_generic.py``: one small instance of each learner's
setting, ``{"learner-name": dict(env=..., env_params=..., learner_params=..., n_steps=...)}``.
An optional ``exact=True`` asks for bit-identical columns (the default tolerance is 1e-12,
for paths that sum in a different order). The instances are chosen to exercise each code
path of the learner: Bernoulli rewards, sparse (CSR) transitions, unknown rewards, mixture
episodes of the conservative learners, epochs of the DLB learners.
"""

from __future__ import annotations

_BANDIT = dict(env="bernoulli-bandit", env_params={"means": [0.2, 0.5, 0.8, 0.75]}, n_steps=60)
_LINEAR = dict(
    env="linear-bandit", env_params={"n_actions": 6, "d": 3, "noise_std": 0.5}, n_steps=60
)
_RIVER = dict(env="riverswim", env_params={"S": 4, "horizon": 5}, n_steps=40)
_SPARSE_BERNOULLI = dict(
    env="random-sparse-mdp",
    env_params={
        "S": 6,
        "A": 3,
        "n_successors": 2,
        "horizon": 4,
        "mdp_seed": 1,
        "reward_dist": "bernoulli",
    },
    n_steps=40,
)
_CONS = dict(env="conservative-synthetic", env_params={"env_seed": 3}, n_steps=60)
# a 2-state instance on which pi^k gets certified within a few hundred episodes
_CONS_SMALL = dict(
    env="conservative-synthetic", env_params={"env_seed": 3, "S": 2, "A": 2, "H": 2}, n_steps=300
)
_DLB = dict(env="dlb-synthetic", env_params={"sigma": 0.01}, n_steps=300)
_REAL = dict(env="dlb-realdata", env_params={"sigma": 0.01}, n_steps=300)

FAST_GENERIC_CASES = {
    # bandits (no compiled fast path: both settings must run the same generic loop)
    "ucb1": dict(_BANDIT, exact=True),
    "successive-elimination": dict(_BANDIT, exact=True),
    "oful": dict(_LINEAR, exact=True),
    "linucb": dict(_LINEAR, learner_params={"alpha": 1.0}, exact=True),
    # tabular episodic
    "ucbvi-ch": dict(_RIVER, learner_params={"bonus_scale": 0.05}),
    "ucbvi-bf": dict(_SPARSE_BERNOULLI, learner_params={"bonus_scale": 0.02}),
    "psrl": dict(_SPARSE_BERNOULLI),
    # conservative exploration (bonus_scale < 1 so that mixtures happen in 60 episodes)
    "stepmix": dict(_CONS, learner_params={"alpha": 0.05, "bonus_scale": 0.1}),
    "epsmix": dict(_CONS, learner_params={"alpha": 0.05, "bonus_scale": 0.1}),
    "stepmix-learned": dict(
        _CONS_SMALL,
        env_params={**_CONS_SMALL["env_params"], "dataset_size": 300},
        learner_params={"alpha": 0.5, "bonus_scale": 0.05, "base": "epsmix"},
        n_steps=100,
    ),
    "ucbvi-cons": dict(_CONS, learner_params={"bonus_scale": 0.1}),
    "baseline-only": dict(_CONS),
    "budget-conservative": dict(_CONS_SMALL, learner_params={"alpha": 0.5, "bonus_scale": 0.05}),
    "naive-switch": dict(_CONS_SMALL, learner_params={"alpha": 0.5, "bonus_scale": 0.05}),
    # dynamical linear bandits
    "dynlin-ucb": dict(_DLB),
    "dynlin-ucb-log-t": dict(_DLB),
    "dynlin-ucb-1": dict(_DLB),
    "dlb-linucb": dict(_REAL),
    "dlb-linucb-log-t": dict(_REAL),
    "dlb-linucb-1": dict(_REAL),
    "dlb-dlinucb": dict(_REAL),
    "dlb-dlinucb-log-t": dict(_REAL),
    "dlb-dlinucb-1": dict(_REAL),
    "dlb-exp3": dict(_REAL),
    "dlb-batch-exp3": dict(_REAL),
    "dlb-ar2": dict(_REAL),
    "dlb-expert": dict(_REAL),
    "dlb-clairvoyant": dict(_REAL),
}

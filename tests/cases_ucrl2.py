"""Fast == generic case of UCRL2 (collected by ``tests/test_fast_equals_generic.py``).

A 3-state average-reward RiverSwim with Bernoulli rewards (exercises the reward draws and
reward estimates) over enough steps for a few dozen epochs; the discounted-env columns are
checked in ``tests/test_ucrl2.py``.
"""

from __future__ import annotations

FAST_GENERIC_CASES = {
    "ucrl2": dict(
        env="riverswim-average",
        env_params={"S": 3, "reward_dist": "bernoulli"},
        n_steps=3000,
        exact=True,
    ),
}

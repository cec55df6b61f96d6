r"""The regret bound of UCRL2 (Jaksch, Ortner & Auer 2010, JMLR 11, Thm 2).

Paper page: ``docs/papers/ucrl2.md`` ("Bound").

* :data:`UCRL2_THM2` [exact]: with probability at least ``1 - delta``, for every initial
  state and every ``T > 1``, the regret ``Delta(T) = T g* - sum_{t <= T} r_t`` of UCRL2 run
  with confidence parameter ``delta`` satisfies

  .. math:: \Delta(T) \le 34\, D\, S \sqrt{A\, T \ln(T / \delta)},

  D the diameter of the (communicating) MDP (:func:`mdpkit.solvers.extended_vi.diameter`),
  rewards in [0, 1], natural logarithm. x-axis: T, the number of steps.
"""

from __future__ import annotations

import sympy as sp

from .base import Bound

__all__ = ["UCRL2_THM2", "UCRL2_BOUNDS"]

_pos = dict(positive=True, real=True)
T, D, S, A, delta = sp.symbols("T D S A delta", **_pos)

UCRL2_THM2 = Bound(
    "ucrl2",
    34 * D * S * sp.sqrt(A * T * sp.log(T / delta)),
    (T, D, S, A, delta),
    reference="Jaksch, Ortner & Auer 2010, 'Near-optimal regret bounds for reinforcement "
    "learning', JMLR 11, Theorem 2",
    exact=True,
    x_symbol=T,
    kind="upper",
    tag="exact",
    holds="with probability >= 1 - delta, simultaneously for every initial state and every T > 1",
    setting="average reward, communicating MDP with diameter D, rewards in [0, 1]; "
    "regret T g* - (sum of the T realised rewards); T = steps",
    description={
        "T": "steps",
        "D": "diameter",
        "S": "states",
        "A": "actions",
        "delta": "confidence parameter of UCRL2",
    },
)

UCRL2_BOUNDS = {b.name: b for b in (UCRL2_THM2,)}

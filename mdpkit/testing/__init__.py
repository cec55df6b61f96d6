"""Testing helpers for mdpkit users: hypothesis strategies (needs the ``hypothesis`` package).

>>> from mdpkit.testing import tabular_mdps, policies, invalid_mdp_inputs  # doctest: +SKIP
"""

from .strategies import FAULT_KINDS, distributions, invalid_mdp_inputs, policies, tabular_mdps

__all__ = ["tabular_mdps", "policies", "distributions", "invalid_mdp_inputs", "FAULT_KINDS"]

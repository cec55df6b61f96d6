"""Linear mixture MDP algorithms (paper page ``docs/papers/linear-mixture.md``):
HF-UCRL-RFE++ and its reward-free baselines (explorers with ``explore`` / ``plan`` /
``gaps``), and the sample-complexity measurement."""

from .hf_ucrl_rfe import HFUCRLRFE  # noqa: F401
from .ucrl_rfe import UCRLRFE, UCRLRFEPlus  # noqa: F401
from .uniform import UniformVTR  # noqa: F401
from .vtr_regret import HFUCRLVTRPlus, UCRLVTRPlus  # noqa: F401

__all__ = ["HFUCRLRFE", "UCRLRFE", "UCRLRFEPlus", "UniformVTR", "HFUCRLVTRPlus", "UCRLVTRPlus"]

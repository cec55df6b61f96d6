"""Linear mixture MDP algorithms (paper page ``docs/papers/linear-mixture.md``):
HF-UCRL-RFE++ and its reward-free baselines (explorers), HF-UCRL-VTR+ / UCRL-VTR+
(regret learners registered with the runner)."""
from .hf_ucrl_rfe import HFUCRLRFE  # noqa: F401

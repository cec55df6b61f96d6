"""Models: data only (TabularMDP, generators, converters)."""
from .tabular import ROW_SUM_ATOL, TabularMDP

__all__ = ["TabularMDP", "ROW_SUM_ATOL"]

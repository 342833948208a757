"""FAISS indexes of profile vectors (vectors.py) and their generations on disk (generations.py)."""

from .generations import CURRENT, MANIFEST, Generations
from .vectors import IndexSpec, VectorIndex, VectorSearch, build_base, ivf_of, set_search_threads

__all__ = ["CURRENT", "MANIFEST", "Generations", "IndexSpec", "VectorIndex", "VectorSearch", "build_base", "ivf_of",
           "set_search_threads"]

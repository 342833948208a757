"""FAISS indexes of profile vectors (vectors.py) and their generations on disk (generations.py)."""

from .generations import CURRENT, MANIFEST, Generations, IndexMismatch
from .vectors import IndexSpec, VectorIndex, VectorSearch, build_base, ivf_of, set_search_threads

__all__ = ["CURRENT", "MANIFEST", "Generations", "IndexMismatch", "IndexSpec", "VectorIndex", "VectorSearch",
           "build_base", "ivf_of", "set_search_threads"]

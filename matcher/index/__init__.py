"""This process's searchable state: everything that builds, loads, follows and searches its indexes.

- `vectors`: FAISS behind a small interface; `generations`: index generations on disk (CURRENT, manifests).
- `state`: `IndexState` (the catalog, the vector and BM25 indexes, the phrase book), built, loaded, caught up.
- `lifecycle`: `IndexLifecycle`: open, catch up, swap in, re-index, checkpoint.
- `replicas`: following another replica's re-index; `lexical`: BM25; `phrasebook`: the mentors' key phrases.

Derived from the store, never the source of truth. May import the store, the model, the styles'
catalog, text and errors; never the search, the programmes, the service or a face.
"""

from .generations import CURRENT, MANIFEST, Generations
from .vectors import IndexSpec, VectorIndex, VectorSearch, build_base, ivf_of, set_search_threads

__all__ = [
    "CURRENT",
    "MANIFEST",
    "Generations",
    "IndexSpec",
    "VectorIndex",
    "VectorSearch",
    "build_base",
    "ivf_of",
    "set_search_threads",
]

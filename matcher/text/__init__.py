"""How the matcher reads words: a need cleaned and cut into key phrases (`need`).

Pure: the standard library only. The index (BM25's stop words, the phrase book), the search and the
programmes' session plans read text through it.
"""

"""How the matcher reads words: a need cleaned and cut into key phrases (`need`), and the stemmed
content words BM25 and the highlighter share (`words`).

Pure: the standard library and PyStemmer. The index (BM25, the phrase book), the search, the web
form's highlighter and the programmes' session plans read text through it.
"""

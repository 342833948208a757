"""Mark the words of a need in an evidence sentence, with escaping done right.

Pure: MarkupSafe and the lexical module's notion of a content word only.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

from ..lexical import STOP_WORDS, query_terms

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
STEM = 5  # letters two words must share at least to count as one stem
STEM_SHARE = 0.6  # ...and this share of the shorter word ("instagram" is not "installed")


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def same_word(token: str, term: str) -> bool:
    """True when `token` (lower case) is `term` or a simple variant of it (plural, -ing, -er...)."""
    if token == term or token.rstrip("s") == term.rstrip("s"):
        return True
    shared = _common_prefix(token, term)
    return shared >= STEM and shared >= STEM_SHARE * min(len(token), len(term))


def highlight(text: str, need: str) -> Markup:
    """`text` escaped, with each word that matches a content word of `need` wrapped in <mark>.

    Words are compared case-insensitively; stop words never match; simple stems do.
    """
    terms = query_terms(need)
    pieces: list[Markup] = []
    position = 0
    for found in _WORD.finditer(text):
        token = found.group().lower()
        if len(token) < 2 or token in STOP_WORDS or not any(same_word(token, term) for term in terms):
            continue
        pieces.append(escape(text[position:found.start()]))
        pieces.append(Markup("<mark>{}</mark>").format(found.group()))
        position = found.end()
    pieces.append(escape(text[position:]))
    return Markup("").join(pieces)

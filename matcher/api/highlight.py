"""Mark the words of a need in an evidence sentence, with escaping done right.

Pure: MarkupSafe and text/words.py's words and stems (BM25's own). A word is marked when its Snowball stem is
one of the need's content-word stems: exactly the words BM25 matched on ("leaders" and "leadership"
share no stem, so only the one the need said is marked; "videos" and "video" do).
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

from ..text.words import query_terms, tokenize

_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def highlight(text: str, need: str) -> Markup:
    """`text` escaped, with each word whose stem is a content-word stem of `need` wrapped in <mark>.

    Words are compared case-insensitively; stop words never match.
    """
    stems = set(query_terms(need))
    pieces: list[Markup] = []
    position = 0
    for found in _WORD.finditer(text):
        stemmed = tokenize(found.group())
        if not stemmed or stemmed[0] not in stems:
            continue
        pieces.append(escape(text[position : found.start()]))
        pieces.append(Markup("<mark>{}</mark>").format(found.group()))
        position = found.end()
    pieces.append(escape(text[position:]))
    return Markup("").join(pieces)

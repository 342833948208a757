"""The topics of a need, for a plan of sessions: what the person named, as noun phrases or skills.

Pure: the standard library and lemminflect (an English lexicon of word classes and inflections that ships
its data in the package). No model.

A need is read the way people write one: a frame ("Next, I want to", "I'd like help with", "This year my
goal is to"), then what they want, as a list ("Resume / CV Review, Career Planning") or as verbs with
objects ("run effective planning meetings and give useful feedback"). So:

- The frame is filler and goes ("Next", "I would love to", "with help from someone who does it every day").
- After a frame that ends in "to", the first word is a verb. A verb of learning goes ("understand product
  management" -> "product management", "get better at public speaking" -> "public speaking"); any other
  becomes its -ing form, so the skill reads as one ("brief designers and agencies" -> "briefing designers
  and agencies", "post on Instagram" -> "posting on Instagram").
- Items are cut at commas and semicolons, at "and also" / "and ideally", and at an "and" that starts a
  second verb with its own object ("read a P&L and build a team budget"); never at a "/" or an "and"
  inside a noun phrase ("Resume / CV Review", "designers and agencies", "Figma and FigJam").
- Trailing manner words go ("well", "with confidence", "calmly"): they say how, not what.
- A topic must name something: a word the lexicon knows as a noun, or a name it does not know (TikTok,
  dbt, SQL). "Next", "more" or a lone verb is never a topic.

Why not a keyphrase library: on the demo needs and the lists dev set (scripts/measure_topics.py, README
"Programmes") KeyBERT and YAKE rank n-grams that cross the frame and the conjunctions ("want brief
designers", "help resume cv", "love to post"), and neither gives a list's items back; spaCy's noun chunks
need an English pipeline, which is not published on PyPI by its authors.
"""

from __future__ import annotations

import re
from functools import lru_cache

from lemminflect import getAllLemmas, getInflection

MAX_TOPICS = 12

# Fillers: words that are never a topic on their own, whatever the lexicon says they can be.
FILLER = frozenset(
    """next then now also ideally really maybe perhaps finally first firstly secondly lastly
    thanks thank please etc more stuff things thing something anything everything lot lots bit way ways
    basically just well better best good great year goal goals hope love like want wish help someone
    anyone question questions advice tips support guidance learning understanding knowing getting improving
    doing""".split()
)

_ARTICLES = tuple("a an the some any".split())  # "any": the word (a style is also named so)
_DETERMINERS = frozenset(
    ("a", "an", "the", "some", "my", "our", "your", "their", "his", "her", "its", "this", "these", "those")
)
# Openers before the frame: discourse words and time phrases.
_OPENER = re.compile(
    r"^(?:(?:next|also|then|now|finally|first(?:ly)?|second(?:ly)?|lastly|ideally|honestly|so|ok"
    r"|this (?:year|quarter|month|term|semester)|in \d{4}|over the next \w+ \w+)\b[,:]?\s*)+",
    re.IGNORECASE,
)
# The frame: who wants something ("I'd like", "I'm hoping", "My goal is", "Looking").
_FRAME = re.compile(
    r"^(?:(?:i|we)(?:'d|\s+would)?\s+(?:really\s+|also\s+)?(?:like|love|want|wish|hope|need|aim|plan|intend|prefer)"
    r"|(?:i|we)(?:'m|\s+am|\s+are|'re)\s+(?:really\s+|also\s+)?(?:hoping|keen|looking|trying|eager|planning|"
    r"aiming|interested|excited|open)"
    r"|(?:my|our)\s+(?:main\s+|big\s+)?(?:goal|aim|objective|wish|plan|priority|hope)\s+(?:\w+\s+)?(?:is|are|was)"
    r"|(?:i|we)\s+(?:could|can)\s+use|looking|hoping|keen|trying)\b\s*",
    re.IGNORECASE,
)
# A frame after a first clause about who they are ("I lead a division and want to ...", "..., so I'd like ...").
_MID_FRAME = re.compile(
    r"(?:,\s*|\s+)(?:and|but|so)\s+(?:(?:i|we)(?:'d|\s+would)?\s+)?(?:really\s+|also\s+)?"
    r"(?:like|love|want|wish|hope|need|aim|plan|intend)\b\s*",
    re.IGNORECASE,
)
# After the frame, what it asks for: a verb ("to run ...", "to have someone help me to ...") or a list of
# things ("help with A, B", "expertise in A, B", "in A").
_TO_VERB = re.compile(
    r"^(?:for\s+\w+\s+)?to\s+(?:(?:have|get|find)\s+(?:someone|a\s+mentor)\s+(?:to\s+)?)?"
    r"(?:(?:help|teach|show)\s+me\s+(?:(?:how\s+)?to\s+)?)?",
    re.IGNORECASE,
)
_TO_THINGS = re.compile(
    r"^(?:to\s+(?:get|have|find|build|gain|develop|deepen)\s+)?(?:(?:some|a\s+bit\s+of|more)\s+)?"
    r"(?:help|support|guidance|advice|coaching|mentoring|tips|expertise|experience|skills|knowledge)"
    r"(?:\s+(?:from\s+someone\s+)?(?:with|on|in|for|about|around))?\s+"
    r"|^(?:in|on|with|for|about|at)\s+(?!(?:a|the)\s+\w+\s+to\b)",
    re.IGNORECASE,
)
# A sentence about who they are, not what they want ("I study Psychology.", "I work in sales.").
_BACKGROUND = re.compile(
    r"^(?:i|we)(?:'m| am| are)?\s+(?:study|studying|work|working|am|majoring|major|"
    r"have\s+been|was|joined)\b",
    re.IGNORECASE,
)
# Verbs of learning: the topic is their object ("understand X" -> X).
_LEARNING = re.compile(
    r"^(?:(?:learn|know|understand|study|master|grasp|explore|discover)(?:\s+(?:more\s+)?(?:about|of))?"
    r"|get\s+(?:(?:much|a\s+lot|a\s+bit)\s+)?(?:better|good|stronger|(?:more\s+)?(?:confident|comfortable|familiar))"
    r"\s+(?:at|with|in)"
    r"|get\s+to\s+grips\s+with|find\s+my\s+way\s+(?:around|in|through)|get\s+(?:started|going)\s+(?:with|in|on)"
    r"|brush\s+up\s+(?:on)?|dive\s+(?:deeper\s+)?into|develop\s+(?:my|our)\s+skills\s+in"
    r"|improve\s+(?:my|our)|strengthen\s+(?:my|our)|build\s+(?:my|our)\s+(?:skills|knowledge)\s+(?:in|of))\s+",
    re.IGNORECASE,
)
# Trailing words that say how or with whose help, not what.
_TRAILING = re.compile(
    r"(?:\s+(?:with\s+(?:the\s+)?help\s+(?:from|of)\b.*|from\s+someone\b.*|with\s+someone\b.*|every\s+day"
    r"|with\s+(?:more\s+)?confidence|confidently|calmly|well|better|properly|quickly|asap|on\s+my\s+own"
    r"|by\s+myself|for\s+myself|and\s+more|too|as\s+well|please|etc|in\s+general|generally))+$",
    re.IGNORECASE,
)
# Where items of one sentence part: list separators, and joiners that start another item.
_ITEMS = re.compile(
    r"\s*[;,•·]\s*(?:(?:and|or|plus|also|as\s+well\s+as)\s+)?(?:(?:also|ideally|maybe|then)\s+)?"
    r"|\s+(?:and|,)\s+(?:also|ideally|maybe|then|perhaps)\s+|\s+as\s+well\s+as\s+|\s+plus\s+",
    re.IGNORECASE,
)
_SENTENCES = re.compile(r"(?<=[.!?])\s+|\n+|\s*[•·]\s*")
_WORD = re.compile(r"[^\W_](?:[\w.'’+#&/-]*[\w+#])?", re.UNICODE)
_PLACEHOLDER = re.compile(r"<[A-Z][A-Z0-9_]*>")
_ABBREVIATION = re.compile(r"\b(?:vs|e\.g|i\.e|etc|incl|approx|dept|Mr|Mrs|Ms|Dr|St|No)\.$", re.IGNORECASE)


def need_topics(need: str, most: int = MAX_TOPICS) -> list[str]:
    """The topics a need names, in its order: noun phrases and skills, without its frame or fillers.

    Args:
        need: the need in the person's own words.
        most: the most topics kept (the first ones).

    Returns:
        Distinct topics (case-insensitively), e.g. "Next, I want to run effective planning meetings." ->
        ["running effective planning meetings"]; "I'd like help with Resume / CV Review, Career Planning"
        -> ["Resume / CV Review", "Career Planning"]; [] when nothing in it names a thing.
    """
    sentences = [s.strip(" .!?") for s in _sentences(" ".join(_PLACEHOLDER.sub(" ", need).split()))]
    found: dict[str, str] = {}
    for sentence in sentences:
        for topic in _sentence_topics(sentence):
            found.setdefault(topic.lower(), topic)
    if not found:  # only who they are ("I study Psychology."): that is what to talk about
        for sentence in sentences:
            background = _BACKGROUND.match(sentence)
            for topic in (
                _noun_phrases(re.sub(r"^(?:in|as|at|on)\s+", "", sentence[background.end() :].strip()))
                if background
                else []
            ):
                if names_something(topic):
                    found.setdefault(topic.lower(), topic)
    return list(found.values())[:most]


def _sentences(text: str) -> list[str]:
    """The sentences of a text, not cut after an abbreviation ("Parenting vs. Career", "e.g. Excel")."""
    sentences: list[str] = []
    for piece in _SENTENCES.split(text):
        if sentences and _ABBREVIATION.search(sentences[-1]):
            sentences[-1] = f"{sentences[-1]} {piece}"
        else:
            sentences.append(piece)
    return sentences


def names_something(phrase: str) -> bool:
    """True when a phrase has a word that names a thing: one the lexicon knows as a noun, or a name it does
    not know (TikTok, dbt), other than a filler or a function word."""
    return any(_nounish(word) for word in _WORD.findall(phrase))


def _sentence_topics(sentence: str) -> list[str]:
    if not sentence:
        return []
    body = _OPENER.sub("", sentence)
    verb_led = False
    frame = _FRAME.match(body) or _MID_FRAME.search(body)
    if not frame and _BACKGROUND.match(sentence):  # who they are, and nothing asked for
        return []
    if frame:
        body = body[frame.end() :]
    things = _TO_THINGS.match(body)
    if things:
        body = body[things.end() :]
    elif frame:
        to_verb = _TO_VERB.match(body)
        verb_led = bool(to_verb and to_verb.end())
        body = body[to_verb.end() :] if to_verb else body
    topics = []
    for item in _ITEMS.split(body):
        for topic in _item_topics(item.strip(" .:;"), verb_led):
            if topic and names_something(topic):
                topics.append(topic)
    return topics


def _item_topics(item: str, verb_led: bool) -> list[str]:
    """One item's topics: a verb with its object as an -ing skill, or the noun phrases it lists."""
    item = _TRAILING.sub("", item).strip(" .:;-")
    item = re.sub(r"^(?:(?:and|or|also|ideally|maybe|perhaps|then|to|more|&)\s+)+", "", item, flags=re.IGNORECASE)
    if not item:
        return []
    learned = _LEARNING.match(item)
    if learned and (verb_led or learned.group(0).split()[0].lower() in ("learn", "understand", "improve")):
        return _noun_phrases(item[learned.end() :])
    if verb_led:
        return [_skill(part) for part in _verb_items(item)]
    return _noun_phrases(item)


def _verb_items(item: str) -> list[str]:
    """Cut at an "and" that starts a second verb with its own object ("read a P&L and build a team budget",
    "run good one-on-ones and give useful feedback"); not inside a noun phrase ("designers and agencies")."""
    words = item.split()
    items, start = [], 0
    for i in range(2, len(words) - 2):
        verb, following = words[i + 1], words[i + 2]
        if (
            words[i].lower() == "and"
            and i - start >= 2
            and _base_verb(verb)
            and (_verb_only(verb) or following.lower() in _DETERMINERS or _classes(following) == {"ADJ"})
        ):
            items.append(" ".join(words[start:i]))
            start = i + 1
    items.append(" ".join(words[start:]))
    return items


def _skill(item: str) -> str:
    """A verb with its object as one skill: the verb, and a second one joined by "and" ("film and edit",
    "read dashboards and question metrics"), in their -ing form."""
    words = item.split()
    first = words[0]
    if not (_base_verb(first) or first.islower() and not _classes(first)):  # not a verb: a noun phrase
        return item
    if not first.lower().endswith("ing"):
        words[0] = _ing(first)
    for i in range(1, len(words) - 1):
        if words[i].lower() == "and" and _base_verb(words[i + 1]) and words[i + 1].islower():
            words[i + 1] = _ing(words[i + 1])
    return " ".join(words)


def _noun_phrases(item: str) -> list[str]:
    """The noun phrases of an item, cut at an "and" with two or more words on each side ("Google Analytics
    and website data"), not in a short pair ("Figma and FigJam", "designers and agencies") or a question
    ("how compensation and salary bands work")."""
    parts = [item]
    if not re.match(r"^(?:how|what|where|why|when|which|who)\b", item, re.IGNORECASE):
        pieces = re.split(r"\s+and\s+", item)
        if len(pieces) == 2 and all(len(piece.split()) >= 2 for piece in pieces):
            parts = pieces
    return [_drop_article(part.strip()) for part in parts if part.strip()]


def _drop_article(item: str) -> str:
    words = item.split()
    if len(words) > 1 and words[0].lower() in _ARTICLES:
        return " ".join(words[1:])
    return item


@lru_cache(maxsize=4096)
def _classes(word: str) -> frozenset[str]:
    """The word classes the lexicon gives a word ({} for a word it does not know)."""
    return frozenset(getAllLemmas(word.lower()))


def _base_verb(word: str) -> bool:
    """A verb in its base form ("give", "question"; not "comments", "Teams")."""
    return word.islower() and word in getAllLemmas(word).get("VERB", ())


def _verb_only(word: str) -> bool:
    """A word that is a verb and not also a noun or adjective ("give", "prioritize"; not "film", "legal")."""
    classes = _classes(word)
    return "VERB" in classes and not classes & {"NOUN", "ADJ", "PROPN"}


def _ing(verb: str) -> str:
    forms = getInflection(verb.lower(), tag="VBG")
    return forms[0] if forms else verb


def _nounish(word: str) -> bool:
    lowered = word.lower().strip("'’")
    if lowered in FILLER or lowered in FUNCTION_WORDS or len(lowered) < 2 and not word.isupper():
        return False
    classes = _classes(lowered)
    if lowered.endswith("ing") and "VERB" in classes:  # a gerund names an activity: "negotiating"
        return True
    if word[:1].isupper() and word[1:2].islower() or word.isupper() and len(word) > 1:  # a name: Excel, SQL
        return True
    return not classes or bool(classes & {"NOUN", "PROPN"}) or any(c.isdigit() or c in "+#&/" for c in word)


# Function words, as matcher.needs has them, without importing the match side for a word list.
FUNCTION_WORDS = frozenset(
    """a about above after again against all am an and any are as at be because been
    before being below between both but by can could did do does doing down during each few for from further
    had has have having he her here hers herself him himself his how i if in into is it its itself just me
    my myself no nor not of off on once only or other our ours ourselves out over own same she should so such
    than that the their theirs them themselves there these they this those through to too under until up very
    was we were what when where which while who whom why will with within would you your yours yourself
    i'm i'd i'll it's we'll we're you're""".split()
)

"""What kind of answer a question asks for, and whether a sentence offers one.

Two kinds are recognised, in English and Chinese: a *name* ("who", "what is it called", "which
company", 谁, 叫什么, 哪家) and a *quantity* ("how many / much / big / long", "when", "what date",
多少, 几, 多久, 什么时候, 哪天). A sentence offers a name when it names someone or something the
question does not (a rare capitalised word), and a quantity when it states a number (with its
unit) the question does not. Ranking gives such sentences a small bonus (index.search.Weights.answer_type):
between two passages on the subject, the one that holds the answer wins.
"""

from __future__ import annotations

import re
from enum import Enum

from .lexical import Lexicon
from .quantities import MONTHS, dimension, extract, unit_after


class AnswerType(Enum):
    NAME = "name"  # of a person, or of a thing ("what is the new building called?")
    QUANTITY = "quantity"


_NAME = re.compile(
    r"\b(who|whom|whose)\b|\bwhat\b[^?]*\b(?:called|named)\b|\bname\s+of\b|\bwhat\s+(?:is|was|are|were)\b[^?]*\bname\b"
    r"|\b(?:which|what)\s+(?:company|companies|firm|lab|startup|organi[sz]ation|film|movie|book)\b"
    r"|谁|叫什么|什么名字|名字是什么|名称是什么|叫做什么|哪家|哪一家|哪个公司|哪部",
    re.IGNORECASE,
)
# "when" asks for a time only as the question word ("When did...", "...and when will..."), not
# as a conjunction ("What went wrong when training was scaled?").
_AUXILIARY = "did|does|do|is|was|are|were|will|would|can|could|should|has|have|had|might|must"
_QUANTITY = re.compile(
    r"\bhow\s+(many|much|big|large|small|long|old|fast|soon|far|often)\b|\bwhat\s+(percentage|share|size)\b"
    r"|^\W*when\b|\bwhen\s+(?:" + _AUXILIARY + r")\b"
    r"|\b(?:what|which)\s+(?:date|day|year)\b|多少|几(?!乎)|多大|多久|多长|多快|多高|多远|什么时候|何时|哪一?[年天]",
    re.IGNORECASE,
)
_HOW_MANY = re.compile(r"\bhow\s+(?P<many>many)\b|\bhow\s+much\b|多少|几(?!乎)", re.IGNORECASE)  # the unit may follow
_HOW_LONG = re.compile(r"\bhow\s+long\b|多久|多长时间", re.IGNORECASE)  # asks for a duration
_WHICH_DAY = re.compile(r"\b(?:what|which)\s+(?:date|day)\b|哪一?天|几月几[日号]|几号|什么日期", re.IGNORECASE)
# Amounts without a number ("several hours", "millions of H100s", 数小时, 一半): the unit may follow.
_VAGUE = re.compile(
    r"\b(?:several|a\s+few|dozens|hundreds|thousands|millions|billions|half)\b(?:\s+of)?(?:\s+the)?"
    r"|[数几](?=[百千万亿个位名小天周年])|一半",
    re.IGNORECASE,
)
_CAPITALISED = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]{2,}\b")
_CLOCK = re.compile(r"\b\d{1,2}:\d{2}(?::\d{2})?\b")  # a time in the recording, not an answer
RARE_NAME_SENTENCES = 6  # a capitalised word in at most this many sentences is likely a person's name


def expected(question: str) -> AnswerType | None:
    """The kind of answer the question asks for, if it is one of the recognised kinds."""
    if _NAME.search(question):
        return AnswerType.NAME
    if _QUANTITY.search(question):
        return AnswerType.QUANTITY
    return None


def names(text: str, lexicon: Lexicon) -> set[str]:
    """Likely names of people or things in `text`: capitalised words (not at a sentence start,
    not acronyms, not months) that are rare in the corpus. Lower-cased."""
    return {
        word.lower()
        for word in _CAPITALISED.findall(text)
        if lexicon.document_frequency(word) <= RARE_NAME_SENTENCES and word[:3].lower() not in MONTHS
    }


class AnswerTypeMatcher:
    """Answers "does this sentence offer what the question asks for?" for one question."""

    def __init__(self, question: str, lexicon: Lexicon) -> None:
        self.kind = expected(question)
        self.lexicon = lexicon
        self.question_words = {w.lower() for w in re.findall(r"\w+", question)}
        self.question_quantities = extract(question) if self.kind is AnswerType.QUANTITY else []
        self.dimension = asked_dimension(question) if self.kind is AnswerType.QUANTITY else None

    def offers(self, sentence: str) -> bool:
        if self.kind is AnswerType.NAME:
            return any(name not in self.question_words for name in names(sentence, self.lexicon))
        if self.kind is AnswerType.QUANTITY:
            wanted = self.dimension
            units = self._units(sentence)
            return any(wanted is None or (unit is not None and dimension(unit) == wanted) for unit in units)
        return False

    def _units(self, sentence: str) -> list[str | None]:
        """The units of the amounts the sentence states (None when it names none), leaving out
        the numbers the question itself gives ("how many of the twelve co-founders")."""
        text = _CLOCK.sub(" ", sentence)
        units = [q.unit for q in extract(text) if not any(q.same_value(asked) for asked in self.question_quantities)]
        return units + [unit_after(text, match.end()) for match in _VAGUE.finditer(text)]


def asked_dimension(question: str) -> str | None:
    """What a quantity question measures, when it says: "how long" -> time, "what date"/哪天 ->
    date, "how many GPUs" -> gpu, 多少块 GPU -> gpu; None for "how much did reads grow", "when" and
    the like (any amount may answer). After "how many" the counted noun may come a few words later
    ("how many of the twelve co-founders"); anywhere else it comes next or not at all."""
    if _HOW_LONG.search(question):
        return "time"
    if _WHICH_DAY.search(question):
        return "date"
    match = _HOW_MANY.search(question)
    unit = unit_after(question, match.end(), next_word_only=not match.group("many")) if match else None
    return dimension(unit) if unit else None

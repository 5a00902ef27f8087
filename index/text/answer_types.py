"""The type of answer a question expects, and whether a passage states a value of that type.

English and Chinese. Types: an amount or count (`how many`, `how much`, 多少, 几), a date or time
(`when`, `what year`, 哪年, 什么时候), a duration (`how long`, 多久, 多长时间), a person or
organisation (`who`, 谁, 哪家公司), a place (`where`, 哪里, 在哪), or none of these (""). A question
that names no type ("What does X do?") gets "" and no passage gains or loses by it.

It reads by patterns, as index/verify/focus.py and index/text/quantities.py read the kind of quantity
a question or claim names (for sources that disagree), but for every type, and without an encoder: a
query pays a few regular expressions per candidate. Names are read by their shape (capitalised words
inside an English sentence, Latin names or name titles in Chinese), so the reader needs no word lists.
"""

from __future__ import annotations

import re
from typing import Literal

from .quantities import MONTH_NAMES

AnswerType = Literal["amount", "date", "duration", "person", "place", ""]
TYPES: tuple[AnswerType, ...] = ("amount", "date", "duration", "person", "place")

# Order matters: "how long" is a duration before "how" anything else; "what year" a date.
_ASKS: tuple[tuple[AnswerType, re.Pattern[str]], ...] = (
    ("duration", re.compile(
        r"\bhow long\b|\bhow many (?:seconds|minutes|hours|days|weeks|months|years)\b|\bhow much time\b|"
        r"\bfor how long\b|\bwhat(?:'s| is| was) the (?:duration|timeout|interval|delay|lifetime)\b|"
        r"多久|多长时间|多少时间|几个月|多少年|多少天|多少周|几天|几年|几周|几小时|多少小时|多少分钟|几分钟|多少秒|几秒|"
        r"持续多|时长", re.IGNORECASE)),
    ("date", re.compile(
        r"\bwhen (?:did|was|were|is|will|does|do|had|has|are|can|should)\b|\bwhat (?:year|date|day|month|time)\b|"
        r"\bwhich (?:year|date|day|month)\b|\bin what year\b|\bsince when\b|"
        r"什么时候|何时|哪年|哪一年|哪天|哪一天|几月|几号|几点|哪个月|什么时间|哪个时候|日期|年份", re.IGNORECASE)),
    ("amount", re.compile(
        r"\bhow (?:many|much|big|large|fast|far|often|high|tall|heavy|wide|small|quickly|old)\b|"
        r"\bwhat (?:is|was|are|were) the (?:number|size|count|amount|price|cost|percentage|share|rate|"
        r"speed|limit|maximum|minimum|default|value|total)\b|\bwhat (?:percentage|fraction|share|number)\b|"
        r"多少|几[个位名家种次条块台张篇款项万千百十倍]|多大|多快|多高|多远|多重|多少钱|百分之几|几成|比例",
        re.IGNORECASE)),
    ("person", re.compile(
        r"^\s*who\b|\bwho (?:is|was|are|were|did|does|do|has|had|will|leads?|led|wrote|made|said|created|founded|"
        r"built|runs?|gave|asked|started|proposed|maintains?)\b|\bwhose\b|\bwhom\b|"
        r"\bwhich (?:company|person|team|organi[sz]ation|group|speaker|author|firm)\b|"
        r"谁|哪位|哪个人|哪些人|哪家|哪个公司|哪个团队|哪个组织|什么人", re.IGNORECASE)),
    ("place", re.compile(
        r"^\s*where\b|\bwhere (?:is|was|are|were|did|does|do|can|will|should)\b|\bin which (?:city|country|place)\b|"
        r"\bwhich (?:city|country|place|region|state)\b|\bwhat (?:city|country|place)\b|"
        r"哪里|哪儿|在哪|什么地方|哪个城市|哪个国家|哪座", re.IGNORECASE)),
)


def asked_type(question: str) -> AnswerType:
    """The type of answer `question` expects, or "" when it names none."""
    for kind, pattern in _ASKS:
        if pattern.search(question):
            return kind
    return ""


_DIGIT = re.compile(r"\d")
_ZH_NUMERAL = re.compile(r"[零一二两三四五六七八九十百千万亿半]+\s*(?:个|位|名|家|种|次|条|块|台|张|篇|款|项|倍|成|"
                         r"年|月|天|周|小时|分钟|秒|人|元|美元|亿|万)")
_EN_NUMBER_WORD = re.compile(r"\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|"
                             r"forty|fifty|hundred|hundreds|thousand|thousands|million|millions|billion|billions|"
                             r"dozen|dozens|half|double|twice|triple|percent|single)\b", re.IGNORECASE)
_MONTH = re.compile(r"\b(?:" + "|".join(MONTH_NAMES) + r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\b\.?")
_DATE_WORDS = re.compile(
    r"\b(?:yesterday|today|tomorrow|tonight|ago|last (?:year|month|week)|next (?:year|month|week)|this (?:year|month|"
    r"week)|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|morning|evening|afternoon|noon|midnight|"
    r"since|until|century|decade|\d{1,2}(?::\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.))\b|"
    r"(?:19|20)\d{2}s?\b|"
    r"去年|今年|明年|前年|昨天|今天|明天|上周|下周|本周|上个月|下个月|星期[一二三四五六日天]|周[一二三四五六日]|"
    r"年底|年初|月底|月初|凌晨|早上|上午|下午|晚上|以前|之前|之后|以来|世纪|年代|[0-9零一二三四五六七八九十]+\s*[年月日号点]",
    re.IGNORECASE)
_DURATION_WORDS = re.compile(
    r"\b(?:an?|one|two|three|four|five|six|seven|eight|nine|ten|few|several|many|some|half an?|\d+(?:\.\d+)?)"
    r"[\s-]+(?:[a-z]+[\s-]+)?(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?|milliseconds?)\b|"
    r"\b\d+(?:\.\d+)?\s*(?:ms|s|sec|min|h|hrs?)\b|\b(?:forever|overnight|instantly|immediately)\b|"
    r"[0-9零一二两三四五六七八九十几数半]+\s*(?:个)?\s*(?:秒钟?|分钟|小时|天|周|星期|个月|年|毫秒)|半小时|半天|半年|一会儿|立即|马上",
    re.IGNORECASE)
# A capitalised word that does not start its sentence (a name), or Latin capitals inside Chinese text.
_EN_NAME = re.compile(r"(?<=[a-z,;:)]\s)(?:[A-Z][a-z]+|[A-Z]{2,})\b")
_ZH_NAME = re.compile(r"[A-Z][A-Za-z]+|[\u4e00-\u9fff]{1,3}(?:先生|女士|博士|教授|老师|团队|公司|基金会|大学|"
                      r"研究院|委员会|社区|组织)|(?:作者|创始人|负责人|发起人|维护者|联合创始人|CEO|总裁|主席|工程师)")
_PERSON_WORDS = re.compile(r"\b(?:he|she|his|her|him|they|team|company|foundation|founder|author|maintainers?|"
                           r"engineers?|developers?|CEO|professor|Dr|Mr|Ms|Mrs|I|we)\b")
_PLACE = re.compile(r"\b(?:in|at|from|to|near|into)\s+(?:the\s+)?[A-Z][a-z]+|\b(?:city|country|state|office|"
                    r"building|room|street|campus|located|headquarters|site|directory|folder|file|page|repository|"
                    r"repo|section|website|server)\b|"
                    r"[\u4e00-\u9fff]{1,4}(?:省|市|县|区|国|州|城|岛|街|路|楼|馆|中心|目录|文件|网站|页面|仓库)|在[\u4e00-\u9fff]{1,6}(?:里|中|上|内)",
                    re.IGNORECASE)


def _amount(text: str) -> bool:
    return bool(_DIGIT.search(text) or _ZH_NUMERAL.search(text) or _EN_NUMBER_WORD.search(text))


def _date(text: str) -> bool:
    return bool(_MONTH.search(text) or _DATE_WORDS.search(text))


def _duration(text: str) -> bool:
    return bool(_DURATION_WORDS.search(text))


def _person(text: str) -> bool:
    return bool(_EN_NAME.search(text) or _ZH_NAME.search(text) or _PERSON_WORDS.search(text))


def _place(text: str) -> bool:
    return bool(_PLACE.search(text))


_STATES = {"amount": _amount, "date": _date, "duration": _duration, "person": _person, "place": _place}


def states(text: str, kind: AnswerType) -> bool:
    """Does `text` state a value of the type `kind`? Always True for "" (nothing asked)."""
    return not kind or _STATES[kind](text)

"""Quantities in English and Chinese text: value (with scale), unit, period, and dates.

`50 million`, `50M`, `5000 万`, `60 亿`, `1.25 万亿`, `300,000`, `30 万块`, `100–200 GW`,
`99.8%`, `15 people`, `15 人`, `2-3 months`, `2 to 3 years`, `six months`, `Feb 10`,
`2 月 10 日` are all read into `Quantity(low, high, unit, period)` with 万 = 10⁴, 亿 = 10⁸.
Units and periods are normalised to English words (月 -> month, 人 -> person, 每天 -> day) so
that numbers from the two languages compare.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

SCALE_WORDS = {"thousand", "million", "billion", "trillion", "千", "万", "亿", "万亿", "百万", "千万"}
SCALE = {
    "thousand": 1e3, "k": 1e3, "million": 1e6, "m": 1e6, "mn": 1e6, "billion": 1e9, "b": 1e9, "bn": 1e9,
    "trillion": 1e12, "t": 1e12, "千": 1e3, "万": 1e4, "亿": 1e8, "万亿": 1e12, "百万": 1e6, "千万": 1e7,
}
_WORD_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "fifty": 50,
    "hundred": 100, "dozen": 12, "一": 1, "两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
    "八": 8, "九": 9, "十": 10,
}
# unit words (English, lower-case, singular) and Chinese measure words -> one canonical unit
_UNITS = {
    "month": "month", "months": "month", "个月": "month", "月": "month",
    "year": "year", "years": "year", "年": "year",
    "week": "week", "weeks": "week", "周": "week", "星期": "week",
    "day": "day", "days": "day", "天": "day", "日": "day",
    "hour": "hour", "hours": "hour", "小时": "hour",
    "minute": "minute", "minutes": "minute", "分钟": "minute",
    "second": "second", "seconds": "second", "秒": "second",
    "person": "person", "people": "person", "persons": "person", "engineer": "person", "engineers": "person",
    "employee": "person", "employees": "person", "人": "person", "位": "person", "名": "person",
    "passenger": "person", "passengers": "person", "survivor": "person", "survivors": "person",
    "victim": "person", "victims": "person", "individuals": "person", "lives": "person",
    "video": "video", "videos": "video", "个视频": "video",
    "image": "image", "images": "image", "张图片": "image", "张图": "image",
    "article": "article", "articles": "article", "篇": "article", "篇文章": "article",
    "gpu": "gpu", "gpus": "gpu", "h100": "gpu", "h100s": "gpu", "gb300": "gpu", "chip": "gpu", "chips": "gpu",
    "块": "gpu", "台": "gpu", "张": "gpu", "块芯片": "gpu",
    "tesla": "car", "teslas": "car", "car": "car", "cars": "car", "vehicle": "car", "vehicles": "car", "辆": "car",
    "mile": "mile", "miles": "mile", "英里": "mile",
    "gw": "gw", "gigawatt": "gw", "gigawatts": "gw", "千兆瓦": "gw", "tw": "tw", "terawatt": "tw", "太瓦": "tw",
    "%": "percent", "percent": "percent", "％": "percent",
    "x": "times", "times": "times", "fold": "times", "倍": "times",
    "$": "usd", "dollar": "usd", "dollars": "usd", "usd": "usd", "美元": "usd",
    "co-founder": "cofounder", "co-founders": "cofounder", "cofounders": "cofounder", "联合创始人": "cofounder",
    "team": "division", "teams": "division", "个团队": "division", "pillar": "division", "pillars": "division",
    "division": "division", "divisions": "division", "line": "division", "lines": "division",
    "大方向": "division", "个方向": "division", "方向": "division", "大应用方向": "division", "大核心团队": "division",
    "install": "install", "installs": "install", "installation": "install",
    "connection": "connection", "connections": "connection", "个连接": "connection",
    "hall": "hall", "halls": "hall", "个数据大厅": "hall",
    "user": "user", "users": "user", "用户": "user",
    # limits in documentation: sizes, pixels, rates of media, characters, choices, calls
    "kb": "kb", "mb": "mb", "gb": "gb", "tb": "tb", "kib": "kb", "mib": "mb", "gib": "gb", "megabytes": "mb",
    "gigabytes": "gb", "megapixel": "megapixel", "megapixels": "megapixel", "mp": "megapixel", "像素": "pixel",
    "万像素": "pixel", "pixels": "pixel", "fps": "fps", "kbps": "kbps", "mbps": "mbps",
    "character": "character", "characters": "character", "chars": "character", "字符": "character",
    "个字符": "character", "字": "character", "choice": "option", "choices": "option", "option": "option",
    "options": "option", "个选项": "option", "选项": "option", "request": "call", "requests": "call",
    "call": "call", "calls": "call", "次": "call",
}
_PERIODS = {
    "per day": "day", "a day": "day", "daily": "day", "every day": "day", "each day": "day", "每天": "day",
    "日均": "day", "每日": "day", "per month": "month", "a month": "month", "monthly": "month",
    "every month": "month", "each month": "month", "每月": "month", "每个月": "month", "in 30 days": "month",
    "past 30 days": "month", "30 天内": "month", "30天内": "month", "per 30 days": "month",
    "per year": "year", "a year": "year", "annually": "year", "every year": "year", "each year": "year",
    "每年": "year", "/yr": "year", "/ yr": "year", "per week": "week", "weekly": "week", "每周": "week",
}
MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
               "October", "November", "December")
MONTHS = {name[:3].lower(): number for number, name in enumerate(MONTH_NAMES, start=1)}  # "jan" -> 1

_NUM = r"\d+(?:,\d{3})*(?:\.\d+)?"
_WORD_NUM = "|".join(sorted((w for w in _WORD_NUMBERS if w.isascii()), key=len, reverse=True))
_QUANTITY = re.compile(
    rf"(?P<cur>\$)?\s*(?P<a>{_NUM}|\b(?:{_WORD_NUM})\b|(?<![下上这那每同第前后今明去])[一两二三四五六七八九十](?=\s*(?:个|位|名|周|年|天|倍|大)))"
    rf"(?:\s*(?P<scale_a>万亿|百万|千万|万|亿|千|(?:thousand|million|billion|trillion|bn|mn)\b|[kmbKMBT]\b))?"
    rf"(?:\s*(?:[-–—~～至到]|to|or)\s*(?P<b>{_NUM}|\b(?:{_WORD_NUM})\b))?"
    rf"(?:\s*(?P<scale_b>万亿|百万|千万|万|亿|千|(?:thousand|million|billion|trillion|bn|mn)\b|[kmbKMBT]\b))?"
    rf"\s*(?P<plus>\+)?",
    re.IGNORECASE,
)
_EN_DATE = re.compile(
    r"\b(?P<mon>jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+(?P<day>\d{1,2})\b", re.IGNORECASE
)
_ZH_DATE = re.compile(r"(?P<mon>\d{1,2})\s*月\s*(?P<day>\d{1,2})\s*日")
# points in time that are not durations: "2024 年 9 月", "2026年底", "in 2024", "12 月" (December, not
# "12 个月"), "10 日" (the 10th); read as dates so that they never meet a duration
_YEAR = re.compile(r"(?<![\d,.])(?P<year>(?:19|20)\d{2})(?![\d,.]*\d)"
                   r"(?:\s*年(?:\s*(?P<mon>\d{1,2})\s*月(?:\s*(?P<day>\d{1,2})\s*[日号])?)?)?"
                   r"(?!\s*(?:万|亿|千|%|[A-Za-z]))")
_ZH_MONTH_OR_DAY = re.compile(r"(?<![\d个.])(?P<n>\d{1,2})\s*(?P<what>月份?|日|号)(?!\s*[均内])")
_UNIT_AFTER = re.compile(
    r"\s*(?:more\s+|additional\s+|of\s+|new\s+)?(?P<unit>[%％$]|[A-Za-z][A-Za-z0-9_-]*|[\u4e00-\u9fff]{1,5})"
)


APPROXIMATION = 0.1  # "nearly", "over", "about": values this close (relative) are the same
_DIMENSION = {u: "time" for u in ("second", "minute", "hour", "day", "week", "month", "year")} | {
    "gw": "power", "tw": "power"} | {u: "size" for u in ("kb", "mb", "gb", "tb")} | {
    "megapixel": "pixel", "kbps": "bitrate", "mbps": "bitrate"}
_DIMENSION_FACTORS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400, "week": 604800,
                      "month": 2629800, "year": 31557600, "gw": 1, "tw": 1000,
                      "kb": 1, "mb": 1024, "gb": 1024 ** 2, "tb": 1024 ** 3, "megapixel": 1e6, "kbps": 1, "mbps": 1000}
_CALLS = re.compile(r"\s+(?:within|in|per|every)\b", re.IGNORECASE)  # "called 300 times within 5 minutes"


@dataclass(frozen=True)
class Quantity:
    low: float
    high: float
    unit: str | None  # canonical unit ("month", "gpu", "usd", "date", ...) or None
    period: str | None  # "day", "month", "year", "week" for rates, else None
    text: str  # the span it was read from
    noun: str | None = None  # what exactly is counted, when the text says more than the unit: "engineer", "h100"
    bound: str | None = None  # the wording: "over", "least", "under" (nearly), "below", "about", or None
    start: int = -1  # where the span starts in the text it was read from

    def base(self) -> tuple[float, float]:
        """Low and high in the dimension's base unit (seconds, gigawatts), else as they are."""
        factor = _DIMENSION_FACTORS.get(self.unit or "", 1.0)
        return self.low * factor, self.high * factor

    def same_value(self, other: Quantity) -> bool:
        """Equal values or overlapping ranges, within a relative tolerance for approximate wording
        ("over 2 million" ~ "2 million"); dates must be equal."""
        tolerance = 0.0 if self.unit == "date" else APPROXIMATION
        (a_lo, a_hi), (b_lo, b_hi) = self.base(), other.base()
        return a_lo <= b_hi * (1 + tolerance) and b_lo <= a_hi * (1 + tolerance) \
            and a_lo >= b_lo * (1 - tolerance) - (b_hi - b_lo) and b_lo >= a_lo * (1 - tolerance) - (a_hi - a_lo)

    def comparable(self, other: Quantity) -> bool:
        """Same unit, or units of one dimension (months and years; GW and TW)."""
        if self.unit is None or other.unit is None:
            return False
        return dimension(self.unit) == dimension(other.unit)

    @property
    def period_days(self) -> float | None:
        """A rate's period in days ("per month" and "in the past 30 days" are 30), else None."""
        if self.period is None:
            return None
        return PERIOD_DAYS.get(self.period) or float(self.period.split()[0])

    def interval(self) -> tuple[float, float]:
        """The values its wording allows, in base units, per day for a rate.

        A figure stands for anything that rounds to it (half a unit of its last significant digit:
        "6 million" is 5.5 to 6.5 million, "847" is 846.5 to 847.5); "about" widens it by
        APPROXIMATION both ways, "over" / "+" / 超过 upwards only, "nearly" / 近 downwards only;
        "at least" / 至少 sets only a floor, "under" / "less than" / 不到 only a ceiling. A range is
        its two ends.
        """
        low, high = self.base()
        low, high = low - _rounding(low), high + _rounding(high)
        value_low, value_high = self.base()
        if self.bound == "least":  # "at least 3" says nothing against 9
            low, high = value_low, math.inf
        elif self.bound == "below":  # "under six weeks" says nothing against "under 10 days"
            low, high = 0.0, value_high
        elif self.bound == "over":
            low, high = value_low, max(high, value_high * (1 + APPROXIMATION))
        elif self.bound == "under":
            low, high = min(low, value_low * (1 - APPROXIMATION)), value_high
        elif self.bound == "about":
            low, high = min(low, value_low * (1 - APPROXIMATION)), max(high, value_high * (1 + APPROXIMATION))
        days = self.period_days or 1.0
        return low / days, high / days

    def agrees(self, other: Quantity) -> bool:
        """The two statements allow a common value (rates compared per day)."""
        (a_lo, a_hi), (b_lo, b_hi) = self.interval(), other.interval()
        return a_lo <= b_hi and b_lo <= a_hi


def _rounding(value: float) -> float:
    """What rounding allows a stated figure: half a unit of its last significant digit, at most
    APPROXIMATION of it ("15" is 14.5 to 15.5; "100,000" is 90,000 to 110,000, not 50,000 to 150,000)."""
    if value <= 0:
        return 0.0
    step = 10.0 ** math.floor(math.log10(value))
    while step > 1e-6 and abs(round(value / step) * step - value) > 1e-9 * value:
        step /= 10
    return min(step / 2, value * APPROXIMATION)


def dimension(unit: str) -> str:
    """What a unit measures: months and years are both "time", GW and TW "power"."""
    return _DIMENSION.get(unit, unit)


def _number(text: str) -> float:
    text = text.lower()
    if text in _WORD_NUMBERS:
        return float(_WORD_NUMBERS[text])
    return float(text.replace(",", ""))


# "10-20 minute videos", "10分钟或20分钟视频", "10-20分钟长视频": the length of a thing, not a duration of an event
_LENGTH_OF = re.compile(r"(?:\s*(?:或|or)\s*\d+\s*(?:分钟|秒|小时|minutes?|seconds?|hours?))?\s*(?:long\s+|长|的)?"
                        r"(?P<noun>videos?|films?|clips?|movies?|视频|影片|短片)", re.IGNORECASE)
_RELATIVE_TIME = re.compile(r"\s*(?:ago\b|later\b|earlier\b|before\b|after\b|前|后|之前|之后|以前|以后)", re.IGNORECASE)
_FOR_SPAN = re.compile(r"\b(?:for|within|lasts?|up to)\s+$", re.IGNORECASE)  # "kept for 30 days after": how long
_EQUIVALENT = re.compile(r"\s*(?:[A-Za-z]+\s+)?(?:equivalents?\b|等效|当量)", re.IGNORECASE)
_PART_OF = re.compile(r"\s*(?:out\s+of|of)\s+(?:the\s+|these\s+|those\s+|all\s+)?\d[\d,.]*\+?(?=\s+[A-Za-z])")


def _unit(text: str, end: int) -> tuple[str | None, int]:
    """The canonical unit after position `end`: the next word, or one of the next three English
    words ("four application teams"); Chinese measure words follow the number directly. A part of
    a whole takes the whole's unit ("1502 out of 2224 passengers")."""
    part = _PART_OF.match(text, end)
    position = part.end() if part else end
    for _ in range(3):
        unit, unit_end, english = _unit_word(text, position)
        if unit is not None or not english:
            return unit, unit_end
        position = unit_end
    return None, end


def _unit_word(text: str, end: int) -> tuple[str | None, int, bool]:
    match = _UNIT_AFTER.match(text, end)
    if not match:
        return None, end, False
    unit, unit_end = _unit_match(text, match)
    return unit, unit_end, bool(re.match(r"[A-Za-z]", match.group("unit")))


def _unit_match(text: str, match: re.Match) -> tuple[str | None, int]:
    word = match.group("unit")
    lowered = word.lower()
    if lowered in _UNITS:
        return _UNITS[lowered], match.end()
    if re.match(r"[\u4e00-\u9fff]", word):  # longest known Chinese prefix: 个视频, 张图片, 块, 人 ...
        for size in range(len(word), 0, -1):
            if word[:size] in _UNITS:
                return _UNITS[word[:size]], match.start("unit") + size
        return None, match.end()
    singular = lowered[:-1] if lowered.endswith("s") else lowered
    return _UNITS.get(singular), match.end()


PERIOD_DAYS = {"day": 1.0, "week": 7.0, "month": 30.0, "year": 365.0}
_DAYS_WINDOW = re.compile(r"(?:\b(?:in|over|during)\s+(?:the\s+)?(?:past|last)?\s*(?P<en>\d+)\s+days\b|"
                          r"(?:过去|最近)\s*(?P<zh_past>\d+)\s*天|(?P<zh>\d+)\s*天(?:内|里|之内|中))", re.IGNORECASE)
_CLAUSE_END = re.compile(r"[,，;；。!?！？、|]|\.(?!\d)|$")
_CLAUSE_START = re.compile(r".*[,，;；。!?！？、|：:]", re.DOTALL)


def _period(text: str, start: int, end: int) -> str | None:
    """A rate's period, said just before the number or later in the same clause ("50 million videos
    daily, and 6 billion images in the past 30 days": daily is the videos', 30 days the images')."""
    clause_end = _CLAUSE_END.search(text, end).start()  # type: ignore[union-attr]
    before = text[max(0, start - 12): start]
    cut = _CLAUSE_START.match(before)
    window = (before[cut.end():] if cut else before) + text[start: min(clause_end, end + 80)]
    days = _DAYS_WINDOW.search(window)
    if days:
        n = int(days.group("en") or days.group("zh") or days.group("zh_past"))
        return next((name for name, d in PERIOD_DAYS.items() if d == n), f"{n} days")
    lowered = window.lower()
    for phrase, period in _PERIODS.items():
        if phrase in lowered:
            return period
    return None


def _rate_windows(text: str) -> list[tuple[int, int]]:
    """Spans of "in the past 30 days" / "30 天内": the period of a rate, not a duration of its own."""
    return [m.span() for m in _DAYS_WINDOW.finditer(text)]


_OVER = re.compile(r"(?:\b(?:over|more than|above|exceed(?:ed|s)?|surpass(?:ed|es)?|crossed|beyond)|"
                   r"超过|超|逾|突破|多于|高于)\s*(?:the\s+)?$", re.IGNORECASE)
_AT_LEAST = re.compile(r"(?:\bat least|\bno (?:fewer|less) than|至少|不少于|最少)\s*(?:有\s*)?$", re.IGNORECASE)
_UNDER = re.compile(r"(?:\b(?:nearly|almost|close to)|近|将近|接近|差不多)\s*$", re.IGNORECASE)
_BELOW = re.compile(r"(?:\b(?:under|less than|fewer than|up to|below|at most|no more than)|"
                    r"不到|不足|少于|低于|最多)\s*$", re.IGNORECASE)
_ABOUT = re.compile(r"(?:\b(?:about|around|roughly|approximately|approx\.|some|an estimated|estimated)|[~～]|"
                    r"(?:约|大约|大概|估计)有?|有约)\s*$", re.IGNORECASE)


def _bound(text: str, start: int, end: int, plus: bool) -> str | None:
    """How the wording qualifies a number: "over 2 million", "300,000+", "nearly 6 million", "约 560 万"."""
    before = text[max(0, start - 14): start]
    after = text[end: end + 4]
    if _AT_LEAST.search(before):
        return "least"
    if plus or _OVER.search(before) or re.match(r"\s*(?:多|以上)", after):
        return "over"
    if _BELOW.search(before) or re.match(r"\s*(?:以下|以内)", after):
        return "below"
    if _UNDER.search(before):
        return "under"
    if _ABOUT.search(before) or re.match(r"\s*左右", after):
        return "about"
    return None


# Words that name what is counted more narrowly than its unit ("9 engineers" are persons, but not any
# persons), and Chinese measure words, after which the text names what is counted ("12 位联合创始人").
_SPECIFIC_UNIT_WORDS = {"engineer", "engineers", "employee", "employees", "h100", "h100s", "gb300", "tesla", "teslas",
                        "passenger", "passengers", "survivor", "survivors", "victim", "victims", "lives"}
_MEASURE_WORDS = {"块", "台", "张", "位", "名", "辆", "篇", "个", "家", "款"}
_GENERIC_NOUNS = {"gpu", "gpus", "芯片", "人", "员工", "个"}
_NOUN_AFTER = re.compile(r"\s*(?P<noun>[A-Za-z][A-Za-z0-9-]*|[\u4e00-\u9fff]{1,6})")


def _noun(text: str, unit_word: str, unit_end: int) -> str | None:
    word = unit_word.lower()
    if word in _SPECIFIC_UNIT_WORDS:
        return word[:-1] if word.endswith("s") and word != "h100s" else word.removesuffix("s")
    if unit_word in _MEASURE_WORDS:
        match = _NOUN_AFTER.match(text, unit_end)
        if match and match.group("noun").lower() not in _GENERIC_NOUNS:
            return match.group("noun").lower()
    return None


def extract(text: str) -> list[Quantity]:
    """Every quantity and date in `text`, in order."""
    out: list[Quantity] = []
    taken: list[tuple[int, int]] = []
    for pattern in (_EN_DATE, _ZH_DATE):
        for m in pattern.finditer(text):
            mon = m.group("mon").lower()
            month = MONTHS.get(mon[:3]) if mon.isalpha() else int(mon)
            if month:
                value = month * 100 + int(m.group("day"))
                out.append(Quantity(value, value, "date", None, m.group(0), start=m.start()))
                taken.append(m.span())
    for m in _YEAR.finditer(text):
        if not any(a <= m.start() < b for a, b in taken):
            value = int(m.group("year")) * 10000 + int(m.group("mon") or 0) * 100 + int(m.group("day") or 0)
            out.append(Quantity(value, value, "date", None, m.group(0), start=m.start()))
            taken.append(m.span())
    for m in _ZH_MONTH_OR_DAY.finditer(text):
        if not any(a <= m.start() < b for a, b in taken):
            value = int(m.group("n")) * (100 if m.group("what").startswith("月") else 1)
            out.append(Quantity(value, value, "date", None, m.group(0), start=m.start()))
            taken.append(m.span())
    taken += _rate_windows(text)
    for m in _QUANTITY.finditer(text):
        if any(a <= m.start("a") < b for a, b in taken) or not m.group("a"):
            continue
        if re.match(r"[A-Za-z0-9.]", text[m.start("a") - 1: m.start("a")] or " ") and m.group("a")[0].isdigit():
            continue  # part of a word or version: "H100", "GB300", "Grok 4.2" stays a name
        if re.match(r"\s*[x×]\s*\d", text[m.end("a"):]):
            continue  # "1280x1280": a resolution, not a count
        before = text[max(0, m.start("a") - 6): m.start("a")].lower()
        if re.search(r"(grok|gpt|version|v)\s*$", before):
            continue
        scale = SCALE.get((m.group("scale_b") or m.group("scale_a") or "").lower(), 1.0)
        scale_a = SCALE.get((m.group("scale_a") or "").lower(), scale)
        low = _number(m.group("a")) * scale_a
        high = _number(m.group("b")) * scale if m.group("b") else low
        unit, unit_end = _unit(text, m.end())
        if m.group("cur") or (unit is None and "美元" in text[m.end(): m.end() + 6]):
            unit = "usd"
        if unit is None and not m.group("b") and scale == 1.0 and m.group("a").isalpha():
            continue  # a bare number word ("one of the ...") says nothing measurable
        if unit == "times" and _CALLS.match(text, unit_end):
            unit = "call"  # a count of calls in a window, not a ratio
        if unit and dimension(unit) == "time" and _RELATIVE_TIME.match(text, unit_end) \
                and not _FOR_SPAN.search(text[: m.start("a")]):
            unit = "date"  # "six months ago", "6 个月后": a point in time, not a duration
        elif unit and _EQUIVALENT.match(text, unit_end):
            unit += "-equivalent"  # "1 million H100 GPU equivalents" measure compute, not chips
        span = text[m.start(): unit_end]
        unit_word = re.sub(r"^[\d\s,.+\-–—~～至到]*", "", text[m.end(): unit_end]).split()
        noun = _noun(text, unit_word[-1], unit_end) if unit_word and unit else None
        length_of = _LENGTH_OF.match(text, unit_end) if unit and dimension(unit) == "time" else None
        if length_of and not text[:unit_end].endswith("s"):  # "10-20 minute videos", not "5 seconds, videos"
            noun = length_of.group("noun").lower()
        out.append(Quantity(min(low, high), max(low, high), unit, _period(text, m.start(), unit_end),
                            span.strip(), noun, _bound(text, m.start(), m.end(), bool(m.group("plus"))),
                            m.start() + len(span) - len(span.lstrip())))
    return out


_NEGATION_EN = re.compile(r"\b(not|no|never|without|neither|nor|cannot|can't|won't|isn't|aren't|wasn't|weren't|"
                          r"doesn't|don't|didn't|hasn't|haven't|hardly)\b", re.IGNORECASE)
_NEGATION_ZH = re.compile(r"没有|没|不|未|从不|绝不|别")
NEGATION_SCOPE_WORDS = 6  # an English negation covers this many words after it
NEGATION_SCOPE_CHARS = 10  # a Chinese one this many characters
_FUTURE_EN = re.compile(r"\b(will|plans?|planned|planning|expects?|expected|going to|soon|upcoming|aims?|"
                        r"toward|towards|next|later|promis\w*)\b", re.IGNORECASE)
_FUTURE_ZH = re.compile(r"将|即将|预计|计划|打算|准备|未来|会")
_DONE_EN = re.compile(r"\b(already|now|has|have|had|is|are|was|were|did|crossed|reached|launched)\b", re.IGNORECASE)


PERIOD_WORDS = {"daily", "weekly", "monthly", "annually", "yearly", "per", "every", "each", "每天", "每月", "每年",
                "每周", "日均", "每个月"}


def quantity_words(text: str) -> str:
    """The words of `text` that state its quantities (numbers, scales, units, periods)."""
    spans = [q.text for q in extract(text)]
    periods = [w for w in PERIOD_WORDS if w in text.lower()]
    return " ".join(spans + periods)


def negated(text: str) -> bool:
    return bool(_NEGATION_EN.search(text) or _NEGATION_ZH.search(text))


def negated_scopes(text: str) -> list[str]:
    """The stretches of text each negation covers ("no audio background in the team")."""
    scopes = [" ".join(text[m.end():].split()[:NEGATION_SCOPE_WORDS]) for m in _NEGATION_EN.finditer(text)]
    scopes += [text[m.end(): m.end() + NEGATION_SCOPE_CHARS] for m in _NEGATION_ZH.finditer(text)]
    return scopes


def future(text: str) -> bool:
    return bool(_FUTURE_EN.search(text) or _FUTURE_ZH.search(text))


def asserts_done(text: str) -> bool:
    """Claims something is already so ("already available", "has launched")."""
    return bool(re.search(r"\balready\b|已经|已", text, re.IGNORECASE))


# What a question asks for, by the units it names: "How many GPUs ...", "多少辆特斯拉", "how long ...".
_ASKED_NOUNS = {
    "图片": "image", "视频": "video", "文章": "article", "特斯拉": "car", "汽车": "car", "工程师": "person",
    "员工": "person", "用户": "user", "revenue": "usd", "arr": "usd", "收入": "usd", "营收": "usd", "money": "usd",
    "cost": "usd", "spend": "usd", "spent": "usd", "worth": "usd", "valuation": "usd", "钱": "usd", "估值": "usd",
}
_ASKED_MEASURE = re.compile(r"(?:多少|几)\s*(?P<word>[\u4e00-\u9fff]{1,5}|[A-Za-z]+)")
_ASKS_DURATION = re.compile(r"\bhow long\b|\bhow many (?:seconds|minutes|hours|days|weeks|months|years)\b|"
                            r"多久|多长时间|多少时间|几个月|多少年|多少天|多少周", re.IGNORECASE)


_ASKS_SIZE = re.compile(r"\b[Ss]izes?\b|\b[KMGT]i?B\b|\b[Hh]ow (?:big|large) (?:can|may|is|are|could)\b.{0,30}"
                        r"\b(?:files?|uploads?|attachments?|videos?|images?|audio|media)\b|大小|多大的?(?:文件|视频|图片|图像|音频)|"
                        r"(?:文件|视频|图片|图像|音频)(?:最大)?(?:可以|能)?(?:有|是)?多大")


def units_named(text: str) -> set[str]:
    """The canonical units a question or claim names ("How many Teslas ..." -> {"car"}; "多少块 GPU" ->
    {"gpu"}; "how long ..." -> {"time"}, i.e. any duration). Empty when it names none."""
    found: set[str] = set()
    for phrase in sorted(_PERIODS, key=len, reverse=True):  # "per day" names a rate's period, not a duration
        text = re.sub(re.escape(phrase), " ", text, flags=re.IGNORECASE)
    for word in re.findall(r"[A-Za-z][\w-]*|[%$％]", text):
        lowered = word.lower()
        singular = lowered[:-1] if lowered.endswith("s") else lowered
        unit = _UNITS.get(lowered) or _UNITS.get(singular) or _ASKED_NOUNS.get(lowered)
        if unit and not (len(word) == 1 and word.isalpha()):  # not "x" (times) or "X" the app
            found.add(unit)
    for word, unit in {**_UNITS, **_ASKED_NOUNS}.items():
        if len(word) >= 2 and re.match(r"[\u4e00-\u9fff]", word) and word in text:
            found.add(unit)
    found = {u for u in found if dimension(u) != "time"}  # "that week" does not ask how long; see below
    for m in _ASKED_MEASURE.finditer(text):  # 多少人, 几位, 多少块
        unit, _ = _unit_match(m.string, _UNIT_AFTER.match(m.string, m.start("word")))  # type: ignore[arg-type]
        if unit:
            found.add(unit)
    if _ASKS_DURATION.search(text):
        found.add("time")
    if _ASKS_SIZE.search(text):  # "How large can a video be?" asks for megabytes, not videos
        return {"size"}
    return {dimension(u) for u in found if u != "date"}

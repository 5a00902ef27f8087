"""Answer types (a name, an amount) and words the corpus never uses, on the real index."""

from __future__ import annotations

import pytest

from index.answer_types import AnswerType, AnswerTypeMatcher, asked_dimension, expected
from index.engine import Engine


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Who leads MacroHard?", AnswerType.NAME),
        ("编码团队的负责人是谁？", AnswerType.NAME),
        ("How many data halls are there in Memphis?", AnswerType.QUANTITY),
        ("When does Musk think AI will generate binaries directly?", AnswerType.QUANTITY),
        ("xAI 每个月烧多少钱？", AnswerType.QUANTITY),
        ("What is the new building in Memphis called?", AnswerType.NAME),
        ("Memphis 要新建的两栋楼叫什么名字？", AnswerType.NAME),
        ("xAI 全员大会是哪天举行的？", AnswerType.QUANTITY),
        ("What is MacroHard?", None),
        ("Why is the project named Macrohard?", None),  # asks for a reason, not a name
        ("马斯克几乎说了什么？", None),  # 几乎 "almost" is not 几 "how many"
        ("What went wrong when Grok 3 training was scaled?", None),  # "when" as a conjunction
        ("So when will X Money launch?", AnswerType.QUANTITY),
        ("Which company launched a voice mode in September 2024?", AnswerType.NAME),
        ("Jimmy Ba 离职后加入了哪家公司？", AnswerType.NAME),
    ],
)
def test_the_kind_of_answer_a_question_asks_for(question: str, kind: AnswerType | None) -> None:
    assert expected(question) is kind


@pytest.mark.parametrize(
    ("question", "dimension"),
    [
        ("How many of the twelve co-founders have left?", "cofounder"),
        ("How long is Grok Code run continuously?", "time"),
        ("Memphis 数据中心现在有多少块 GPU？", "gpu"),
        ("预训练团队一共有多少人？", "person"),
        ("How much money does xAI burn every month?", None),
        ("How much did article reads grow on X?", None),  # not "how many articles"
        ("xAI 全员大会是哪天举行的？", "date"),
        ("On what date did SpaceX complete the acquisition?", "date"),
    ],
)
def test_the_unit_a_quantity_question_asks_for(question: str, dimension: str | None) -> None:
    assert asked_dimension(question) == dimension


@pytest.mark.parametrize(
    ("question", "sentence", "offers"),
    [
        ("How big are the teams at xAI?", "Teams are tiny (often just 5-15 people).", True),
        ("How long is Grok Code run continuously?", "xAI runs Grok Code for several hours.", True),
        ("How long is Grok Code run continuously?", "Grok Code will lead within two to three months.", True),
        ("How long is Grok Code run continuously?", "The team was about 15 people.", False),  # not a duration
        ("How many of the twelve co-founders have left?", "Half of the 12 co-founders have left.", False),
        ("How many of the twelve co-founders have left?", "6 co-founders have left.", True),
        ("How many GPUs are in Memphis?", "The first clip ends at 11:50.", False),  # a time in the recording
        ("Who leads MacroHard?", "The lead is Toby, core members include John M.", True),
        ("Who leads MacroHard?", "MacroHard is the most important project.", False),
        ("Which company did Roland Gavrilescu found?", "He left in November to found Nuraline.", True),
        ("What is MacroHard?", "The lead is Toby.", False),
        ("Memphis 要新建的两栋楼叫什么名字？", "其中一栋叫 Colossus。", True),
        ("xAI 全员大会是哪天举行的？", "2 月 11 日晚间，马斯克召集全员大会", True),
        ("xAI 全员大会是哪天举行的？", "这场 46 分钟的会议覆盖了几乎所有核心业务", False),  # not a date
    ],
)
def test_a_sentence_offers_the_answer_asked_for(engine: Engine, question: str, sentence: str, offers: bool) -> None:
    assert AnswerTypeMatcher(question, engine.lexicon).offers(sentence) is offers


def test_a_question_mostly_in_words_no_document_uses_is_not_called_answered(engine: Engine) -> None:
    lexicon = engine.lexicon
    assert lexicon.absent_share(lexicon.terms("What salary does xAI pay its engineers?")) > 0
    assert lexicon.absent_share(lexicon.terms("How many GPUs are in Memphis?")) == 0
    assert lexicon.absent_share(lexicon.terms("twelve co-founders")) == 0  # number words read as digits
    for question in ("Who designed the xAI logo?", "What salary does xAI pay its engineers?"):
        assert engine.ask(question).confidence != "answer", question

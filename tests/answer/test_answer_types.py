"""The answer-type reader (index/text/answer_types.py): what a question asks for, in English and
Chinese, and whether a passage states a value of that type."""

from __future__ import annotations

import pytest

from index.text.answer_types import asked_type, states


@pytest.mark.parametrize(("question", "kind"), [
    ("How much did the Harbour Bridge cost?", "amount"),
    ("How many tracks does the album have?", "amount"),
    ("What is the default MTU?", "amount"),
    ("这座桥花了多少钱？", "amount"),
    ("团队有几位工程师？", "amount"),
    ("When did the library open?", "date"),
    ("What year was the protocol published?", "date"),
    ("KCP 是哪年发布的？", "date"),
    ("发布会是什么时候？", "date"),
    ("How long does a review take?", "duration"),
    ("回复代码审查要多久？", "duration"),
    ("训练持续了多长时间？", "duration"),
    ("Who maintains the PHP port?", "person"),
    ("Which company built the cluster?", "person"),
    ("谁负责强化学习训练？", "person"),
    ("Where is the data center?", "place"),
    ("数据中心在哪里？", "place"),
    ("What does the name Jieba mean?", ""),
    ("When sticking to the rules is impractical, what wins?", ""),  # "when" as a conjunction
    ("怎样添加自定义词典？", ""),
])
def test_the_type_a_question_asks_for(question: str, kind: str) -> None:
    assert asked_type(question) == kind


@pytest.mark.parametrize(("text", "kind", "expected"), [
    ("The final bill came to 40 million euros.", "amount", True),
    ("It carried twelve satellites.", "amount", True),
    ("最终花费 4000 万欧元。", "amount", True),
    ("团队只有三个人。", "amount", True),
    ("The album was well received.", "amount", False),
    ("这张专辑很受欢迎。", "amount", False),
    ("The library opened in March 2019.", "date", True),
    ("图书馆于 2019 年 3 月开放。", "date", True),
    ("它去年开放。", "date", True),
    ("The library is popular with students.", "date", False),
    ("A review should take no more than one business day.", "duration", True),
    ("训练持续了三个月。", "duration", True),
    ("Reviews are done carefully.", "duration", False),
    ("审查要认真完成。", "duration", False),
    ("The port is maintained by Fukuball on GitHub.", "person", True),
    ("负责人是 Leon Min。", "person", True),
    ("the port works well.", "person", False),
    ("The cluster is located in Memphis.", "place", True),
    ("数据中心位于孟菲斯市。", "place", True),
    ("It is fast.", "place", False),
    ("Anything at all.", "", True),  # nothing asked: nothing missing
])
def test_whether_a_passage_states_the_type(text: str, kind: str, expected: bool) -> None:
    assert states(text, kind) is expected  # type: ignore[arg-type]

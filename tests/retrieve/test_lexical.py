"""Lexical matching: tokens, the English<->Chinese bridge and coverage, on small made-up data."""

from __future__ import annotations

import subprocess
import sys

import numpy as np

from index.retrieve.lexical import (
    PREVIOUS_CREDIT,
    Lexicon,
    build_bridge,
    commonness_map,
    tokenize,
)


def test_british_and_american_spellings_meet() -> None:
    assert tokenize("The Jax team optimises the fibre") == tokenize("The Jax team optimizes the fiber")
    assert tokenize("analyse") == tokenize("analyze")


def test_chinese_question_words_are_not_searched_for() -> None:
    assert tokenize("xAI 全员大会是哪天举行的？") == ["xai", "全员", "大会", "举行"]


def test_full_width_commas_do_not_join_words() -> None:
    # NFKC turns "，" into ",": only digits may be joined by a comma.
    assert tokenize("Greg Yang，xAI 的 100,000 块 GPU") == ["greg", "yang", "xai", "100000", "块", "gpu"]


def test_months_meet_across_languages() -> None:
    assert tokenize("December")[0] == tokenize("12 月收入")[0] == tokenize("12月")[0] == "12月"
    assert tokenize("Feb 10") == tokenize("2 月 10") == ["2月", "10"]
    assert tokenize("we may ship in May") == ["ship"]  # "may" stays a verb


def test_co_founder_is_founder_not_co_worker() -> None:
    assert tokenize("co-founders") == tokenize("founders") == ["founder"]


def test_the_bridge_reads_past_the_first_glosses() -> None:
    # CC-CEDICT gives 更新 "to replace the old with new; to renew; to renovate; to upgrade; to update".
    zh_en, en_zh = build_bridge({"更新", "updat"})
    assert "更新" in en_zh["updat"] and "updat" in zh_en["更新"]


def test_words_of_the_sentence_before_count_for_part() -> None:
    lexicon = Lexicon.build([["imagin", "video", "line"], ["lead", "guodong"], ["lead", "toby"]])
    terms = lexicon.terms("who leads imagine")
    ids = np.array([1, 2])
    alone = lexicon.coverage(terms, ids)
    in_place = lexicon.coverage(terms, ids, previous=np.array([0, -1]))
    assert in_place[1] == alone[1] < in_place[0] < 1.0
    lead, imagine = (t.weight for t in terms)
    assert np.isclose(in_place[0], (lead + PREVIOUS_CREDIT * imagine) / (lead + imagine))


def test_everyday_words_weigh_less_than_their_corpus_idf() -> None:
    # In a small corpus "kind" is as rare as "storage"; in everyday English it is far more common.
    lexicon = Lexicon.build([["kind"], ["storag"], ["memphi"], ["other"]])
    kind, storage, memphis = lexicon.terms("what kind of storage in Memphis")
    assert kind.weight < storage.weight < memphis.weight
    assert memphis.weight == lexicon.idf("memphi")  # a word rare in everyday English keeps its idf
    plain = lexicon.terms("what kind of storage in Memphis", discount_common=False)
    assert [t.weight for t in plain] == [lexicon.idf(t.word) for t in plain]


def test_commonness_covers_both_languages_but_not_numbers() -> None:
    common = commonness_map()
    assert common["take"] > common["storag"] > 0 and "memphi" not in common
    assert common["人"] > common["阶段"] > 0
    assert not any(token[0].isdigit() for token in common)


def test_jiebas_dictionary_loads_only_when_chinese_text_is_cut() -> None:
    """A one-shot English question does not pay for jieba's dictionary (issue 32): importing the engine
    and the command line, and tokenising English, leave rjieba unimported; Chinese text imports it."""
    code = ("import sys; import bot.terminal.cli; from index.retrieve.lexical import tokenize\n"
            "english = tokenize('How many GPUs are in Memphis?'); before = 'rjieba' in sys.modules\n"
            "chinese = tokenize('数据中心目前部署 30 万块 GPU')\n"
            "print(before, 'rjieba' in sys.modules, english, chinese)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split(" ", 2)
    assert out[:2] == ["False", "True"], out
    assert out[2].strip() == "['gpu', 'memphi'] ['数据', '中心', '数据中心', '部署', '30', '万块', 'gpu']"

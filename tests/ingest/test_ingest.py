"""Parsing: sentence boundaries, structure, timestamps, what may and may not be quoted."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from index.ingest.documents import SkipFile, load_documents, parse, read_text
from index.text.sentences import split_spans
from index.text.timestamps import format_hms, to_seconds


def sentences_of(text: str, markdown: bool = False) -> list[str]:
    return [text[s.start : s.end] for s in parse(text, 0, markdown)]


def split(block: str) -> list[str]:
    return [block[a:b] for a, b in split_spans(block)]


@pytest.mark.parametrize(
    "block",
    [
        "The Sun accounts for 99.8% of the solar system's mass.",
        "Everyone will be impressed with the upcoming Grok 4.2 model.",
        "X has officially crossed $1 Billion in Annual Recurring Revenue.",
        "Mr. Musk and Dr. Smith met in the U.S. last week.",
        "John M. Smith spoke first.",
    ],
)
def test_protected_forms_do_not_end_a_sentence(block: str) -> None:
    assert split(block) == [block]


def test_trailing_marker_stays_with_its_sentence() -> None:
    block = "50 Million videos generated daily [00:13:48]. The roadmap includes more."
    assert split(block) == ["50 Million videos generated daily [00:13:48].", "The roadmap includes more."]


def test_marker_after_full_stop_belongs_to_previous_sentence() -> None:
    assert split("It shipped. [00:12:00] Then it grew.") == ["It shipped. [00:12:00]", "Then it grew."]


def test_attribution_stays_with_the_quote() -> None:
    block = "“And XAI is moving faster. No one's even close.” — Elon Musk [03:38]"
    assert split(block)[-1] == "No one's even close.” — Elon Musk [03:38]"


def test_chinese_sentences_split_on_full_width_terminators() -> None:
    assert split("第一句话。第二句话！“第三句？”第四句") == ["第一句话。", "第二句话！", "“第三句？”", "第四句"]


def test_list_enumerator_is_not_a_sentence_end() -> None:
    assert split("1. Digital intelligence.") == ["1. Digital intelligence."]


MARKUP = {
    "headings, table of contents, images, link-only lines": (
        "# Title of the notes\n\n## 目录\n\n1. [核心观点](#核心观点)\n2. [成就回顾](#成就回顾)\n\n"
        "Image\n\nImageImage\n\n![diagram](img.png)\n\nhttps://example.com/reference\n\n- [[00-元语/x]]\n\n"
        "## Section heading\n\nA real sentence that can be quoted.\n\n---\n",
        ["A real sentence that can be quoted."],
    ),
    "numbered link lines": (
        "## 文章\n\n4、[深入理解 React 的渲染机制](https://example.com/react)（英文）\n\n"
        "5、[GitHub 上的开源项目](https://github.com/foo/bar_(baz))\n\n- [Docs](https://example.com/docs)\n\n"
        "[This paper](https://example.com/p) shows a threefold gain.\n",
        ["[This paper](https://example.com/p) shows a threefold gain."],
    ),
    "MDX components, imports and heading anchors": (
        "# Introduction[[introduction]]\n\n<CourseFloatingBanner\n    chapter={1}\n    classNames=\"a b\"\n/>\n\n"
        "import Tip from \"./Tip.svelte\";\n\n## Welcome![[welcome]]\n\n<Youtube id=\"00GKzGyWFEs\" />\n\n"
        "{#if fw === 'pt'}\n\n{:else}\n\n{/if}\n\n"
        "This course teaches language models.\n\n<Tip>\n\nA tip with **bold** text.\n\n</Tip>\n\n"
        "<b>Bold HTML</b> starts this sentence.\n",
        ["This course teaches language models.", "A tip with **bold** text.", "<b>Bold HTML</b> starts this sentence."],
    ),
}


@pytest.mark.parametrize("markdown", [False, True], ids=["plain text", "markdown"])
@pytest.mark.parametrize("kind", list(MARKUP))
def test_markup_is_never_quoted(kind: str, markdown: bool) -> None:
    text, expected = MARKUP[kind]
    assert sentences_of(text, markdown) == expected


@pytest.mark.parametrize("markdown", [False, True], ids=["plain text", "markdown"])
def test_mdx_heading_anchors_are_left_out_of_sections(markdown: bool) -> None:
    text = MARKUP["MDX components, imports and heading anchors"][0]
    assert {s.section for s in parse(text, 0, markdown)} == {"Welcome!"}


def test_markdown_structure_comes_from_a_commonmark_parser() -> None:
    """Wrapped paragraphs are whole, list items and code lines are never titles, a list's
    opening line and a 'key：value' line are quoted (real README shapes: jieba, ChatGLM-6B)."""
    text = (
        "jieba\n========\n\n特点\n========\n* 支持四种分词模式：\n    * 精确模式，适合文本分析；\n"
        "* 支持繁体分词\n\n#### 基本思想:\n\n"
        "1. 将文本进行分词\n2. 以固定窗口大小(默认为5，通过span属性调整)，构建图\n\n"
        "The new generation of API\n  platform has been launched. You can directly experience\n  new models.\n\n"
        "Generate dialogue with the following code\n\n```python\n>>> import this\n```\n\n解决方法：强制调高词频\n"
    )
    parsed = parse(text, 0, markdown=True)
    assert [text[s.start : s.end] for s in parsed] == [
        "支持四种分词模式：", "精确模式，适合文本分析；", "支持繁体分词", "将文本进行分词",
        "以固定窗口大小(默认为5，通过span属性调整)，构建图", "The new generation of API\n  platform has been launched.",
        "You can directly experience\n  new models.", "Generate dialogue with the following code", ">>> import this",
        "解决方法：强制调高词频",
    ]
    assert {s.section for s in parsed} == {"特点", "特点 › 基本思想:"}


def test_markdown_spans_are_the_content_not_the_markers() -> None:
    text = "## Counts ##\n\n1. 1 step\n2. 2\n"
    parsed = parse(text, 0, markdown=True)
    assert [(s.start, s.end) for s in parsed] == [(text.index("1 step"), text.index("1 step") + 6),
                                                  (len(text) - 2, len(text) - 1)]
    assert {s.section for s in parsed} == {"Counts"}


def test_plain_text_reads_wrapped_lines_and_directives() -> None:
    """reStructuredText-like .txt (PEP 20): a wrapped paragraph is one span, not a heading and
    a stray line; directives are markup; a '>>>' prompt is text, not a title."""
    text = (
        "The Zen of Python\n\nEaster Egg\n==========\n\n.. code-block:: pycon\n\n  >>> import this\n\n\n"
        "References\n==========\n\n"
        "Originally posted to comp.lang.python under a\nthread called The Way of Python\n"
    )
    parsed = parse(text, 0)
    assert [(s.section, text[s.start : s.end]) for s in parsed] == [
        ("Easter Egg", "import this"),
        ("References", "Originally posted to comp.lang.python under a\nthread called The Way of Python"),
    ]


def test_plain_text_numbered_list_is_not_a_run_of_headings() -> None:
    text = "## Idea\n\n1. Split the text into words\n2. Build a graph of words within a window of 5\n"
    assert sentences_of(text) == ["Split the text into words", "Build a graph of words within a window of 5"]


def test_markdown_table_rows_are_quoted_without_outer_pipes_and_header_skipped() -> None:
    text = "## Data\n\n| 项目 | 数据 |\n|------|------|\n| **GPU数量** | 300,000台 |\n"
    assert sentences_of(text) == ["**GPU数量** | 300,000台"]


def test_bullets_and_block_quotes_drop_their_markers() -> None:
    text = "## S\n\n- First point here.\n> **马斯克**：“引用的话。”\n    • Indented bullet item.\n"
    assert sentences_of(text) == ["First point here.", "**马斯克**：“引用的话。”", "Indented bullet item."]


def test_heading_range_applies_to_section_until_next_heading() -> None:
    text = (
        "Podcast notes\nEpisode Overview\nAn overview paragraph.\n"
        "1. First Topic\n[01:06-05:09] — Speaker B (Elon Musk):\n- A point without a marker.\n"
        "- A point with its own marker [03:38].\n2. Second Topic\n- No range here.\n"
    )
    stamps = {text[s.start : s.end]: format_hms(s.timestamp) for s in parse(text, 0)}
    assert stamps == {
        "An overview paragraph.": None,
        "A point without a marker.": "00:01:06",
        "A point with its own marker [03:38].": "00:03:38",
        "No range here.": None,
    }


def test_paragraph_final_marker_applies_to_the_whole_quote() -> None:
    text = "## Q\n\n“First sentence. Second sentence.” — Speaker [09:03]\n"
    assert [format_hms(s.timestamp) for s in parse(text, 0)] == ["00:09:03", "00:09:03"]


def test_sections_follow_the_heading_path() -> None:
    text = "# Doc title\n\n## Part one\n\n### Detail\n\nBody text here.\n\n## Part two\n\nMore body text.\n"
    assert [s.section for s in parse(text, 0)] == ["Part one › Detail", "Part two"]


def test_numbered_titles_quoting_a_phrase_are_headings_but_quoted_speech_is_not() -> None:
    text = (
        "Doc title\n\n"
        "2. Optimus and the “Infinite Money Glitch”\n\nHe refers to it as a glitch.\n\n"
        "5. “Pico-Management” and the Art of the Pivot\n\nHe drills down into problems.\n\n"
        "“We will be open sourcing the code for this in the next few months.”\n"
    )
    parsed = parse(text, 0)
    assert [text[s.start : s.end] for s in parsed] == [
        "He refers to it as a glitch.",
        "He drills down into problems.",
        "“We will be open sourcing the code for this in the next few months.”",
    ]
    assert [s.section for s in parsed] == [
        "Optimus and the “Infinite Money Glitch”",
        "“Pico-Management” and the Art of the Pivot",
        "“Pico-Management” and the Art of the Pivot",
    ]


def test_time_forms_normalise_to_hh_mm_ss() -> None:
    assert format_hms(to_seconds("03:38")) == "00:03:38"
    assert format_hms(to_seconds("00:13:48")) == "00:13:48"
    assert format_hms(to_seconds("1:02:03")) == "01:02:03"


def test_sources_without_markers_get_no_timestamps(settings) -> None:
    documents, _ = load_documents(settings.corpus_dir)
    by_file = {d.source.file: d for d in documents}
    for name in ("000_47475682103aa5f8.txt", "001_8bf1397aa04eb30b.txt", "003_1f980d89c98d1d36.txt"):
        assert all(s.timestamp is None for s in by_file[name].sentences), name


def test_every_sentence_is_an_exact_span_of_its_document(settings) -> None:
    documents, _ = load_documents(settings.corpus_dir)
    assert len(documents) == 5
    for doc in documents:
        for s in doc.sentences:
            piece = doc.text[s.start : s.end]
            assert piece and piece == piece.strip() and piece in doc.text


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.txt", b"   \n", "empty"),
        ("binary.md", b"\x89PNG\r\n\x1a\n\x00\x00binary", "binary"),
        ("latin1.txt", "café résumé".encode("latin-1"), "not UTF-8"),
    ],
)
def test_broken_files_are_skipped_with_a_reason(tmp_path: Path, name: str, data: bytes, reason: str) -> None:
    (tmp_path / name).write_bytes(data)
    (tmp_path / "good.txt").write_text("Title line\n\nA good sentence to index.\n", encoding="utf-8")
    with pytest.raises(SkipFile, match=reason):
        read_text(tmp_path / name)
    documents, skipped = load_documents(tmp_path)
    assert [d.source.file for d in documents] == ["good.txt"]
    assert skipped[0][0] == name and reason in skipped[0][1]


SEED_SHA256 = {  # the seed documents' sha256, pinned when they were copied in: the project reads nothing outside itself
    "000_47475682103aa5f8.txt": "8d764c5c69be27ef0d53aed8986ecc25bdea0b901633d39c1f26305770f71b3a",
    "001_8bf1397aa04eb30b.txt": "a96901ecc578fbc4da6314b6556e5d8fd697958ec505244d1196f8b553036f9e",
    "002_8ca7da677551ebfe.txt": "b95d1d98dc79b70233ee659e5b349edfd6215a17c06fd4b2ce2433e5fde7a95c",
    "003_1f980d89c98d1d36.txt": "1c92afb9ceceb3907f370e77569918d2368d775e2a467ea462e83aa6b2ae19bb",
    "004_59cc7f3fb55b2d43.txt": "b3f14320e30ed40a228e459dfcbcf13cab9e97d0254172d28827deb788447673",
}


def test_corpus_documents_are_the_seed_documents_byte_for_byte() -> None:
    from index.config import REPO_ROOT

    for name, sha in SEED_SHA256.items():
        assert hashlib.sha256((REPO_ROOT / "corpus" / name).read_bytes()).hexdigest() == sha, name

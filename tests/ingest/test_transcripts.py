"""Transcript formats (WebVTT, SubRip, Whisper JSON) and markdown front matter."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from index.build import embedding_inputs
from index.config import Settings
from index.engine import Engine
from index.ingest.documents import front_matter, load_documents
from index.ingest.transcripts import Cue, parse_subtitles, speaker_label, to_webvtt, webvtt_language
from index.retrieve.embed import Embedder
from index.text.timestamps import format_hms

VTT = """WEBVTT
Kind: captions

NOTE recorded at the all-hands

1
00:00:01.000 --> 00:00:04.200
<v Elon>Welcome everyone to the meeting.

2
00:01:05.500 --> 00:01:09.000
The cluster in Memphis now has twelve data halls,

3
00:01:09.000 --> 00:01:12.000
and each hall was built in weeks.

4
01:02:03.250 --> 01:02:06.000
<i>Thank you</i> all for coming.
"""

SRT = """1
00:00:02,000 --> 00:00:05,000
Grok Imagine makes fifty million videos a day.

2
00:00:59,999 --> 00:01:03,500
The next model ships
in three months.
"""

WHISPER = {"text": "...", "segments": [
    {"id": 0, "start": 0.0, "end": 3.5, "text": " Macrohard will emulate a whole software company."},
    {"id": 1, "start": 3.5, "end": 7.0, "text": " It starts with digital tasks."},
    {"id": 2, "start": 95.4, "end": 99.0, "text": " 我们的目标是在 2-3 个月内达到最先进水平。"},
]}


def corpus(tmp_path: Path, files: dict[str, str]) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def sentences_of(folder: Path, name: str) -> list[tuple[str, str | None]]:
    documents, _ = load_documents(folder)
    doc = next(d for d in documents if d.source.file == name)
    return [(doc.text[s.start:s.end], format_hms(s.timestamp)) for s in doc.sentences]


def test_webvtt_sentences_keep_the_start_of_the_cue_they_begin_in(tmp_path: Path) -> None:
    folder = corpus(tmp_path, {"meeting.vtt": VTT})
    assert sentences_of(folder, "meeting.vtt") == [
        ("Welcome everyone to the meeting.", "00:00:01"),
        ("The cluster in Memphis now has twelve data halls, and each hall was built in weeks.", "00:01:05"),
        ("Thank you all for coming.", "01:02:03"),
    ]


def test_subrip_cues_across_lines_and_comma_decimals(tmp_path: Path) -> None:
    folder = corpus(tmp_path, {"talk.srt": SRT})
    assert sentences_of(folder, "talk.srt") == [
        ("Grok Imagine makes fifty million videos a day.", "00:00:02"),
        ("The next model ships in three months.", "00:00:59"),
    ]


def test_whisper_json_segments(tmp_path: Path) -> None:
    folder = corpus(tmp_path, {"talk.json": json.dumps(WHISPER, ensure_ascii=False)})
    assert sentences_of(folder, "talk.json") == [
        ("Macrohard will emulate a whole software company.", "00:00:00"),
        ("It starts with digital tasks.", "00:00:03"),
        ("我们的目标是在 2-3 个月内达到最先进水平。", "00:01:35"),
    ]


MEETING = """WEBVTT

1
00:05:06.760 --> 00:05:08.090
Ansgar Dietrichs: Hello, hello, everyone

2
00:05:08.530 --> 00:05:09.480
vitalik: Oh.

3
00:05:29.270 --> 00:05:32.130
Ansgar Dietrichs: Today we look forward to

4
00:05:32.130 --> 00:05:35.130
Ansgar Dietrichs: Hegota and the headline selection there.

5
00:05:35.200 --> 00:05:37.000
Justin Florentine (Besu): Note: the fork is close.
"""


def test_a_meeting_speakers_turn_ends_a_sentence_and_a_repeated_label_is_read_once(tmp_path: Path) -> None:
    """Zoom writes a meeting with each cue opening with its speaker's name: a sentence never runs from one
    speaker into the next, even without a stop; the label a speaker's next cue repeats stays quoted but is
    not embedded."""
    folder = corpus(tmp_path, {"call.vtt": MEETING})
    quoted = sentences_of(folder, "call.vtt")
    assert quoted == [
        ("Ansgar Dietrichs: Hello, hello, everyone", "00:05:06"),
        ("vitalik: Oh.", "00:05:08"),
        ("Ansgar Dietrichs: Today we look forward to Ansgar Dietrichs: Hegota and the headline selection there.",
         "00:05:29"),
        ("Justin Florentine (Besu): Note: the fork is close.", "00:05:35"),
    ]
    documents, _ = load_documents(folder)
    texts = [documents[0].text[s.start : s.end] for s in documents[0].sentences]
    assert embedding_inputs(documents[0].sentences, texts)[2] == \
        "Ansgar Dietrichs: Today we look forward to Hegota and the headline selection there."
    assert [speaker_label(t) for t in ("Tim Beiko: yes", "dionysuz.eth: ok", "It ends. Then: this",
                                       "Seven words are far too many here: no", "主持人：大家好")] == \
        ["Tim Beiko", "dionysuz.eth", None, None, "主持人"]


def test_voice_tags_name_the_speakers(tmp_path: Path) -> None:
    vtt = ("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Roger Bingham>We are in New York City\n\n"
           "00:00:02.000 --> 00:00:03.000\n<v.loud Neil>and the stars\n")
    folder = corpus(tmp_path, {"talk.vtt": vtt})
    assert [t for t, _ in sentences_of(folder, "talk.vtt")] == ["We are in New York City", "and the stars"]


def test_captions_without_punctuation_are_quoted_a_cue_at_a_time(tmp_path: Path) -> None:
    """Chinese captions often carry no punctuation (one phrase a cue, as in the W3C workshop's
    zc_expression-zh.vtt); run together they would be one minutes-long "sentence" timed at its start."""
    phrases = ["首先我做一个简单的自我介绍", "我是来自网易的前端和客户端开发工程师",
               "今天我要讲的内容是在线虚拟形象会议"] * 8

    def stamp(seconds: int) -> str:
        return f"{seconds // 60:02d}:{seconds % 60:02d}.000"

    cues = "".join(f"{stamp(i * 3)} --> {stamp(i * 3 + 3)}\n{p}\n\n" for i, p in enumerate(phrases))
    folder = corpus(tmp_path, {"talk.vtt": "WEBVTT\n\n" + cues})
    quoted = sentences_of(folder, "talk.vtt")
    assert quoted == [(p, f"00:{stamp(i * 3)[:5]}") for i, p in enumerate(phrases)]


def test_a_long_sentence_with_commas_stays_one_quote(tmp_path: Path) -> None:
    """pyhf's SciPy 2020 captions: one 330-character sentence over nine cues, with commas."""
    parts = ["The reason that we're smashing protons together", "at extreme energy densities",
             "and looking at the splattered remains in our detector", "is because we want to understand",
             "the fundamental forces of the universe,", "like electromagnetism",
             "and the strong and weak nuclear forces,", "and their interactions",
             "with the most elementary particles of matter."]
    cues = "".join(f"{i + 1}\n00:00:{i * 2:02d},000 --> 00:00:{i * 2 + 2:02d},000\n{p}\n\n"
                   for i, p in enumerate(parts))
    folder = corpus(tmp_path, {"talk.srt": cues})
    assert sentences_of(folder, "talk.srt") == [(" ".join(parts), "00:00:00")]


@pytest.mark.parametrize(("name", "text"), [("broken.vtt", "WEBVTT\n\nno timings here\n"),
                                            ("broken.json", '{"no": "segments"}'), ("bad.json", "{not json")])
def test_a_broken_transcript_is_skipped_with_a_reason(tmp_path: Path, name: str, text: str) -> None:
    folder = corpus(tmp_path, {name: text, "ok.srt": SRT})
    documents, skipped = load_documents(folder)
    assert [d.source.file for d in documents] == ["ok.srt"]
    assert skipped and skipped[0][0] == name


FRONT = """---
title: "Notes: the all-hands"
url: https://example.org/notes
date: 2026-02-14
recording: https://www.youtube.com/watch?v=abc123
---
# Notes

The meeting began late [00:02:05].
"""


def test_front_matter_gives_metadata_and_is_never_quoted(tmp_path: Path) -> None:
    meta, end = front_matter(FRONT)
    assert meta == {"title": "Notes: the all-hands", "url": "https://example.org/notes", "published": "2026-02-14",
                    "recording": "https://www.youtube.com/watch?v=abc123"}
    assert FRONT[end:].startswith("# Notes")
    documents, _ = load_documents(corpus(tmp_path, {"notes.md": FRONT}))
    doc = documents[0]
    assert doc.source.title == "Notes: the all-hands" and doc.source.published == "2026-02-14"
    assert [doc.text[s.start:s.end] for s in doc.sentences] == ["The meeting began late [00:02:05]."]


def test_sources_toml_wins_over_front_matter(tmp_path: Path) -> None:
    folder = corpus(tmp_path, {"notes.md": FRONT, "sources.toml": '[[source]]\nfile = "notes.md"\ntitle = "Mine"\n'})
    documents, _ = load_documents(folder)
    assert documents[0].source.title == "Mine" and documents[0].source.url == "https://example.org/notes"


def test_transcript_quotes_link_to_their_moment(tmp_path: Path, settings: Settings, embedder: Embedder) -> None:
    folder = corpus(tmp_path, {
        "meeting.vtt": VTT,
        "sources.toml": '[[source]]\nfile = "meeting.vtt"\ntitle = "All-hands recording"\n'
                        'recording = "https://www.youtube.com/watch?v=abc123"\n',
    })
    engine = Engine.load(dataclasses.replace(settings, corpus_dir=folder, index_dir=tmp_path / "index"), embedder)
    result = engine.check("The cluster in Memphis now has twelve data halls")
    first = result.evidence[0]
    assert first.match == "exact" and first.timestamp == "00:01:05"
    assert first.url == "https://www.youtube.com/watch?v=abc123&t=65s"
    answer = engine.ask("How many data halls are in Memphis?")
    assert answer.quotes[0].timestamp == "00:01:05" and answer.quotes[0].url.endswith("&t=65s")
    for cue_text in ("The cluster in Memphis now has twelve data halls,", "and each hall was built in weeks."):
        assert cue_text in VTT  # every cue of a quote is copied from the file as it stands


def test_a_machine_transcript_is_written_as_webvtt_and_read_back_with_its_language() -> None:
    cues = [Cue(0.66, 3.68, "The lock gates weigh 900 tons each."), Cue(3725.5, 3727.0, "下一句。")]
    raw = to_webvtt(cues, "en")
    assert raw.startswith("WEBVTT\nKind: captions\nLanguage: en\n\n00:00:00.660 --> 00:00:03.680\n")
    assert "01:02:05.500 --> 01:02:07.000\n下一句。" in raw
    assert parse_subtitles(raw) == cues and webvtt_language(raw) == "en"
    assert webvtt_language(to_webvtt(cues)) is None

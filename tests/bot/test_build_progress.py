"""bot/chat/build_progress.py: the build's log lines of one thread, as the progress a reply shows; the
embedding's progress (index/build.py) among them."""

from __future__ import annotations

import asyncio
import io
import logging
import threading

import pytest

from bot.chat.build_progress import ProgressReply, follow_build_log, status_line
from index import build
from index.build import EmbeddingProgress, TerminalLog


@pytest.mark.parametrize(("line", "shown"), [
    ("[1/5] reading documents in /srv/quotebot/corpus", "[1/5] reading the documents"),  # no server path
    ("[4/5] embedding: 1 added, 0 changed, 0 removed, 5 unchanged", None),
    ("transcribing talk.mp3", None),
    ("transcribing talk.mp3: 40% of 52:10 done, about 6:30 left", None),
    ("loading speech recognition model /srv/models/whisper-base", "loading the speech recognition model"),
    ("index ready at /srv/index/builds/x: 1 added", "skip"),
    ("      3 documents, 12 sentences (0 files skipped)", "skip"),
])
def test_progress_lines_are_the_steps_and_the_transcription(line: str, shown: str | None) -> None:
    expected = line if shown is None else None if shown == "skip" else shown
    assert status_line(line) == expected


def test_only_the_building_threads_lines_are_followed() -> None:
    seen: list[str] = []
    build_log = logging.getLogger("index.build")
    other = threading.Thread(target=lambda: build_log.info("[2/5] chunking in another build"))
    with follow_build_log(seen.append):
        build_log.info("[2/5] chunking (≤ 160 tokens, overlap 1 sentences)")
        logging.getLogger("index.ingest.recordings").info("transcribing a.flac: 50%% of 0:10 done, about %s left",
                                                          "0:05")
        build_log.warning("skipping notes.pdf: not a type of document the bot reads (.pdf)")
        other.start()
        other.join()
    build_log.info("[3/5] after the rebuild")
    assert seen == ["[2/5] chunking (≤ 160 tokens, overlap 1 sentences)",
                    "transcribing a.flac: 50% of 0:10 done, about 0:05 left"]


async def test_the_reply_is_edited_with_the_latest_line_one_edit_at_a_time() -> None:
    shown: list[str] = []
    busy = asyncio.Event()

    async def edit(text: str) -> None:
        shown.append(text)
        busy.set()
        await asyncio.sleep(0.05)

    reply = ProgressReply(edit, "Adding **talk.mp3**")
    reply("[1/5] reading the documents")
    await busy.wait()
    for line in ("transcribing talk.mp3", "transcribing talk.mp3: 50% of 1:00 done, about 0:30 left"):
        await asyncio.to_thread(reply, line)  # from the build's thread
    await asyncio.sleep(0.2)
    await reply.stop()
    assert shown == ["Adding **talk.mp3**\n-# [1/5] reading the documents",
                     "Adding **talk.mp3**\n-# transcribing talk.mp3: 50% of 1:00 done, about 0:30 left"]


def test_embedding_progress_gives_the_count_the_rate_and_the_time_left(caplog: pytest.LogCaptureFixture) -> None:
    now = [0.0]
    progress = EmbeddingProgress(400, clock=lambda: now[0])
    with caplog.at_level(logging.INFO, logger="index.build"):
        now[0] = 1.0
        progress(16)  # too soon after the last line: nothing
        now[0] = 4.0
        progress(100)  # 25 a second: 300 left, 12 s
        now[0] = 5.0
        progress(116)
        now[0] = 16.0
        progress(400)  # the end is always said
    assert [r.getMessage() for r in caplog.records] == [
        "[4/5] embedding: 100 of 400 sentences, 25.0 a second, about 0:12 left",
        "[4/5] embedding: 400 sentences in 0:16, 25.0 a second",
    ]


def test_the_time_left_follows_the_work_left_when_the_longer_sentences_come_last(
        caplog: pytest.LogCaptureFixture) -> None:
    now = [0.0]
    progress = EmbeddingProgress(4, clock=lambda: now[0], work=[10, 10, 40, 40])  # shortest first
    with caplog.at_level(logging.INFO, logger="index.build"):
        now[0] = 10.0
        progress(2)  # 20 of 100 done in 10 s: 80 left, 40 s (by count alone it would say 10 s)
    assert [r.getMessage() for r in caplog.records] == [
        "[4/5] embedding: 2 of 4 sentences, 0.2 a second, about 0:40 left"]


def test_a_real_build_shows_its_embedding_progress_in_the_reply(tiny_settings, embedder, monkeypatch) -> None:
    monkeypatch.setattr(build, "PROGRESS_SECONDS", 0.0)  # every slice, to see several on a small corpus
    monkeypatch.setattr(build, "EMBED_SLICE", 2)
    monkeypatch.setattr(build, "SLICE_SECONDS", 1e6)  # slices of 2 however busy the cores are
    seen: list[str] = []
    with follow_build_log(seen.append):
        report = build.build_index(tiny_settings, embedder)
    embedding = [line for line in seen if line.startswith("[4/5] embedding: ") and " sentences" in line]
    assert len(embedding) == (report.encoded + 1) // 2 >= 2, seen
    assert embedding[0].startswith(f"[4/5] embedding: 2 of {report.encoded} sentences, ") \
        and embedding[0].endswith(" left")
    assert embedding[-1].startswith(f"[4/5] embedding: {report.encoded} sentences in ")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_progress_lines_replace_each_other_and_other_lines_stay() -> None:
    screen, file = _Terminal(), io.StringIO()
    logger = logging.getLogger("index.build")
    handlers = [TerminalLog(screen), TerminalLog(file)]
    level = logger.level
    logger.setLevel(logging.INFO)
    for handler in handlers:
        logger.addHandler(handler)
    try:
        now = [0.0]
        progress = EmbeddingProgress(100, clock=lambda: now[0])
        logger.info("[4/5] embedding: 5 added")
        for done in (25, 50, 100):
            now[0] += 5.0
            progress(done)
        logger.info("[5/5] writing the index")
    finally:
        for handler in handlers:
            logger.removeHandler(handler)
        logger.setLevel(level)
    assert file.getvalue().splitlines() == [
        "[4/5] embedding: 5 added",
        "[4/5] embedding: 25 of 100 sentences, 5.0 a second, about 0:15 left",
        "[4/5] embedding: 50 of 100 sentences, 5.0 a second, about 0:10 left",
        "[4/5] embedding: 100 sentences in 0:15, 6.7 a second",
        "[5/5] writing the index",
    ]
    assert screen.getvalue() == (
        "[4/5] embedding: 5 added\n"
        "[4/5] embedding: 25 of 100 sentences, 5.0 a second, about 0:15 left"
        "\r\x1b[2K[4/5] embedding: 50 of 100 sentences, 5.0 a second, about 0:10 left"
        "\r\x1b[2K[4/5] embedding: 100 sentences in 0:15, 6.7 a second\n"
        "[5/5] writing the index\n")

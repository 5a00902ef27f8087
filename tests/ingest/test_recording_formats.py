"""Every common audio and video container is a recording: espeak-ng clips encoded by PyAV into .flac,
.ogg (Opus) and .mkv (with a picture, like a screen recording) are transcribed by the real Whisper
base and quoted at the second they were said, and so is a real speech recording (jfk.flac, from
openai/whisper); the other listed containers decode; a file of an unknown type is skipped with a
warning naming it."""

from __future__ import annotations

import dataclasses
import logging
import shutil
from pathlib import Path

import av
import numpy as np
import pytest
from speech import Line, encode, speak

from index.build import BuildReport, build_index
from index.config import Settings, load_settings
from index.engine import Engine
from index.ingest.documents import load_documents
from index.ingest.recordings import RECORDING_SUFFIXES, decode
from index.retrieve.embed import Embedder

JFK = Path(__file__).resolve().parents[1] / "data" / "jfk.flac"  # tests/data/SOURCES.md
CLIPS = {  # file -> (what it says and when, a question it answers, words of the answering quote)
    "lighthouse.flac": (Line(2.0, "The lighthouse keeper climbs two hundred steps every night."),
                        "How many steps does the lighthouse keeper climb?", "keeper"),
    "voice-message.ogg": (Line(3.0, "The ferry to the island leaves at half past seven."),
                          "When does the ferry to the island leave?", "island"),
    "screen.mkv": (Line(4.0, "The orchard grows forty kinds of apples."),
                   "How many kinds of apples does the orchard grow?", "orchard"),
}


def with_picture(audio: Path, out: Path, seconds: float) -> Path:
    """`audio` muxed with a small grey video stream into `out` (a screen recording's shape)."""
    with av.open(str(audio)) as source, av.open(str(out), "w") as target:
        sound = target.add_stream("libopus", rate=48000)
        picture = target.add_stream("mpeg4", rate=5)
        picture.width, picture.height, picture.pix_fmt = 64, 48, "yuv420p"
        for frame in source.decode(audio=0):
            frame.pts = None
            target.mux(sound.encode(frame))
        target.mux(sound.encode(None))
        for _ in range(int(seconds * 5)):
            image = av.VideoFrame.from_ndarray(np.full((48, 64, 3), 128, dtype=np.uint8), format="rgb24")
            target.mux(picture.encode(image))
        target.mux(picture.encode(None))
    return out


@dataclasses.dataclass
class Built:
    settings: Settings
    report: BuildReport
    engine: Engine


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Built:
    root = tmp_path_factory.mktemp("formats")
    settings = dataclasses.replace(load_settings(), corpus_dir=root / "corpus", index_dir=root / "index")
    settings.corpus_dir.mkdir()
    for name, (line, _, _) in CLIPS.items():
        wav = root / f"{Path(name).stem}.wav"
        seconds = speak([line], wav)
        if name.endswith(".mkv"):
            with_picture(wav, settings.corpus_dir / name, seconds)
        else:
            encode(wav, settings.corpus_dir / name)
    shutil.copyfile(JFK, settings.corpus_dir / "jfk.flac")
    report = build_index(settings, embedder)
    return Built(settings, report, Engine.load(settings, embedder))


def _seconds(stamp: str) -> int:
    hours, minutes, seconds = map(int, stamp.split(":"))
    return hours * 3600 + minutes * 60 + seconds


def test_flac_ogg_opus_and_mkv_are_transcribed_and_quoted_at_the_spoken_second(built: Built) -> None:
    assert sorted(built.report.transcribed) == sorted([*CLIPS, "jfk.flac"]) and built.report.skipped == []
    for name, (line, question, words) in CLIPS.items():
        answer = built.engine.ask(question)
        quote = next(q for q in answer.quotes if words in q.text.lower())
        assert quote.source == name and quote.timestamp is not None, (name, answer.quotes)
        assert abs(_seconds(quote.timestamp) - line.at) <= 1, (name, quote.timestamp)
        assert quote.transcript is not None  # cited as a machine transcript


def test_a_real_speech_recording_in_flac_is_quoted(built: Built) -> None:
    answer = built.engine.ask("What did Kennedy ask his fellow Americans?")
    quote = answer.quotes[0]
    assert quote.source == "jfk.flac", answer.quotes
    assert "ask not what your country can do for you" in quote.text.lower()
    assert quote.timestamp is not None and _seconds(quote.timestamp) <= 3


@pytest.mark.parametrize("suffix", [".flac", ".ogg", ".oga", ".opus", ".aac", ".m4b", ".mkv", ".mov", ".avi"])
def test_every_common_container_is_a_recording_and_decodes(suffix: str, tmp_path: Path) -> None:
    assert suffix in RECORDING_SUFFIXES
    wav = tmp_path / "clip.wav"
    seconds = speak([Line(1.0, "A short clip.")], wav)
    audio = decode(encode(wav, tmp_path / f"clip{suffix}"))
    assert abs(len(audio) / 16_000 - seconds) < 0.5


def test_a_file_of_an_unknown_type_is_skipped_with_a_warning_naming_it(tmp_path: Path,
                                                                      caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "notes.txt").write_text("Notes\n\nThe bridge opened in May.\n", encoding="utf-8")
    (tmp_path / "slides.pdf").write_bytes(b"%PDF-1.4 not read by the bot")
    (tmp_path / ".hidden.pdf").write_bytes(b"ignored silently")
    with caplog.at_level(logging.WARNING):
        documents, skipped = load_documents(tmp_path)
    assert [d.source.file for d in documents] == ["notes.txt"]
    assert [name for name, _ in skipped] == ["slides.pdf"] and ".pdf" in skipped[0][1]
    assert [r.getMessage() for r in caplog.records] == [f"skipping slides.pdf: {skipped[0][1]}"]

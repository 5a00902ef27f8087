"""Recordings in the corpus (audio and video files) become timestamped WebVTT transcripts, offline.

Owns: which files are recordings, transcribing them with faster-whisper, the transcript cache, and
transcription progress in the build log. The WebVTT text is then read like any .vtt file (documents.py)
and kept in the index beside the build (storage/store.py), so every quote can be checked against a file.

* Times: faster-whisper's VAD filter and word timestamps are on. Without them, segment times snap
  to Whisper's 30-second windows and a silence can produce a repeated, invented segment. A cue
  starts at its first word.
* Language: detected per file by Whisper. Whisper writes Chinese in a mix of simplified and
  traditional characters ("廣州市佛地产"); Chinese transcripts are converted to simplified
  characters (OpenCC t2s), so that one script is searched and quoted.
* Incremental: a transcript is cached under the sha256 of the recording's bytes and the model's
  name (`<index>/transcripts/`), so a rebuild transcribes only new or changed recordings, and a
  build interrupted during transcription keeps what it finished (the live index is untouched).
* A recording that cannot be decoded, or holds no speech, is skipped with the reason.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

from ..storage.checksums import sha256_file
from .transcripts import Cue, to_webvtt

log = logging.getLogger(__name__)

# Audio and video containers FFmpeg (through PyAV) decodes; the file's content decides how it is read,
# the suffix only says that it is a recording. Subtitle and picture formats FFmpeg also opens are not here.
AUDIO_SUFFIXES = frozenset({".mp3", ".wav", ".m4a", ".flac", ".ogg", ".oga", ".opus", ".aac", ".m4b", ".mka",
                            ".wma", ".aif", ".aiff", ".aifc", ".mp2", ".amr", ".ac3", ".wv", ".ape", ".caf"})
VIDEO_SUFFIXES = frozenset({".mp4", ".webm", ".mkv", ".mov", ".avi", ".m4v", ".mpg", ".mpeg", ".m2ts",
                            ".flv", ".wmv", ".3gp", ".3g2", ".ogv"})
RECORDING_SUFFIXES = AUDIO_SUFFIXES | VIDEO_SUFFIXES
SAMPLING_RATE = 16_000  # what Whisper listens at
PROGRESS_SECONDS = 10.0  # wall-clock seconds between progress lines in the build log
CACHE_FOLDER = "transcripts"
TRANSCRIPT_VERSION = 2  # part of the cache key: bump when what a transcript holds changes (2: simplified Chinese)

Progress = Callable[[float, float], None]  # (seconds of audio done, seconds in all)


class TranscriptionError(Exception):
    """A recording that cannot be transcribed; the message says why."""


@dataclass
class Transcript:
    language: str
    duration: float  # seconds of audio
    cues: list[Cue]

    def webvtt(self) -> str:
        return to_webvtt(self.cues, self.language)


def is_recording(path: Path) -> bool:
    return path.suffix.lower() in RECORDING_SUFFIXES


class Transcriber(Protocol):
    name: str  # the model's name: part of the cache key

    def transcribe(self, path: Path, progress: Progress) -> Transcript: ...


class WhisperTranscriber:
    """faster-whisper on the CPU (int8); the model is loaded on first use."""

    def __init__(self, model: str, model_dir: Path, threads: int = 0) -> None:
        self.name = model
        self._model_dir = model_dir
        self._threads = threads
        self._model: WhisperModel | None = None

    def _load(self) -> WhisperModel:
        if self._model is None:
            from faster_whisper import WhisperModel

            from .asr_model import asr_location

            try:
                location = asr_location(self.name, self._model_dir)
                log.info("loading speech recognition model %s", location)
                self._model = WhisperModel(location, device="cpu", compute_type="int8", cpu_threads=self._threads)
            except (RuntimeError, OSError, ValueError) as exc:  # missing or altered files, unknown name
                raise TranscriptionError(f"the speech recognition model {self.name!r} cannot be loaded ({exc})") \
                    from None
        return self._model

    def transcribe(self, path: Path, progress: Progress) -> Transcript:
        model = self._load()
        audio = decode(path, model.feature_extractor.sampling_rate)
        segments, info = model.transcribe(audio, vad_filter=True, word_timestamps=True)
        cues = []
        for segment in segments:  # the model runs as the segments are read
            text = segment.text.strip()
            if text:
                start = segment.words[0].start if segment.words else segment.start
                cues.append(Cue(float(start), float(segment.end), text))
            progress(float(segment.end), float(info.duration))
        log.info("%s: language %s (p=%.2f), %d segments", path.name, info.language, info.language_probability,
                 len(cues))
        if info.language == "zh":
            import opencc

            simplified = opencc.OpenCC("t2s")
            cues = [Cue(c.start, c.end, simplified.convert(c.text)) for c in cues]
        return Transcript(info.language, float(info.duration), cues)


def decode(path: Path, sampling_rate: int = SAMPLING_RATE) -> np.ndarray:
    """The recording's sound as mono samples at `sampling_rate`, decoded by FFmpeg (PyAV) the way
    faster-whisper reads it; raises TranscriptionError for a file FFmpeg cannot decode, one without
    a sound track, or one whose sound track is empty."""
    import av
    from faster_whisper.audio import decode_audio

    try:
        audio = decode_audio(str(path), sampling_rate=sampling_rate)
    except (av.error.FFmpegError, OSError) as exc:
        raise TranscriptionError(f"cannot decode the audio ({getattr(exc, 'strerror', None) or exc})") from None
    except IndexError:  # PyAV opened the file but found no audio stream in it
        raise TranscriptionError("cannot decode the audio (no sound track)") from None
    if not len(audio):
        raise TranscriptionError("cannot decode the audio (the sound track is empty)")
    return audio


class ProgressLog:
    """Logs how much of a recording is done and the time left, at most every PROGRESS_SECONDS."""

    def __init__(self, name: str, clock: Callable[[], float] = time.monotonic) -> None:
        self.name = name
        self.clock = clock
        self.started = clock()
        self.last = self.started

    def __call__(self, done: float, total: float) -> None:
        now = self.clock()
        if now - self.last < PROGRESS_SECONDS or total <= 0 or done <= 0:
            return
        self.last = now
        share = min(done / total, 1.0)
        left = (now - self.started) * (1 - share) / share
        log.info("transcribing %s: %.0f%% of %s done, about %s left", self.name, 100 * share, clock_time(total),
                 clock_time(left), extra={"progress": True})  # build.TerminalLog: replaced in place


def clock_time(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@dataclass
class Transcribed:
    """What transcribe_all found: WebVTT text per recording file, and what it skipped."""

    texts: dict[str, str] = field(default_factory=dict)  # recording file name -> WebVTT
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)
    transcribed: list[str] = field(default_factory=list)  # transcribed by this build (the rest were cached)
    keys: set[str] = field(default_factory=set)  # cache keys of the recordings seen (prune_cache keeps these)


def cache_key(path: Path, model: str) -> str:
    """The recording's transcript's name in the cache: its bytes, the model, the transcript version."""
    return hashlib.sha256(f"{sha256_file(path)}\0{model}\0{TRANSCRIPT_VERSION}".encode()).hexdigest()


def transcribe_all(paths: Iterable[Path], cache_dir: Path, transcriber: Callable[[], Transcriber],
                   model: str) -> Transcribed:
    """WebVTT transcripts of `paths`, from the cache or transcribed now (`transcriber` is called
    once, and only when something needs transcribing). Each new transcript is written to the
    cache as soon as it is done, atomically."""
    out = Transcribed()
    engine: Transcriber | None = None
    for path in paths:
        try:
            key = cache_key(path, model)
            out.keys.add(key)
            cached = cache_dir / f"{key}.vtt"
            if cached.is_file():
                out.texts[path.name] = cached.read_text(encoding="utf-8")
                continue
            engine = engine or transcriber()
            log.info("transcribing %s", path.name)
            transcript = engine.transcribe(path, ProgressLog(path.name))
            if not transcript.cues:
                raise TranscriptionError("no speech found")
        except (TranscriptionError, OSError) as exc:
            log.warning("skipping %s: %s", path.name, exc)
            out.skipped.append((path.name, str(exc)))
            continue
        text = transcript.webvtt()
        cache_dir.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(".part")
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, cached)
        out.texts[path.name] = text
        out.transcribed.append(path.name)
    return out


def prune_cache(cache_dir: Path, keep: set[str]) -> None:
    """Remove cached transcripts whose recordings are no longer in the corpus (`keep`: cache keys)."""
    if cache_dir.is_dir():
        for path in cache_dir.iterdir():
            if path.stem not in keep:
                path.unlink(missing_ok=True)

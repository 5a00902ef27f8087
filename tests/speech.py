"""Spoken clips for the recording tests and the ASR benchmark: espeak-ng (Debian package
espeak-ng, installed by .ci/run) says known sentences at known offsets, with silence between."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import wave
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ESPEAK = shutil.which("espeak-ng")


@dataclass(frozen=True)
class Line:
    at: float  # seconds into the clip where the sentence starts
    text: str
    voice: str = "en-us"


def _say(line: Line, folder: Path) -> tuple[np.ndarray, int]:
    out = folder / "line.wav"
    if ESPEAK is None:
        raise RuntimeError("espeak-ng is not installed (apt-get install espeak-ng)")
    subprocess.run([ESPEAK, "-v", line.voice, "-s", "150", "-w", str(out), line.text], check=True,
                   capture_output=True)
    with wave.open(str(out), "rb") as clip:
        return np.frombuffer(clip.readframes(clip.getnframes()), dtype=np.int16), clip.getframerate()


def speak(lines: Sequence[Line], path: Path, tail: float = 1.0) -> float:
    """Write a mono 16-bit WAV with each line spoken from its offset; returns its length in seconds."""
    with tempfile.TemporaryDirectory() as tmp:
        spoken = [(line, *_say(line, Path(tmp))) for line in lines]
    rate = spoken[0][2]
    end = max(int(line.at * rate) + len(samples) for line, samples, _ in spoken) + int(tail * rate)
    audio = np.zeros(end, dtype=np.int16)
    cursor = 0
    for line, samples, line_rate in spoken:
        start = int(line.at * rate)
        assert line_rate == rate and start >= cursor, f"{line.text!r} overlaps the line before it"
        audio[start : start + len(samples)] = samples
        cursor = start + len(samples)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(audio.tobytes())
    return end / rate


ENCODERS = {".mp3": ("libmp3lame", 22050), ".m4a": ("aac", 22050), ".mp4": ("aac", 22050), ".webm": ("libopus", 48000),
            ".flac": ("flac", 22050), ".ogg": ("libopus", 48000), ".oga": ("libopus", 48000),
            ".opus": ("libopus", 48000), ".aac": ("aac", 22050), ".m4b": ("aac", 22050), ".mkv": ("libopus", 48000),
            ".mov": ("aac", 22050), ".avi": ("libmp3lame", 22050)}


def encode(wav: Path, out: Path) -> Path:
    """`wav` re-encoded into the container and codec `out`'s suffix calls for (PyAV's FFmpeg)."""
    import av

    codec, rate = ENCODERS[out.suffix]
    with av.open(str(wav)) as source, av.open(str(out), "w") as target:
        stream = target.add_stream(codec, rate=rate)
        for frame in source.decode(audio=0):
            frame.pts = None
            target.mux(stream.encode(frame))
        target.mux(stream.encode(None))
    return out


def video_without_sound(out: Path, frames: int = 10) -> Path:
    """A short MPEG-4 video with no audio stream at all (PyAV's FFmpeg)."""
    import av

    with av.open(str(out), "w") as target:
        stream = target.add_stream("mpeg4", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for _ in range(frames):
            frame = av.VideoFrame.from_ndarray(np.zeros((48, 64, 3), dtype=np.uint8), format="rgb24")
            target.mux(stream.encode(frame))
        target.mux(stream.encode(None))
    return out

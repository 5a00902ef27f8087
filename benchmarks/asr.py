"""Speech-recognition benchmark for recordings: real-time factor, word error rate and timing error
of the transcripts the build makes (index/ingest/recordings.py), on clips espeak-ng speaks.

    python benchmarks/asr.py                      # Whisper base, as the build runs it
    python benchmarks/asr.py --models bundled:whisper-base /path/to/other-ct2-model

Each clip is a few sentences at known offsets with silence between (tests/speech.py). Figures:
* real-time factor: seconds of audio transcribed per second of wall time (model loaded already);
* WER: word edit distance over the reference's words, lower-cased, punctuation dropped. Numbers
  count as written ("nine hundred" against "900" is two errors), so this is a strict figure;
* timing error: |start of the cue that holds a sentence (the one sharing most of its words) - the
  offset it was spoken at|: what a quote of that sentence would be cited at, before rounding down
  to the second.
The same clips are also run without the VAD filter and word timestamps, to show why they are on.
"""

from __future__ import annotations

import argparse
import logging
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # tests/speech.py

from rapidfuzz.distance import Levenshtein
from speech import Line, speak

from index.config import BUNDLED_WHISPER, load_settings
from index.ingest.asr_model import asr_location

CLIPS = [
    [Line(1.0, "The lock gates weigh nine hundred tonnes each."),
     Line(8.0, "Ships wait in the outer harbour until the tide turns."),
     Line(16.0, "The new canal opened to traffic in the spring.")],
    [Line(1.0, "The museum opens at nine in the morning."),
     Line(7.5, "Our library lends books for three weeks."),
     Line(14.0, "The bridge across the river is one hundred years old."),
     Line(22.0, "Tickets for the concert sold out within an hour.")],
    [Line(2.0, "A healthy winter cluster of bees keeps its core warm."),
     Line(10.0, "The beekeeper checks every hive once a week in summer."),
     Line(45.0, "Honey from the heather fields is darker and stronger.")],  # after a long silence
    [Line(1.0, "Our team trained the model on one million examples."),
     Line(9.0, "Training took about six days on a small cluster."),
     Line(17.0, "The results improved when we cleaned the data first.")],
]


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def run(model_name: str, with_vad: bool, clips: list[tuple[Path, list[Line], float]]) -> dict[str, float]:
    from faster_whisper import WhisperModel

    started = time.perf_counter()
    model = WhisperModel(asr_location(model_name, load_settings().model_dir), device="cpu", compute_type="int8")
    load = time.perf_counter() - started
    audio = wall = 0.0
    errors = reference = 0
    timing: list[float] = []
    for path, lines, duration in clips:
        started = time.perf_counter()
        segments, _ = model.transcribe(str(path), vad_filter=with_vad, word_timestamps=with_vad)
        cues = [(s.words[0].start if s.words else s.start, s.text) for s in segments if s.text.strip()]
        wall += time.perf_counter() - started
        audio += duration
        said = [w for line in lines for w in words(line.text)]
        heard = [w for _, text in cues for w in words(text)]
        errors += Levenshtein.distance(said, heard)
        reference += len(said)
        for line in lines:  # the cue sharing most words with the sentence: how far its start is from the offset
            said_words = set(words(line.text))
            start, _ = max(cues, key=lambda cue: (len(said_words & set(words(cue[1]))), -abs(cue[0] - line.at)))
            timing.append(abs(start - line.at))
    return {"load s": load, "RTF": audio / wall, "WER": errors / reference,
            "timing median s": statistics.median(timing), "timing max s": max(timing)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", nargs="*", default=[BUNDLED_WHISPER])
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        clips = []
        for number, lines in enumerate(CLIPS):
            path = Path(tmp) / f"clip{number}.wav"
            clips.append((path, lines, speak(lines, path)))
        total = sum(d for _, _, d in clips)
        print(f"{len(clips)} clips, {sum(len(c) for c in CLIPS)} sentences, {total:.0f} s of audio "
              "(espeak-ng, en-us); int8 on the CPU")
        print(f"{'model':28}{'VAD + word times':>18}{'load s':>9}{'RTF':>8}{'WER':>8}{'timing median s':>17}"
              f"{'timing max s':>14}")
        for model in args.models:
            for with_vad in (True, False):
                row = run(model, with_vad, clips)
                print(f"{model:28}{'on' if with_vad else 'off':>18}{row['load s']:9.2f}{row['RTF']:8.2f}"
                      f"{row['WER']:8.3f}{row['timing median s']:17.2f}{row['timing max s']:14.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

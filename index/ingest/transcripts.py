"""Transcripts with timings: WebVTT (.vtt), SubRip (.srt) and Whisper-style JSON (.json).

A transcript's quotable text is what was said: the cue texts in order, joined by a space
(a new paragraph after a pause of PARAGRAPH_PAUSE seconds or more, or where another speaker takes
over), without the timing lines and cue numbers. A cue's speaker is its WebVTT voice tag (<v Name>),
or the label opening it ("Tim Beiko: …", as Zoom and Teams write meetings) in a file where most cues
open with one; the label stays in the quoted text. Its sentences are split like any other text,
and each keeps the start time of the cue in which it begins. Quotes are exact substrings of that
spoken text, and every cue text is taken from the file as it stands (only markup tags like
<v Speaker> or <i> are dropped).
"""

from __future__ import annotations

import bisect
import itertools
import json
import re
from dataclasses import dataclass

from ..records import Sentence
from ..text.sentences import split_spans

TRANSCRIPT_SUFFIXES = {".vtt", ".srt", ".json"}
PARAGRAPH_PAUSE = 4.0  # seconds of silence between cues that start a new paragraph
LABELLED_SHARE = 0.5  # a file's cues are read as "Speaker: text" when at least this share open so
# A speaker's label opening a cue: up to 6 words and 50 characters before ": ", no sentence stop inside
# ("Justin Florentine (Besu): …", "dionysuz.eth: …"; not "Note that the fork: …", seven words).
_LABEL = re.compile(r"(?P<name>[^\s:：][^:：\n]{0,49}?)(?::[ \t]|：)")
_STOP_INSIDE = re.compile(r"[.?!。？！](?:\s|$)")
_VOICE = re.compile(r"<v(?:\.[^\s>]+)*\s+(?P<name>[^>]+)>")
UNPUNCTUATED = 300  # characters of speech without a stop or a comma: unpunctuated, cut where its cues end
_CLAUSE_MARK = re.compile(r"[,;:，；：、]")

_TIMING = re.compile(
    r"^\s*(?P<start>(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})\s*-->\s*(?P<end>(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})"
)
_TAG = re.compile(r"</?[^>\s][^>]*>")


class TranscriptError(ValueError):
    """The file is not a transcript of the kind its name says."""


@dataclass(frozen=True)
class Cue:
    start: float  # seconds
    end: float
    text: str
    voice: str | None = None  # the speaker its WebVTT voice tag names


def _opening_label(text: str) -> re.Match[str] | None:
    match = _LABEL.match(text)
    if match is None or len(match["name"].split()) > 6 or _STOP_INSIDE.search(match["name"]):
        return None
    return match


def speaker_label(text: str) -> str | None:
    """The speaker's label opening a line of speech ("Ansgar Dietrichs: Hello" -> "Ansgar Dietrichs")."""
    match = _opening_label(text)
    return match["name"] if match else None


def speakers(cues: list[Cue]) -> list[str | None]:
    """Each cue's speaker: its voice tag, else its label where most of the file's cues open with one."""
    labels = [speaker_label(cue.text) for cue in cues]
    labelled = sum(label is not None for label in labels) >= LABELLED_SHARE * len(cues)
    return [cue.voice or (label if labelled else None) for cue, label in zip(cues, labels, strict=True)]


def _seconds(stamp: str) -> float:
    parts = stamp.replace(",", ".").split(":")
    value = 0.0
    for part in parts:
        value = value * 60 + float(part)
    return value


def parse_subtitles(raw: str) -> list[Cue]:
    """Cues of a WebVTT or SubRip file (the two differ only in headers and the decimal mark)."""
    cues: list[Cue] = []
    for block in re.split(r"\n\s*\n", raw.replace("\r\n", "\n").replace("\r", "\n")):
        lines = block.strip("\n").split("\n")
        timing_at = next((i for i, line in enumerate(lines) if _TIMING.match(line)), None)
        if timing_at is None:
            continue  # WEBVTT header, NOTE, STYLE, REGION blocks
        match = _TIMING.match(lines[timing_at])
        assert match is not None
        said = lines[timing_at + 1:]
        text = " ".join(_TAG.sub("", line).strip() for line in said if line.strip())
        voice = next((v["name"].strip() for line in said if (v := _VOICE.search(line))), None)
        if text:
            cues.append(Cue(_seconds(match["start"]), _seconds(match["end"]), text, voice))
    if not cues:
        raise TranscriptError("no cues with timings found")
    return cues


def to_webvtt(cues: list[Cue], language: str | None = None) -> str:
    """A WebVTT file of `cues`, with a `Language:` header (as YouTube writes it) when given."""
    header = "WEBVTT" + (f"\nKind: captions\nLanguage: {language}" if language else "")
    return header + "\n\n" + "\n\n".join(f"{_vtt_time(c.start)} --> {_vtt_time(max(c.end, c.start))}\n{c.text}"
                                         for c in cues) + "\n"


def _vtt_time(seconds: float) -> str:
    millis = round(max(seconds, 0.0) * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}"


def webvtt_language(raw: str) -> str | None:
    """The `Language:` of a WebVTT file's header, if it has one."""
    header = re.split(r"\r?\n\s*\r?\n", raw, maxsplit=1)[0]
    match = re.search(r"^Language:[ \t]*(\S+)", header, re.MULTILINE)
    return match[1] if match else None


def parse_whisper(raw: str) -> list[Cue]:
    """Cues of Whisper-style JSON: {"segments": [{"start": s, "end": s, "text": "..."}]}."""
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise TranscriptError(f"not JSON ({exc.msg} at line {exc.lineno})") from None
    segments = data.get("segments") if isinstance(data, dict) else None
    if not isinstance(segments, list):
        raise TranscriptError('no "segments" list (Whisper-style JSON expected)')
    cues = []
    for seg in segments:
        if not isinstance(seg, dict) or not isinstance(seg.get("text"), str):
            continue
        try:
            start, end = float(seg["start"]), float(seg.get("end", seg["start"]))
        except (KeyError, TypeError, ValueError):
            continue
        if seg["text"].strip():
            cues.append(Cue(start, end, seg["text"].strip()))
    if not cues:
        raise TranscriptError("no segments with start times and text")
    return cues


def parse_cues(suffix: str, raw: str) -> list[Cue]:
    return parse_whisper(raw) if suffix == ".json" else parse_subtitles(raw)


def spoken_text(cues: list[Cue]) -> tuple[str, list[int], list[int]]:
    """(text, offset where each cue starts, offsets where paragraphs start). A paragraph starts after a
    pause, and where another speaker takes over: no sentence runs from one speaker into the next."""
    parts: list[str] = []
    offsets: list[int] = []
    paragraphs = [0]
    length = 0
    who = speakers(cues)
    for i, cue in enumerate(cues):
        if i:
            turn = who[i] is not None and who[i - 1] is not None and who[i] != who[i - 1]
            separator = "\n\n" if turn or cue.start - cues[i - 1].end >= PARAGRAPH_PAUSE else " "
            parts.append(separator)
            length += len(separator)
            if separator == "\n\n":
                paragraphs.append(length)
        offsets.append(length)
        parts.append(cue.text)
        length += len(cue.text)
    return "".join(parts), offsets, paragraphs


def without_repeated_label(sentence: str) -> str:
    """A sentence of a labelled transcript as it is embedded: its speaker's label kept where it opens the
    sentence and dropped where a later cue repeats it ("Ansgar Dietrichs: … looking forward to Ansgar
    Dietrichs: Hegota …" reads "… looking forward to Hegota …"). The quote keeps every label."""
    match = _opening_label(sentence)
    if match is None:
        return sentence
    repeated = re.compile(rf"\s{re.escape(match['name'])}(?::[ \t]|：)")
    return sentence[: match.end()] + repeated.sub(" ", sentence[match.end() :])


def _cue_pieces(text: str, s: int, e: int, offsets: list[int]) -> list[tuple[int, int]]:
    """A span of spoken text, cut at the cue starts inside it when it runs on for UNPUNCTUATED
    characters per clause: captions without punctuation (common in Chinese, and in automatic
    captions) are quoted a cue at a time, each with its own time, instead of as minutes of run-on
    text. A long sentence with commas stays whole."""
    if (e - s) / (len(_CLAUSE_MARK.findall(text, s, e)) + 1) <= UNPUNCTUATED:
        return [(s, e)]
    cuts = [o for o in offsets if s < o < e]
    return [(a, b) for a, b in itertools.pairwise([s, *cuts, e])]


def transcript_sentences(cues: list[Cue], source: int) -> tuple[str, list[Sentence]]:
    """The spoken text and its sentences, each timed by the cue where it begins."""
    text, offsets, paragraphs = spoken_text(cues)
    sentences = []
    for block, (start, end) in enumerate(itertools.pairwise([*paragraphs, len(text)])):
        paragraph = text[start:end].rstrip("\n")
        for s, e in split_spans(paragraph):
            for a, b in _cue_pieces(text, start + s, start + e, offsets):
                b = a + len(text[a:b].rstrip())  # the space before the next cue is not quoted
                cue = bisect.bisect_right(offsets, a) - 1
                sentences.append(Sentence(source, a, b, block, "", int(cues[cue].start)))
    return text, sentences

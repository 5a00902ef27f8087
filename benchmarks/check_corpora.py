"""Check the evaluation corpora under benchmarks/corpora/ against their own files.

For every folder with a questions.jsonl (rows `id`, `lang`, `question`, `gold`, `file`, `time`,
optionally `absent` and `absent_in`):
* the first gold string occurs byte for byte in `file`; each further gold string (an alternative)
  occurs byte for byte in `file` or in another file of the corpus that states the same answer;
* in a transcript (.vtt/.srt) `file`, each gold found in `file` lies inside one cue and `time` is the
  start (HH:MM:SS) of a cue holding it; when `file` is not a transcript, `time` is null;
* a trap (empty `gold`) has `file` and `time` null, and its `absent` pattern (a regex for words that
  would answer it; `(?i)` for any case), when given, occurs in none of the corpus's files (or of the
  files listed in `absent_in`);
* ids are unique and start with the folder's name.
Prints the counts per corpus and language; exit status 0 when everything passes.

    python benchmarks/check_corpora.py [NAME ...]
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent / "corpora"
TRANSCRIPTS = (".vtt", ".srt")


def cue_start_hms(stamp: str) -> str:
    """'00:01:02.345', '0:01:02,345' or '01:02.345' -> '00:01:02'."""
    parts = stamp.strip().split()[0].replace(",", ".").split(":")
    if len(parts) == 2:
        h, m, s = 0, int(parts[0]), float(parts[1])
    elif len(parts) == 3:
        h, m, s = int(parts[0]), int(parts[1]), float(parts[2])
    else:
        raise ValueError(f"bad timestamp {stamp!r}")
    return f"{h:02d}:{m:02d}:{int(s):02d}"


def parse_cues(text: str) -> list[tuple[str, str]]:
    """[(start 'HH:MM:SS', cue text)] of a WebVTT or SubRip file, read independently of the engine."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    cues = []
    for block in re.split(r"\n[ \t]*\n", text):
        lines = block.strip("\n").split("\n")
        for i, line in enumerate(lines):
            if "-->" in line:
                cues.append((cue_start_hms(line.split("-->")[0]), "\n".join(lines[i + 1 :])))
                break
    return cues


def check(folder: Path) -> list[str]:
    """The problems of one corpus folder (empty when it passes); prints its counts."""
    problems: list[str] = []
    files = {p.name: p.read_bytes() for p in folder.iterdir()
             if p.is_file() and p.name != "questions.jsonl" and not p.name.startswith(".")}
    texts = {name: raw.decode("utf-8", errors="replace") for name, raw in files.items()}
    cues = {name: parse_cues(text) for name, text in texts.items() if name.endswith(TRANSCRIPTS)}
    rows = [json.loads(line) for line in (folder / "questions.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]
    ids = [row["id"] for row in rows]
    if len(set(ids)) != len(ids):
        problems.append("duplicate ids")
    for row in rows:
        qid = row["id"]
        if not qid.startswith(folder.name + "-"):
            problems.append(f"{qid}: id does not start with {folder.name}-")
        if row["lang"] not in ("en", "zh") or not row["question"].strip():
            problems.append(f"{qid}: bad lang or empty question")
        if not row["gold"]:
            if row.get("file") is not None or row.get("time") is not None:
                problems.append(f"{qid}: a trap has file and time null")
            pattern = row.get("absent")
            if pattern:
                scope = row.get("absent_in") or list(texts)
                found = [(name, m.group(0)) for name in scope for m in re.finditer(pattern, texts[name])]
                if found:
                    problems.append(f"{qid}: trap's answer words present: {found[:3]}")
            continue
        name = row["file"]
        if name not in files:
            problems.append(f"{qid}: file {name!r} not in the corpus")
            continue
        if name not in cues and row.get("time") is not None:
            problems.append(f"{qid}: time must be null for {name}")
        for k, gold in enumerate(row["gold"]):
            if gold.encode("utf-8") not in files[name]:
                if k == 0:
                    problems.append(f"{qid}: first gold {gold!r} not found in {name}")
                elif not any(gold.encode("utf-8") in raw for raw in files.values()):
                    problems.append(f"{qid}: gold {gold!r} not found in any file of the corpus")
            elif name in cues:
                starts = [start for start, text in cues[name] if gold in text]
                if not starts:
                    problems.append(f"{qid}: gold {gold!r} is not inside one cue")
                elif row.get("time") not in starts:
                    problems.append(f"{qid}: time {row.get('time')} is not a cue start holding {gold!r} ({starts})")
    answerable = [row for row in rows if row["gold"]]
    counts = {lang: sum(row["lang"] == lang for row in answerable) for lang in ("en", "zh")}
    sentences = sum(len(text) for text in texts.values())
    print(f"{folder.name:16} answerable en {counts['en']:3} zh {counts['zh']:3}  traps {len(rows) - len(answerable):3}"
          f"  files {len(files)}  characters {sentences:,}  {'ok' if not problems else 'FAIL'}")
    return problems


def main(names: list[str]) -> int:
    folders = sorted(p.parent for p in ROOT.glob("*/questions.jsonl") if not names or p.parent.name in names)
    failed = False
    for folder in folders:
        for problem in check(folder):
            failed = True
            print("  FAIL", problem)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

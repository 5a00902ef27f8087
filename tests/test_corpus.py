"""index/corpus.py: files added to and removed from the corpus folder from outside it. A refused
file changes nothing; a change can be kept or undone."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from speech import Line, speak, video_without_sound

from index import corpus
from index.corpus import SourceRefused
from index.ingest.manifest import load_manifest

NOTES = "Harbour notes\n\nThe pier is four hundred metres long.\n"
MANIFEST = '# Metadata, one table per file.\n\n[[source]]\nfile = "a.txt"\ntitle = "Alpha"  # as it says\n'


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "a.txt").write_text("Alpha\n\nThe ferry leaves at seven.\n", encoding="utf-8")
    (folder / "sources.toml").write_text(MANIFEST, encoding="utf-8")
    return folder


def upload(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / "upload" / name
    path.parent.mkdir(exist_ok=True)
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("name", ["../evil.txt", "..", "a/b.txt", "..\\x.txt", "C:x.txt", "/etc/passwd.txt"])
def test_a_name_that_would_escape_the_folder_is_refused(name: str) -> None:
    with pytest.raises(SourceRefused, match="would escape the corpus folder"):
        corpus.safe_name(name)


@pytest.mark.parametrize(("name", "why"), [(".hidden.txt", "hidden"), ("bad\x07.txt", "control characters"),
                                           ("", "no name"), ("sources.toml", "metadata"),
                                           ("x" * 250 + ".txt", "too long")])
def test_hidden_odd_and_reserved_names_are_refused(name: str, why: str) -> None:
    with pytest.raises(SourceRefused, match=why):
        corpus.safe_name(name)


def test_plain_names_are_kept() -> None:
    assert corpus.safe_name(" Talk notes (2026).md ") == "Talk notes (2026).md"
    assert corpus.safe_name("会议记录.txt") == "会议记录.txt"


@pytest.mark.parametrize(("name", "kind"), [("a.txt", "text"), ("b.md", "Markdown"), ("c.vtt", "transcript"),
                                            ("d.srt", "transcript"), ("e.json", "transcript"),
                                            ("f.flac", "recording"), ("g.ogg", "recording"), ("h.MKV", "recording")])
def test_kinds_of_file(name: str, kind: str) -> None:
    assert corpus.kind_of(name) == kind


@pytest.mark.parametrize("name", ["slides.pdf", "sheet.xlsx", "README", "photo.png"])
def test_an_unsupported_type_is_refused(name: str) -> None:
    with pytest.raises(SourceRefused, match="not a type the bot reads"):
        corpus.kind_of(name)


def test_metadata_is_checked() -> None:
    assert corpus.metadata(" Title ", "https://x.org/a", None, "zh") == {"title": "Title", "url": "https://x.org/a",
                                                                         "language": "zh"}
    with pytest.raises(SourceRefused, match="url must be a web address"):
        corpus.metadata(url="javascript:alert(1)")
    with pytest.raises(SourceRefused, match="language must be"):
        corpus.metadata(language="klingon")


@pytest.mark.parametrize(("name", "data", "why"), [
    ("empty.txt", b"", "is empty"),
    ("blank.md", b"  \n\n", "empty file"),
    ("latin1.txt", "Caf\xe9 au lait.\n".encode("latin-1"), "not UTF-8"),
    ("binary.txt", b"\x00\x01\x02 binary", "binary"),
    ("headings.md", b"# Only a title\n", "no quotable text"),
    ("broken.vtt", b"WEBVTT\n\nnot a cue\n", "no cues"),
    ("noise.mp3", b"not audio at all\n" * 300, "cannot decode"),
])
def test_an_empty_or_undecodable_file_is_refused(tmp_path: Path, name: str, data: bytes, why: str) -> None:
    with pytest.raises(SourceRefused, match=why):
        corpus.check_content(upload(tmp_path, name, data), max_mb=25)


def test_a_recording_without_a_sound_track_is_refused(tmp_path: Path) -> None:
    path = video_without_sound(tmp_path / "silent.mp4")
    with pytest.raises(SourceRefused, match="no sound track"):
        corpus.check_content(path, max_mb=25)


def test_a_file_over_the_size_limit_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SourceRefused, match=r"is 2\.0 MB; the limit is 1 MB"):
        corpus.check_content(upload(tmp_path, "big.txt", "The sea is wide.\n" * 123_362), max_mb=1)
    with pytest.raises(SourceRefused, match="the limit is 25 MB"):
        corpus.check_size("huge.mkv", 26 * 1024 * 1024, 25)


def test_a_recording_is_decoded_when_checked(tmp_path: Path) -> None:
    wav = tmp_path / "upload" / "clip.wav"
    wav.parent.mkdir()
    speak([Line(1.0, "The pier is long.")], wav)
    checked = corpus.check_content(wav, max_mb=25)
    assert checked.kind == "recording" and checked.detail.endswith("of sound")


def test_a_file_is_placed_with_its_metadata_and_the_rest_of_sources_toml_kept(folder: Path, tmp_path: Path) -> None:
    checked = corpus.check_content(upload(tmp_path, "harbour.txt", NOTES), max_mb=25)
    assert checked.detail == "1 sentence"
    change = corpus.place(folder, checked, corpus.metadata(title="Harbour", url="https://example.org/h"))
    assert change.action == "add" and (folder / "harbour.txt").read_text(encoding="utf-8") == NOTES
    text = (folder / "sources.toml").read_text(encoding="utf-8")
    assert text.startswith(MANIFEST)  # comments and the other entries as they were
    assert tomllib.loads(text)["source"][1] == {"file": "harbour.txt", "title": "Harbour",
                                                "url": "https://example.org/h"}
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]  # no partial files left
    corpus.keep(change)


def test_a_name_already_there_is_replaced_only_when_asked(folder: Path, tmp_path: Path) -> None:
    checked = corpus.check_content(upload(tmp_path, "a.txt", NOTES), max_mb=25)
    before = snapshot(folder)
    with pytest.raises(SourceRefused, match="already there; add it with replace: True"):
        corpus.place(folder, checked, {})
    assert snapshot(folder) == before
    change = corpus.place(folder, checked, {"url": "https://example.org/a"}, replace=True)
    assert change.action == "replace" and (folder / "a.txt").read_text(encoding="utf-8") == NOTES
    assert load_manifest(folder)["a.txt"] == {"file": "a.txt", "title": "Alpha", "url": "https://example.org/a"}
    corpus.undo(folder, change)  # the rebuild failed: the folder is as it was
    assert snapshot(folder)["a.txt"] == before["a.txt"] and load_manifest(folder)["a.txt"] == {"file": "a.txt",
                                                                                              "title": "Alpha"}
    assert sorted(snapshot(folder)) == sorted(before)


def test_a_copy_of_a_source_is_refused_whatever_its_name(folder: Path, tmp_path: Path) -> None:
    same = (folder / "a.txt").read_bytes()
    checked = corpus.check_content(upload(tmp_path, "copy.txt", same), max_mb=25)
    with pytest.raises(SourceRefused, match=r"same content \(sha256 [0-9a-f]{12}…\) as the source a\.txt"):
        corpus.place(folder, checked, {})
    checked = corpus.check_content(upload(tmp_path, "a.txt", same), max_mb=25)
    with pytest.raises(SourceRefused, match="same content"):
        corpus.place(folder, checked, {}, replace=True)


def test_an_added_file_is_undone_without_a_trace(folder: Path, tmp_path: Path) -> None:
    before = snapshot(folder)
    change = corpus.place(folder, corpus.check_content(upload(tmp_path, "h.md", "# H\n\nThe pier is long.\n"), 25),
                          {"title": "H"})
    corpus.undo(folder, change)
    assert snapshot(folder) == before


def test_a_source_is_removed_with_its_entry_and_can_be_put_back(folder: Path, tmp_path: Path) -> None:
    (folder / "b.txt").write_text(NOTES, encoding="utf-8")
    before = snapshot(folder)
    change = corpus.remove(folder, "a.txt")
    assert not (folder / "a.txt").exists() and "a.txt" not in load_manifest(folder)
    assert (folder / "sources.toml").read_text(encoding="utf-8").startswith("# Metadata, one table per file.")
    corpus.undo(folder, change)
    assert snapshot(folder) == {**before, "sources.toml": snapshot(folder)["sources.toml"]}
    assert load_manifest(folder)["a.txt"]["title"] == "Alpha"
    change = corpus.remove(folder, "a.txt")
    corpus.keep(change)
    assert sorted(snapshot(folder)) == ["b.txt", "sources.toml"]


@pytest.mark.parametrize(("name", "why"), [("missing.txt", "no source named missing.txt"),
                                           ("../a.txt", "would escape"), ("sources.toml", "metadata")])
def test_removing_what_is_not_a_source_is_refused(folder: Path, name: str, why: str) -> None:
    (folder / "b.txt").write_text(NOTES, encoding="utf-8")
    before = snapshot(folder)
    with pytest.raises(SourceRefused, match=why):
        corpus.remove(folder, name)
    assert snapshot(folder) == before


def test_the_last_source_is_not_removed(folder: Path) -> None:
    with pytest.raises(SourceRefused, match="the only source"):
        corpus.remove(folder, "a.txt")
    assert (folder / "a.txt").is_file()


def test_a_file_that_cannot_be_saved_leaves_the_folder_as_it_was(folder: Path, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    def disk_full(*args: object) -> None:
        raise OSError(28, "No space left on device")

    before = snapshot(folder)
    checked = corpus.check_content(upload(tmp_path, "a.txt", NOTES), max_mb=25)
    monkeypatch.setattr(corpus.shutil, "copyfile", disk_full)
    with pytest.raises(SourceRefused, match=r"a\.txt could not be saved in the corpus folder \(No space left"):
        corpus.place(folder, checked, {"title": "New"}, replace=True)
    assert snapshot(folder) == before


# ---- per-server limits ---------------------------------------------------------------------------


def test_each_limit_refuses_with_the_reason_and_a_replacement_counts_once(tmp_path: Path) -> None:
    Checked, Limits, check_limits = corpus.Checked, corpus.Limits, corpus.check_limits
    folder = tmp_path / "collection"
    folder.mkdir()
    (folder / "a.md").write_text("# A\n\nSome notes.\n", encoding="utf-8")
    (folder / ".recording-lengths.json").write_text("{}", encoding="utf-8")
    small = Checked("b.md", tmp_path / "b.md", "Markdown", "0" * 64, 1000, "1 sentence")
    check_limits(folder, small, False, Limits(sources=2, megabytes=1, recording_minutes=0))
    with pytest.raises(SourceRefused, match=r"already has 1 sources; the limit is 1 \(QUOTEBOT_SERVER_MAX_SOURCES\)"):
        check_limits(folder, small, False, Limits(sources=1, megabytes=1, recording_minutes=0))
    replacing = Checked("a.md", tmp_path / "a.md", "Markdown", "0" * 64, 1000, "1 sentence")
    check_limits(folder, replacing, True, Limits(sources=1, megabytes=1, recording_minutes=0))  # a replacement
    big = Checked("big.md", tmp_path / "big.md", "Markdown", "0" * 64, 3 * 1024 * 1024, "9 sentences")
    with pytest.raises(SourceRefused, match=r"would take 3.0 MB; the limit is 2 MB \(QUOTEBOT_SERVER_MAX_MB\)"):
        check_limits(folder, big, False, Limits(sources=9, megabytes=2, recording_minutes=0))
    talk = Checked("talk.mp3", tmp_path / "talk.mp3", "recording", "0" * 64, 1000, "31:00 of sound", 31 * 60.0)
    with pytest.raises(SourceRefused, match=r"recordings would last 31 minutes; the limit is 30"):
        check_limits(folder, talk, False, Limits(sources=9, megabytes=9, recording_minutes=30))
    check_limits(folder, talk, False, Limits(sources=9, megabytes=9, recording_minutes=31))
    assert sorted(p.name for p in folder.iterdir()) == [".recording-lengths.json", "a.md"]  # nothing changed

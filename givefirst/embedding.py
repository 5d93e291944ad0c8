"""Sentence embeddings for matching, computed on this machine.

The default model is all-MiniLM-L6-v2 (Apache-2.0) as an ONNX file with int8 weights and
int8 matrix products, shipped inside givefirst (``givefirst/model``, 23 MB) and checked
against its known hash before it runs; its WordPiece vocabulary ships with givefirst
too (``bot/skills/wordpieces.txt``). Nothing is ever downloaded.
``GIVEFIRST_EMBEDDING_MODEL`` points at an operator's own ONNX sentence model instead
(a BERT-style model taking ``input_ids``, ``attention_mask`` and optionally
``token_type_ids``, returning ``last_hidden_state`` or ``sentence_embedding``; a
``vocab.txt`` beside it replaces ours).

Texts become the model's WordPiece ids in ``givefirst.wordpieces`` (BERT's uncased
tokenizer). Inference runs on one worker thread of its own, so the event loop that
acknowledges the platforms never waits for it (onnxruntime releases the GIL; the
tokenizer holds it about 10 µs for an ask, 1 ms for 10,000 characters).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from givefirst.wordpieces import WordPieces

log = logging.getLogger(__name__)

DEFAULT_MODEL_FILE = "all-MiniLM-L6-v2-int8.onnx"
DEFAULT_MODEL_SHA256 = "e940eb69b5196e6444ce4f7215de6619ced1d5227dbf16226f1650c21907ec8c"
DEFAULT_MODEL_ID = "all-MiniLM-L6-v2/int8-dynamic"
"""The id stored with every vector: vectors of another id are made again."""
MAX_TOKENS = 256
"""The longest input the model was trained on; longer texts are truncated."""
BATCH = 32
"""Texts encoded together when many are waiting (a backfill or an import)."""
TOKEN_BUDGET = 1024
"""Word pieces in one batch, padding included, at most: the model's working memory
grows with the batch times the square of its longest text. 32 texts of 256 pieces took
a process encoding long bios to 1.3 GB; with this budget it peaked at 0.33 GB, and
encoded as fast (see ``docs/benchmarks.md``)."""


class EmbeddingUnavailable(Exception):
    """The model cannot be loaded: the reason says what to do."""


@dataclass(frozen=True)
class ModelFiles:
    path: Path
    vocabulary: Path
    model_id: str


class OnnxTextEncoder:
    """Encodes texts into unit-length vectors with an ONNX sentence model."""

    def __init__(self, files: ModelFiles, *, threads: int = 1) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.enable_cpu_mem_arena = False  # memory goes back once a big batch is done
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self._session = ort.InferenceSession(
            str(files.path), sess_options=options, providers=["CPUExecutionProvider"]
        )
        inputs = {i.name for i in self._session.get_inputs()}
        self._token_types = "token_type_ids" in inputs
        outputs = [o.name for o in self._session.get_outputs()]
        self._pooled = "sentence_embedding" in outputs
        self._output = "sentence_embedding" if self._pooled else outputs[0]
        self._pieces = WordPieces.from_file(files.vocabulary, longest=MAX_TOKENS)
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="givefirst-embed")
        self.model_id = files.model_id
        self.dimensions = int(self.encode_now(["givefirst"]).shape[1])

    async def encode(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Unit vectors for the texts, one row each, computed off the event loop."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._worker, self.encode_now, list(texts))

    def encode_now(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """:meth:`encode`, in the calling thread."""
        if not texts:
            return np.zeros((0, getattr(self, "dimensions", 0)), dtype=np.float32)
        pieces = [self._pieces.ids(text) for text in texts]
        # Similar lengths together, so little padding is computed; long texts in
        # smaller batches (see TOKEN_BUDGET).
        order = sorted(range(len(texts)), key=lambda i: len(pieces[i]))
        rows: list[npt.NDArray[np.float32]] = [np.empty(0, np.float32)] * len(texts)
        start = 0
        while start < len(order):
            size = 1
            while (
                size < BATCH
                and start + size < len(order)
                and (size + 1) * len(pieces[order[start + size]]) <= TOKEN_BUDGET
            ):
                size += 1
            chunk = order[start : start + size]
            for i, vector in zip(chunk, self._batch([pieces[i] for i in chunk]), strict=True):
                rows[i] = vector
            start += size
        return np.vstack(rows).astype(np.float32)

    def close(self) -> None:
        self._worker.shutdown(wait=False, cancel_futures=True)

    def _batch(self, encoded: list[list[int]]) -> npt.NDArray[np.float32]:
        longest = max(map(len, encoded))
        ids = np.zeros((len(encoded), longest), dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, pieces in enumerate(encoded):
            ids[row, : len(pieces)] = pieces
            mask[row, : len(pieces)] = 1
        feed: dict[str, Any] = {"input_ids": ids, "attention_mask": mask}
        if self._token_types:
            feed["token_type_ids"] = np.zeros_like(ids)
        output = self._session.run([self._output], feed)[0]
        if self._pooled:
            vectors = output
        else:
            weights = mask[..., None].astype(np.float32)
            vectors = (output * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        result: npt.NDArray[np.float32] = (vectors / np.clip(norms, 1e-12, None)).astype(np.float32)
        return result


def model_files(custom: str | None = None) -> ModelFiles:
    """Where the model and its vocabulary are: the operator's, or the shipped one."""
    ours = Path(str(resources.files("bot.skills").joinpath("wordpieces.txt")))
    if custom:
        path = Path(custom).expanduser()
        if not path.is_file():
            raise EmbeddingUnavailable(
                f"GIVEFIRST_EMBEDDING_MODEL points at {path}, which is not a file."
            )
        beside = path.with_name("vocab.txt")
        digest = sha256_of(path)
        return ModelFiles(path, beside if beside.is_file() else ours, f"custom:{digest[:16]}")
    path = Path(str(resources.files("givefirst.model").joinpath(DEFAULT_MODEL_FILE)))
    if not path.is_file():
        raise EmbeddingUnavailable(
            f"the embedding model is missing ({path}): reinstall givefirst, "
            "or set GIVEFIRST_MATCHING=lexical"
        )
    if sha256_of(path) != DEFAULT_MODEL_SHA256:
        raise EmbeddingUnavailable(
            f"{path} is not the model givefirst was built for (its hash differs): "
            "reinstall givefirst, or set GIVEFIRST_MATCHING=lexical"
        )
    return ModelFiles(path, ours, DEFAULT_MODEL_ID)


def load_encoder(custom: str | None = None) -> OnnxTextEncoder:
    """The sentence model, loaded and checked; raises :class:`EmbeddingUnavailable`."""
    try:
        return OnnxTextEncoder(model_files(custom))
    except EmbeddingUnavailable:
        raise
    except ImportError as error:
        raise EmbeddingUnavailable(
            f"{error.name} is not installed: reinstall givefirst with its dependencies, "
            "or set GIVEFIRST_MATCHING=lexical"
        ) from None
    except Exception as error:  # onnxruntime refuses a file it cannot run
        raise EmbeddingUnavailable(f"the embedding model could not be loaded: {error}") from None


def sha256_of(path: Path) -> str:
    """A file's SHA-256, read a megabyte at a time."""
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()

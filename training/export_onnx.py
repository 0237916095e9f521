"""Ship an ONNX file beside a trained model, so the app starts it without importing TensorFlow.

    python -m training.export_onnx --model models/scratch_cnn.keras

Exports the shipped .keras file (as the app would load it) with tf2onnx, checks
that ONNX Runtime reproduces Keras's outputs, and records the file, the .keras
file's digest and the measured difference in the card (``onnx``). The app uses
the ONNX file only while that digest matches. ``training.train`` runs this at
the end of every run. For models stored with float16 weights (``--float16``)
the ONNX file stores its weights as float16 too, each followed by a Cast that
ONNX Runtime folds into a float32 constant when it loads the file: half the
size, the same speed. tf2onnx folds BatchNorm into the convolutions, so those
weights are rounded once more; the parity check (``FLOAT16_PARITY``) bounds
what that changes. Files above ``MAX_MB`` are not shipped (the app then
exports once on first load and caches the result, which costs a fresh machine
~40 s and, for a ResNet50V2, the window several GB of memory).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

MAX_MB = 50.0  # keep the repository's model files well under GitHub's 100 MB
# Largest output difference allowed for float16-stored weights. The ResNet50V2 of 2026-11-23: 7.1e-5 on
# the parity batch; on PrivateTest at most 6e-4, 1 of 3,589 answers changed, the same accuracy.
FLOAT16_PARITY = 1e-3


def ship_onnx(model_path: Path, card: dict) -> dict:
    """Write ``<model>.onnx`` beside ``model_path`` and its record into ``card`` (in place)."""
    import keras
    import onnxruntime
    import tf2onnx

    from emotion_desktop.backends.runners import PARITY_TOLERANCE, OnnxRunner, check_parity, export_onnx, file_digest

    model = keras.models.load_model(model_path, compile=False)  # exactly what ships
    target = model_path.with_suffix(".onnx")
    export_onnx(model, target)
    halved = store_weights_as_float16(target) if card.get("weights_dtype") == "float16" else 0
    tolerance = FLOAT16_PARITY if halved else PARITY_TOLERANCE
    size_mb = target.stat().st_size / 1e6
    difference = check_parity(model, OnnxRunner(target), model.input_shape[1:])
    if difference > tolerance or size_mb > MAX_MB:
        target.unlink()
        card.pop("onnx", None)
        why = f"differs from Keras by {difference:.2g}" if difference > tolerance else f"is {size_mb:.0f} MB"
        print(f"not shipping {target.name}: it {why}; the app will export and cache it on first load")
        return card
    card["onnx"] = {"file": target.name, "keras_digest": file_digest(model_path), "size_mb": round(size_mb, 2),
                    "parity_max_abs": float(f"{difference:.3g}"), "float16_weights": halved,
                    "exported_with": f"tf2onnx {tf2onnx.__version__}, opset 17; checked with ONNX Runtime "
                                     f"{onnxruntime.__version__}"}
    print(f"wrote {target} ({size_mb:.1f} MB; largest difference from Keras {difference:.2g})")
    return card


def store_weights_as_float16(path: Path, min_values: int = 1024) -> int:
    """Store the float32 weights of ``path`` with at least ``min_values`` values as float16, each
    followed by a Cast back to float32. Returns how many weights were rewritten."""
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    model = onnx.load(str(path))
    graph = model.graph
    kept, casts = [], []
    for initializer in graph.initializer:
        values = numpy_helper.to_array(initializer)
        if values.dtype != np.float32 or values.size < min_values:
            kept.append(initializer)
            continue
        stored = initializer.name + "__float16"
        kept.append(numpy_helper.from_array(values.astype(np.float16), stored))
        casts.append(helper.make_node("Cast", [stored], [initializer.name], to=TensorProto.FLOAT))
    if casts:
        del graph.initializer[:]
        graph.initializer.extend(kept)
        nodes = casts + list(graph.node)  # the Casts first keeps the node list topologically sorted
        del graph.node[:]
        graph.node.extend(nodes)
        onnx.checker.check_model(model)
        onnx.save(model, str(path))
    return len(casts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, type=Path, help="a .keras model with its .json card beside it")
    args = parser.parse_args(argv)
    from emotion_desktop.model_card import save_card

    card_path = args.model.with_suffix(".json")
    card = ship_onnx(args.model, json.loads(card_path.read_text()))
    save_card(card_path, card)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Ship an ONNX file beside a trained model, so the app starts it without importing TensorFlow.

    python -m training.export_onnx --model models/scratch_cnn.keras

Exports the shipped .keras file (as the app would load it) with tf2onnx, checks
that ONNX Runtime reproduces Keras's outputs, and records the file, the .keras
file's digest and the measured difference in the card (``onnx``). The app uses
the ONNX file only while that digest matches. ``training.train`` runs this at
the end of every run. Files above ``MAX_MB`` are not shipped (the app then
exports once on first load and caches the result).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

MAX_MB = 50.0  # keep the repository's model files well under GitHub's 100 MB


def ship_onnx(model_path: Path, card: dict) -> dict:
    """Write ``<model>.onnx`` beside ``model_path`` and its record into ``card`` (in place)."""
    import keras
    import onnxruntime
    import tf2onnx

    from emotion_desktop.backends.runners import PARITY_TOLERANCE, OnnxRunner, check_parity, export_onnx, file_digest

    model = keras.models.load_model(model_path, compile=False)  # exactly what ships
    target = model_path.with_suffix(".onnx")
    export_onnx(model, target)
    size_mb = target.stat().st_size / 1e6
    difference = check_parity(model, OnnxRunner(target), model.input_shape[1:])
    if difference > PARITY_TOLERANCE or size_mb > MAX_MB:
        target.unlink()
        card.pop("onnx", None)
        why = f"differs from Keras by {difference:.2g}" if difference > PARITY_TOLERANCE else f"is {size_mb:.0f} MB"
        print(f"not shipping {target.name}: it {why}; the app will export and cache it on first load")
        return card
    card["onnx"] = {"file": target.name, "keras_digest": file_digest(model_path), "size_mb": round(size_mb, 2),
                    "parity_max_abs": float(f"{difference:.3g}"),
                    "exported_with": f"tf2onnx {tf2onnx.__version__}, opset 17; checked with ONNX Runtime "
                                     f"{onnxruntime.__version__}"}
    print(f"wrote {target} ({size_mb:.1f} MB; largest difference from Keras {difference:.2g})")
    return card


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

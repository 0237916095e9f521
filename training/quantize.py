"""An int8 copy of a shipped model's ONNX file: static quantisation calibrated on FER2013 training faces.

    python -m training.quantize --model models/scratch_cnn.keras --data ../shared/fer2013

ONNX Runtime's static QDQ quantisation (weights int8 per channel, activations uint8), calibrated with
MinMax on ``--calibration`` training faces. The first convolution and the last layer stay float: with
them quantised the scratch CNN lost 1.4 points on PublicTest, without 0 (its input is the raw pixels,
its output the logits the calibration temperature scales). Both files are scored on PublicTest and
PrivateTest; the int8 file is written beside the float one and recorded in the card (``int8``) only
if it loses at most ``MAX_LOSS`` on each split. The app runs it where it is faster on the CPU at hand
(``emotion_desktop/backends/int8_choice.py``).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

MAX_LOSS = 0.003  # accuracy points (as a fraction) the int8 file may lose on PublicTest or PrivateTest


def float_nodes(model_path: Path) -> list[str]:
    """The nodes kept float: the first convolution and the last Gemm/MatMul."""
    import onnx

    nodes = onnx.load(str(model_path)).graph.node
    first = next(n.name for n in nodes if n.op_type == "Conv")
    last = next(n.name for n in reversed(nodes) if n.op_type in ("Gemm", "MatMul"))
    return [first, last]


def quantise(float_onnx: Path, target: Path, faces: np.ndarray, normalisation: str) -> list[str]:
    """Write the int8 model of ``float_onnx`` to ``target``; returns the nodes kept float."""
    from onnxruntime.quantization import (
        CalibrationDataReader,
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quantize_static,
    )
    from onnxruntime.quantization.shape_inference import quant_pre_process

    from emotion_desktop.preprocessing import normalise

    batches = [normalise(faces[i:i + 64, ..., None].astype(np.float32), normalisation)
               for i in range(0, len(faces) - 63, 64)]

    class Faces(CalibrationDataReader):
        def __init__(self, name):
            self.feeds = iter({name: batch} for batch in batches)

        def get_next(self):
            return next(self.feeds, None)

    import onnxruntime as ort

    input_name = ort.InferenceSession(str(float_onnx), providers=["CPUExecutionProvider"]).get_inputs()[0].name
    with tempfile.TemporaryDirectory() as tmp:
        prepared = Path(tmp) / "prepared.onnx"
        quant_pre_process(str(float_onnx), str(prepared), skip_symbolic_shape=True)
        kept = float_nodes(prepared)
        quantize_static(str(prepared), str(target), Faces(input_name), quant_format=QuantFormat.QDQ, per_channel=True,
                        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                        calibrate_method=CalibrationMethod.MinMax, nodes_to_exclude=kept)
    return kept


def answers(onnx_file: Path, card, faces: np.ndarray) -> np.ndarray:
    from emotion_desktop.backends.runners import OnnxRunner
    from emotion_desktop.preprocessing import normalise

    run = OnnxRunner(onnx_file)
    batches = [run(normalise(faces[i:i + 256, ..., None].astype(np.float32), card.normalisation))
               for i in range(0, len(faces), 256)]
    return card.to_emotions_order(np.concatenate(batches))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, type=Path, help="a shipped .keras model with its card and ONNX file")
    parser.add_argument("--data", required=True, type=Path, help="FER2013 folder (Kaggle layout) or fer2013.csv")
    parser.add_argument("--calibration", type=int, default=1500, help="training faces to calibrate on")
    args = parser.parse_args(argv)
    from emotion_desktop.backends.own_model import shipped_onnx
    from emotion_desktop.backends.runners import file_digest
    from emotion_desktop.model_card import load_card, save_card
    from training.data import load_fer2013

    card_path = args.model.with_suffix(".json")
    card = load_card(card_path)
    float_onnx = shipped_onnx(args.model, card.data)
    if float_onnx is None:
        print(f"error: {args.model} has no shipped ONNX file; run python -m training.export_onnx first",
              file=sys.stderr)
        return 2
    splits = load_fer2013(args.data)
    target = float_onnx.with_suffix(".int8.onnx")
    kept = quantise(float_onnx, target, splits["Training"].subset(args.calibration, seed=1).images, card.normalisation)
    record = {"file": target.name, "float_onnx_digest": file_digest(float_onnx),
              "calibration": f"MinMax on {args.calibration} FER2013 training faces", "kept_float": kept}
    for split in ("PublicTest", "PrivateTest"):
        data = splits[split]
        reference, quantised = (answers(path, card, data.images).argmax(1) for path in (float_onnx, target))
        record[split] = {"float_accuracy": round(float(np.mean(reference == data.labels)), 4),
                         "int8_accuracy": round(float(np.mean(quantised == data.labels)), 4),
                         "answers_changed": int(np.sum(reference != quantised))}
        print(f"{split}: float {record[split]['float_accuracy']:.2%}, int8 {record[split]['int8_accuracy']:.2%}, "
              f"{record[split]['answers_changed']} of {len(data)} answers changed")
    loss = max(record[s]["float_accuracy"] - record[s]["int8_accuracy"] for s in ("PublicTest", "PrivateTest"))
    if loss > MAX_LOSS:
        target.unlink()
        print(f"not shipping {target.name}: it loses {loss:.2%}", file=sys.stderr)
        return 1
    data = json.loads(card_path.read_text())
    data["int8"] = record
    save_card(card_path, data)
    print(f"wrote {target} ({target.stat().st_size / 1e6:.1f} MB) and its record in {card_path.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

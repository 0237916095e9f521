"""Test-time augmentation: accuracy and cost of each mode, through the app's own backends.

    python -m benchmarks.tta --data ../shared/fer2013 [--model scratch_cnn] [--split PublicTest]

Feeds FER2013 faces to the backend as face crops (as ``training.compare`` does),
with ``none``, ``flip`` and ``tencrop``, and prints accuracy, macro-F1 and the
per-face cost at batch 1 (what a still image pays).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from emotion_desktop.backends import backend_names, load_backend
from emotion_desktop.tta import TTA_MODES, predict_with_tta
from training.data import load_fer2013
from training.metrics import summarise

BATCH = 256


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, type=Path)
    parser.add_argument("--model", default="scratch_cnn", choices=backend_names())
    parser.add_argument("--split", default="PublicTest", choices=("PublicTest", "PrivateTest"))
    parser.add_argument("--models-dir", type=Path)
    args = parser.parse_args(argv)
    backend = load_backend(args.model, args.models_dir)
    if not backend.available:
        print(f"error: {backend.unavailable_reason}", file=sys.stderr)
        return 2
    split = load_fer2013(args.data)[args.split]
    faces = list(split.images)
    print(f"{backend.display_name} on FER2013 {args.split} ({len(faces)} faces), {backend.runtime}")
    for mode in TTA_MODES:
        probabilities = np.concatenate([predict_with_tta(backend, faces[i:i + BATCH], mode)
                                        for i in range(0, len(faces), BATCH)])
        summary = summarise(split.labels, probabilities)
        for _ in range(5):
            predict_with_tta(backend, faces[:1], mode)
        times = []
        for face in faces[:100]:
            started = time.perf_counter()
            predict_with_tta(backend, [face], mode)
            times.append(time.perf_counter() - started)
        print(f"  {mode:<8} accuracy {summary['accuracy']:.2%}  macro-F1 {summary['macro_f1']:.3f}  "
              f"{np.median(times) * 1000:.2f} ms/face at batch 1", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Risk-coverage: how accurate the answered faces are when unsure answers are withheld, and how many
faces are still answered. The thresholds of ``emotion_desktop/quality.py`` are chosen here.

    python -m benchmarks.risk_coverage [--data ../shared/fer2013] [--model scratch_cnn] [--limit N]
        [--out reports/risk_coverage]

FER2013 PublicTest faces as the app meets them (robustness suite conditions, benchmarks/robustness.py):
the 48 px crop itself, and as 200 px whole images plain, blurred (sigma 2 and 6), JPEG q30 and 40 %
darker, each found
by BlazeFace's still-image search (not found: not answered, and wrong). Per face: the model's calibrated
top probability and the crop's sharpness (quality.sharpness). Printed and written to OUT.csv / OUT.png:

- coverage and accuracy on the answered faces for top-probability thresholds 0..0.9;
- the sharpness threshold: the highest level below which faces are at least 10 points less accurate
  than above it (all conditions pooled; 0 when no level is), with the accuracy below and above it per
  condition;
- the chosen top-probability threshold: the highest that keeps >= 90 % of the direct PublicTest faces
  answered together with the sharpness rule.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import cv2
import numpy as np

from benchmarks.robustness import CONDITIONS, DEFAULT_DATA, largest_face_crops, whole
from emotion_desktop.backends import load_backend
from emotion_desktop.detectors import make_detector
from emotion_desktop.quality import sharpness

# The suite's conditions, and a blur three times the suite's (a face in motion, out of focus).
LOCAL = {"strong blur": (lambda f: cv2.GaussianBlur(whole(f, 200), (0, 0), 6.0), True, "blazeface")}
CHOSEN = ["direct", "whole 200 px", "blur", "strong blur", "JPEG q30", "light -40%"]
THRESHOLDS = np.round(np.arange(0.0, 0.91, 0.05), 2)
MIN_COVERAGE = 0.90
MIN_GAP = 0.10  # accuracy a sharpness rule must buy on the faces it withholds


def measure(backend, detector, faces, labels, condition):
    """(correct, top probability, sharpness) per face; NaN probability where no face was found."""
    make, still, _detector = {**CONDITIONS, **LOCAL}[condition]
    crops = largest_face_crops(detector, (make(face) for face in faces), still)
    found = [i for i, c in enumerate(crops) if c is not None]
    probabilities = np.full((len(faces), 7), np.nan)
    for start in range(0, len(found), 128):
        chunk = found[start:start + 128]
        probabilities[chunk] = backend.predict([crops[i] for i in chunk])
    top = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == labels
    sharp = np.array([sharpness(c) if c is not None else np.nan for c in crops])
    return correct & ~np.isnan(top), top, sharp


def sharpness_threshold(measured) -> float:
    """The highest sharpness level (tried at percentiles 0.5-30 of all crops) below which the faces are
    at least MIN_GAP less accurate than above it: withholding them buys accuracy. 0 when none is."""
    correct = np.concatenate([m[0] for m in measured.values()])
    sharp = np.concatenate([m[2] for m in measured.values()])
    found = ~np.isnan(sharp)
    correct, sharp = correct[found], sharp[found]
    chosen = 0.0
    for level in np.percentile(sharp, [0.5, 1, 2, 3, 5, 7.5, 10, 15, 20, 25, 30]):
        below = sharp < level
        if below.sum() >= 20 and correct[~below].mean() - correct[below].mean() >= MIN_GAP:
            chosen = float(level)
    return chosen


def curve(correct, top, sharp, min_sharpness):
    rows = []
    for threshold in THRESHOLDS:
        answered = (top >= threshold) & (sharp >= min_sharpness)  # NaN (no face) compares False
        rows.append((float(threshold), float(answered.mean()),
                     float(correct[answered].mean()) if answered.any() else float("nan")))
    return rows


def main(argv: list[str] | None = None) -> int:
    from benchmarks.machine import cpu_header
    from training.data import load_fer2013

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--model", default="scratch_cnn")
    parser.add_argument("--limit", type=int, help="only this many PublicTest faces (seeded sample)")
    parser.add_argument("--out", type=Path, default=Path("reports/risk_coverage"))
    args = parser.parse_args(argv)

    print(cpu_header())
    public = load_fer2013(args.data)["PublicTest"]
    if args.limit:
        public = public.subset(args.limit)
    backend = load_backend(args.model)
    detector = make_detector("blazeface")
    measured = {c: measure(backend, detector, public.images, public.labels, c) for c in CHOSEN}
    min_sharpness = sharpness_threshold(measured)
    print(f"{len(public)} PublicTest faces, model {args.model} ({backend.runtime})")
    print(f"sharpness threshold (the highest below which faces are >= {MIN_GAP * 100:.0f} points less accurate "
          f"than above it, all conditions pooled; 0: no such level): {min_sharpness:.1f}")
    for condition, (correct, _top, sharp) in measured.items():
        blurred = sharp < min_sharpness
        print(f"  {condition}: {np.mean(blurred) * 100:.1f} % below it, accuracy below "
              f"{np.mean(correct[blurred]) * 100 if blurred.any() else float('nan'):.1f} %, above "
              f"{np.mean(correct[~blurred & ~np.isnan(sharp)]) * 100:.1f} %")
    curves = {c: curve(*values, min_sharpness) for c, values in measured.items()}
    chosen = max(t for t, coverage, _ in curves["direct"] if coverage >= MIN_COVERAGE)
    print(f"top-probability threshold (highest keeping >= {MIN_COVERAGE:.0%} of the direct faces answered): "
          f"{chosen:.2f}\n")
    print("| threshold | " + " | ".join(f"{c}: answered / accuracy" for c in CHOSEN) + " |")
    print("|---|" + "---|" * len(CHOSEN))
    for index, threshold in enumerate(THRESHOLDS):
        cells = [f"{curves[c][index][1] * 100:.1f} % / {curves[c][index][2] * 100:.1f} %" for c in CHOSEN]
        print(f"| {threshold:.2f}{' (chosen)' if threshold == chosen else ''} | " + " | ".join(cells) + " |")

    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out.with_suffix(".csv"), "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["condition", "threshold", "coverage", "accuracy_answered"])
        for condition, rows in curves.items():
            writer.writerows([condition, *row] for row in rows)
    plot(curves, chosen, args.out.with_suffix(".png"), args.model)
    print(f"\nwrote {args.out.with_suffix('.csv')} and {args.out.with_suffix('.png')}")
    return 0


def plot(curves, chosen, path: Path, model: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(7, 5))
    for condition, rows in curves.items():
        coverage = [r[1] * 100 for r in rows]
        accuracy = [r[2] * 100 for r in rows]
        axis.plot(coverage, accuracy, marker=".", label=condition)
        mark = next(r for r in rows if r[0] == chosen)
        axis.plot(mark[1] * 100, mark[2] * 100, "ko", markersize=5)
    axis.set_xlabel("faces answered (%)")
    axis.set_ylabel("accuracy on the answered faces (%)")
    axis.set_title(f"Risk-coverage, {model}, FER2013 PublicTest (black: the chosen threshold {chosen:.2f})")
    axis.grid(alpha=0.3)
    axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


if __name__ == "__main__":
    raise SystemExit(main())

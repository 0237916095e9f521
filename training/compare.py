"""Compare every backend through the registry, the same path the app uses.

    python -m training.compare --data ../shared/fer2013 [--models-dir models] [--out docs]

For each of scratch CNN, ResNet50V2 and DeepFace: FER2013 PublicTest and
PrivateTest accuracy, macro-F1, per-class recall and confusion matrices
(face crops in, 7 probabilities out), parameters, file size, per-face CPU
latency at batch 1 and batch 8, and load time. Accuracy is checked against
each model card (written by training); the measured latency and load time are
written into the cards. Writes ``docs/model-comparison.md``, side-by-side
confusion matrices and a per-class recall chart, and refreshes the README's
comparison table. Unavailable backends are listed with the reason.

DeepFace's genuine weights cannot be downloaded here: its accuracy is then
shown as not measured (with the published figure, marked as published), and
its speed is measured on a same-architecture stand-in weights file, which is
said in the table.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from emotion_desktop.backends import DISPLAY_NAMES, INFO, backend_names, default_models_dir, load_backend, read_cards
from emotion_desktop.environment import CACHE_ENV, cpu_description, temporary_env
from emotion_desktop.labels import EMOTIONS
from emotion_desktop.model_info import comparison_markdown, comparison_rows
from training.data import load_fer2013
from training.metrics import summarise

EVAL_BATCH = 256
README_START, README_END = "<!-- comparison:start -->", "<!-- comparison:end -->"


def predict_split(backend, images: np.ndarray) -> np.ndarray:
    """Probabilities for 48x48 gray faces, fed to the backend as crops, as the app does."""
    outputs = [backend.predict(list(images[start:start + EVAL_BATCH])) for start in range(0, len(images), EVAL_BATCH)]
    return np.concatenate(outputs) if outputs else np.zeros((0, 7), np.float32)


def measure_latency(backend, face: np.ndarray, repeats: int = 60) -> dict:
    """Median per-face latency of ``predict`` (preprocessing included) at batch 1 and batch 8."""
    result = {}
    for batch in (1, 8):
        faces = [face] * batch
        for _ in range(10):
            backend.predict(faces)
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            backend.predict(faces)
            times.append(time.perf_counter() - started)
        result["batch1" if batch == 1 else "batch8_per_face"] = round(float(np.median(times)) * 1000 / batch, 2)
    return result


def measure_load(name: str, models_dir: Path | None) -> tuple[object, float, float | None]:
    """Load twice: cold (fresh ONNX cache, so the one-time export is included) and warm."""
    cold = None
    if INFO[name].trained_here:  # exported to ONNX once, on the first load
        with tempfile.TemporaryDirectory() as cache, temporary_env(CACHE_ENV, cache):
            started = time.perf_counter()
            load_backend(name, models_dir)
            cold = time.perf_counter() - started
        load_backend(name, models_dir)  # fill the real cache
    started = time.perf_counter()
    backend = load_backend(name, models_dir)
    return backend, time.perf_counter() - started, cold


def hardware() -> str:
    return cpu_description()


def evaluate_backend(name: str, splits, models_dir: Path | None, face: np.ndarray) -> dict:
    entry: dict = {"name": name, "display_name": DISPLAY_NAMES[name]}
    backend, load_s, cold_s = measure_load(name, models_dir)
    standin = False
    if not backend.available and name == "deepface":
        entry["unavailable_reason"] = backend.unavailable_reason
        # Speed does not depend on the weights' values: time DeepFace's architecture with stand-in weights.
        from training.deepface_standin import write_standin_weights

        with tempfile.TemporaryDirectory() as home, temporary_env("DEEPFACE_HOME", home):
            write_standin_weights(home)
            backend, load_s, cold_s = measure_load(name, models_dir)
        standin = True
    if not backend.available:
        entry["unavailable_reason"] = backend.unavailable_reason
        return entry
    entry.update({"runtime": backend.runtime, "load_seconds": round(load_s, 3),
                  "first_load_seconds": round(cold_s, 2) if cold_s else None,
                  "latency_ms": {**measure_latency(backend, face), "hardware": hardware(),
                                 "weights": "stand-in (same architecture)" if standin else "shipped"}})
    entry["params"] = int(backend.model.count_params() if backend.model is not None else backend.card["params"])
    model_file = (models_dir or default_models_dir()) / f"{name}.keras"
    if INFO[name].trained_here and model_file.is_file():
        entry["file_size_mb"] = round(model_file.stat().st_size / 1e6, 2)
    if standin:
        entry["accuracy_note"] = "not measured here: DeepFace's weights cannot be downloaded in this environment"
        return entry
    entry["metrics"] = {}
    for split in ("PublicTest", "PrivateTest"):
        data = splits[split]
        summary = summarise(data.labels, predict_split(backend, data.images))
        entry["metrics"][split] = {k: summary[k] for k in ("count", "accuracy", "macro_f1", "per_class_recall",
                                                           "confusion_matrix")}
        print(f"  {DISPLAY_NAMES[name]} {split}: accuracy {summary['accuracy']:.2%}, macro-F1 "
              f"{summary['macro_f1']:.3f}", flush=True)
    return entry


def update_card(models_dir: Path, entry: dict) -> list[str]:
    """Write latency and load time into the card; return disagreements between card and measurement.
    A card is the one source of a model's accuracy (the window's Models dialog shows it too): a model not
    trained here (FaceExpressionNet) has no training run to score it, and a card without figures, take
    the accuracy measured here."""
    path = models_dir / f"{entry['name']}.json"
    if not path.is_file() or "latency_ms" not in entry:
        return []
    card = json.loads(path.read_text())
    for split, measured in entry.get("metrics", {}).items():
        recorded = card.setdefault("metrics", {}).get(split, {})
        if not INFO[entry["name"]].trained_here or "accuracy" not in recorded:
            card["metrics"][split] = {**recorded, **measured}
    problems = []
    int8 = "int8" in entry.get("runtime", "")  # the app runs the int8 file here: the card's int8 figures apply
    for split, measured in entry.get("metrics", {}).items():
        recorded = (card.get("int8", {}).get(split, {}).get("int8_accuracy") if int8
                    else card.get("metrics", {}).get(split, {}).get("accuracy"))
        if recorded is not None and abs(recorded - measured["accuracy"]) > 0.0015:
            problems.append(f"{entry['name']} {split}: card says {recorded:.2%}, registry path measures "
                            f"{measured['accuracy']:.2%}")
    card["latency_ms"] = entry["latency_ms"]
    card["load_seconds"] = entry["load_seconds"]
    card["first_load_seconds"] = entry["first_load_seconds"]
    card["runtime"] = entry["runtime"]
    path.write_text(json.dumps(card, indent=2) + "\n")
    return problems


def with_speed(cards: dict[str, dict | None], entries: list[dict]) -> dict[str, dict]:
    """The cards with the speed and size measured in ``entries`` (also for DeepFace, which has no card);
    accuracy stays the card's, the one source the window's Models dialog also shows."""
    cards = dict(cards)
    for entry in entries:
        card = dict(cards.get(entry["name"]) or {})
        for key in ("latency_ms", "params", "file_size_mb", "load_seconds"):
            if entry.get(key) is not None:
                card[key] = entry[key]
        cards[entry["name"]] = card
    return cards


def plot_figures(entries: list[dict], out: Path) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from training.reports import plot_confusion

    measured = [e for e in entries if "metrics" in e]
    written = []
    if not measured:
        return written
    figure, axes = plt.subplots(1, len(measured), figsize=(5.6 * len(measured), 5), squeeze=False)
    for axis, entry in zip(axes[0], measured):
        test = entry["metrics"]["PrivateTest"]
        plot_confusion(test["confusion_matrix"], None, f"{entry['display_name']}: PrivateTest "
                       f"{test['accuracy']:.1%}", axis=axis)
    figure.tight_layout()
    figure.savefig(out / "comparison_confusion.png", dpi=100)
    plt.close(figure)
    written.append("comparison_confusion.png")

    figure, axis = plt.subplots(figsize=(9, 4))
    width = 0.8 / len(measured)
    for index, entry in enumerate(measured):
        recall = [entry["metrics"]["PrivateTest"]["per_class_recall"][e] for e in EMOTIONS]
        positions = np.arange(len(EMOTIONS)) + (index - (len(measured) - 1) / 2) * width
        axis.bar(positions, recall, width, label=entry["display_name"])
    axis.set_xticks(range(len(EMOTIONS)), EMOTIONS)
    axis.set_ylim(0, 1)
    axis.set_ylabel("recall on PrivateTest")
    axis.grid(axis="y", alpha=0.3)
    axis.legend()
    figure.tight_layout()
    figure.savefig(out / "comparison_recall.png", dpi=100)
    plt.close(figure)
    written.append("comparison_recall.png")
    return written


def write_document(entries: list[dict], table: str, figures: list[str], out: Path, command: str) -> Path:
    lines = ["# Model comparison", "",
             f"Generated by `{command}` on {hardware()}. Every figure goes through the registry "
             "(`emotion_desktop.backends.load_backend`), the path the app uses: face crops in, 7 probabilities out. "
             "Accuracy on FER2013 PrivateTest (3,589 faces, the test split; every choice was made on PublicTest). "
             "Latency: median per-face time of `predict`, preprocessing included.", "", table, ""]
    for entry in entries:
        lines.append(f"## {entry['display_name']}")
        if "runtime" in entry:
            first = f"; first start {entry['first_load_seconds']} s incl. one-time ONNX export" \
                if entry.get("first_load_seconds") else ""
            lines.append(f"- runs on {entry['runtime']}; loads in {entry['load_seconds']} s{first}")
            latency = entry["latency_ms"]
            lines.append(f"- CPU latency: {latency['batch1']} ms/face at batch 1, {latency['batch8_per_face']} "
                         f"ms/face at batch 8 ({latency['weights']} weights)")
        if entry.get("accuracy_note"):
            lines.append(f"- accuracy {entry['accuracy_note']}; published figure 57.4% on the FER2013 test set "
                         "(deepface issue #247)")
        if entry.get("unavailable_reason"):
            lines.append(f"- unavailable here: {entry['unavailable_reason']}")
        for split, metrics in entry.get("metrics", {}).items():
            recall = ", ".join(f"{k} {v:.2f}" for k, v in metrics["per_class_recall"].items())
            lines.append(f"- {split}: accuracy {metrics['accuracy']:.2%}, macro-F1 {metrics['macro_f1']:.3f}; "
                         f"recall {recall}")
        lines.append("")
    for figure in figures:
        lines += [f"![{figure}]({figure})", ""]
    path = out / "model-comparison.md"
    path.write_text("\n".join(lines))
    return path


def refresh_readme(readme: Path, table: str) -> bool:
    if not readme.is_file():
        return False
    text = readme.read_text()
    pattern = re.compile(re.escape(README_START) + ".*?" + re.escape(README_END), re.S)
    if not pattern.search(text):
        return False
    readme.write_text(pattern.sub(f"{README_START}\n{table}\n{README_END}", text))
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, help="FER2013 folder (Kaggle layout) or fer2013.csv")
    parser.add_argument("--models-dir", type=Path, help="default: the registry's models folder")
    parser.add_argument("--out", type=Path, default=Path("docs"), help="where model-comparison.md and PNGs go")
    parser.add_argument("--readme", type=Path, default=Path("README.md"), help="README whose table is refreshed")
    parser.add_argument("--limit", type=int, help="evaluate on this many faces per split only (quick checks)")
    parser.add_argument("--cards-only", action="store_true",
                        help="measure nothing: refresh the README table from the model cards (after a model ships)")
    args = parser.parse_args(argv)
    if args.cards_only:
        last = args.out / "model-comparison.json"
        entries = json.loads(last.read_text()) if last.is_file() else []
        table = comparison_markdown(comparison_rows(with_speed(read_cards(args.models_dir), entries),
                                                    args.models_dir))
        print(table)
        print("refreshed the README table" if refresh_readme(args.readme, table) else f"no table in {args.readme}")
        return 0
    if args.data is None:
        parser.error("--data is needed to measure (or --cards-only to refresh the table from the cards)")
    import cv2

    models_dir = args.models_dir or default_models_dir()
    splits = load_fer2013(args.data)
    if args.limit:
        splits = {name: split.subset(args.limit) for name, split in splits.items()}
    from skimage import data as skdata

    face = cv2.cvtColor(skdata.astronaut(), cv2.COLOR_RGB2BGR)[65:161, 176:272]  # a real 96x96 face crop
    import tensorflow  # noqa: F401  (imported once up front so load times measure loading, not the import)

    entries = []
    for name in backend_names():
        print(f"{DISPLAY_NAMES[name]}…", flush=True)
        entries.append(evaluate_backend(name, splits, args.models_dir, face))
    problems = [] if args.limit else [p for e in entries for p in update_card(models_dir, e)]
    table = comparison_markdown(comparison_rows(with_speed(read_cards(args.models_dir), entries), args.models_dir))
    args.out.mkdir(parents=True, exist_ok=True)
    figures = plot_figures(entries, args.out)
    command = "python -m training.compare " + " ".join(argv if argv is not None else sys.argv[1:])
    document = write_document(entries, table, figures, args.out, command)
    (args.out / "model-comparison.json").write_text(json.dumps(entries, indent=1) + "\n")
    print(table)
    print(f"wrote {document}" + (" and refreshed the README table" if refresh_readme(args.readme, table) else ""))
    for problem in problems:
        print(f"warning: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

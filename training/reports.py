"""Training reports: curves, confusion matrix, class distribution, sample grid (PNG + JSON)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # reports are written headless
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from emotion_desktop.labels import EMOTIONS  # noqa: E402


def read_history(history_csv: Path) -> dict[str, list[float]]:
    with open(history_csv, newline="") as handle:
        rows = list(csv.DictReader(handle))
    return {key: [float(row[key]) for row in rows if row.get(key)] for key in (rows[0] if rows else {})}


def plot_curves(history: dict[str, list[float]], path: Path, title: str) -> None:
    figure, axes = plt.subplots(1, 2, figsize=(10, 4))
    for axis, metric in zip(axes, ("accuracy", "loss")):
        for prefix, label in (("", "training"), ("val_", "validation (PublicTest)")):
            values = history.get(prefix + metric)
            if values:
                axis.plot(range(1, len(values) + 1), values, label=label)
        axis.set_xlabel("epoch")
        axis.set_ylabel(metric)
        axis.grid(alpha=0.3)
        axis.legend()
    figure.suptitle(title)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def plot_confusion(matrix: np.ndarray, path: Path, title: str, axis=None) -> None:
    """Row-normalised confusion matrix (each row: how one true class was predicted)."""
    matrix = np.asarray(matrix, dtype=float)
    normalised = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    own_figure = axis is None
    if own_figure:
        figure, axis = plt.subplots(figsize=(6.2, 5.4))
    image = axis.imshow(normalised, cmap="Blues", vmin=0, vmax=1)
    axis.set_xticks(range(len(EMOTIONS)), EMOTIONS, rotation=45, ha="right")
    axis.set_yticks(range(len(EMOTIONS)), EMOTIONS)
    axis.set_xlabel("predicted")
    axis.set_ylabel("true")
    axis.set_title(title, fontsize=10)
    for row in range(len(EMOTIONS)):
        for col in range(len(EMOTIONS)):
            value = normalised[row, col]
            axis.text(col, row, f"{value:.2f}", ha="center", va="center", fontsize=7,
                      color="white" if value > 0.5 else "black")
    if own_figure:
        figure.colorbar(image, ax=axis, fraction=0.046)
        figure.tight_layout()
        figure.savefig(path, dpi=110)
        plt.close(figure)


def plot_class_distribution(counts_by_split: dict[str, np.ndarray], path: Path) -> None:
    figure, axis = plt.subplots(figsize=(8, 4))
    width = 0.8 / len(counts_by_split)
    for index, (split, counts) in enumerate(counts_by_split.items()):
        positions = np.arange(len(EMOTIONS)) + (index - (len(counts_by_split) - 1) / 2) * width
        bars = axis.bar(positions, counts, width, label=f"{split} ({int(np.sum(counts))})")
        axis.bar_label(bars, fontsize=6)
    axis.set_xticks(range(len(EMOTIONS)), EMOTIONS)
    axis.set_ylabel("images")
    axis.set_title("FER2013 class distribution")
    axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def plot_samples(images: np.ndarray, labels: np.ndarray, probabilities: np.ndarray, path: Path, title: str,
                 columns: int = 8, rows: int = 4, seed: int = 0) -> None:
    """A grid of faces with predicted label and confidence; green when right, red when wrong."""
    order = np.random.default_rng(seed).permutation(len(images))[: columns * rows]
    figure, axes = plt.subplots(rows, columns, figsize=(columns * 1.4, rows * 1.65))
    for axis, index in zip(np.ravel(axes), order):
        predicted = int(probabilities[index].argmax())
        axis.imshow(images[index], cmap="gray", vmin=0, vmax=255)
        colour = "green" if predicted == labels[index] else "red"
        axis.set_title(f"{EMOTIONS[predicted]} {probabilities[index, predicted]:.0%}\n(true {EMOTIONS[labels[index]]})",
                       fontsize=6.5, color=colour)
        axis.axis("off")
    figure.suptitle(title, fontsize=9)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=2) + "\n")

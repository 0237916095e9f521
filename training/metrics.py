"""Classification metrics in the shape the model cards and reports use."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import classification_report, confusion_matrix, f1_score

from emotion_desktop.labels import EMOTIONS


def summarise(labels: np.ndarray, probabilities: np.ndarray) -> dict:
    """Accuracy, macro-F1, per-class recall, confusion matrix and sklearn's report."""
    predicted = probabilities.argmax(axis=1)
    class_ids = list(range(len(EMOTIONS)))
    matrix = confusion_matrix(labels, predicted, labels=class_ids)
    support = matrix.sum(axis=1)
    recall = np.divide(np.diag(matrix), support, out=np.zeros(len(EMOTIONS)), where=support > 0)
    return {
        "count": int(len(labels)),
        "accuracy": round(float((predicted == labels).mean()), 4),
        "macro_f1": round(float(f1_score(labels, predicted, labels=class_ids, average="macro", zero_division=0)), 4),
        "per_class_recall": {name: round(float(r), 4) for name, r in zip(EMOTIONS, recall)},
        "confusion_matrix": matrix.tolist(),
        "report": classification_report(labels, predicted, labels=class_ids, target_names=list(EMOTIONS),
                                         output_dict=True, zero_division=0),
    }


def format_summary(name: str, summary: dict) -> str:
    """Human-readable block: headline numbers, per-class recall, confusion matrix."""
    lines = [f"{name}: accuracy {summary['accuracy']:.2%}  macro-F1 {summary['macro_f1']:.3f}  "
             f"(n={summary['count']})",
             "  recall  " + "  ".join(f"{k} {v:.2f}" for k, v in summary["per_class_recall"].items()),
             "  confusion matrix (rows true, columns predicted):",
             "  " + " " * 9 + "".join(f"{e[:7]:>8}" for e in EMOTIONS)]
    for label, row in zip(EMOTIONS, summary["confusion_matrix"]):
        lines.append(f"  {label:>9}" + "".join(f"{v:>8}" for v in row))
    return "\n".join(lines)

"""Temperature scaling: make a model's "87%" mean that it is right about 87% of the time.

    python -m training.calibrate --model models/scratch_cnn.keras --data ../shared/fer2013 \
        [--reports reports/scratch_cnn]

One temperature T is fitted on PublicTest (minimum negative log-likelihood of
softmax(log p / T)); it never changes which emotion wins, only how sure the
model says it is. Expected calibration error (ECE, 15 equal-width confidence
bins) is reported on PrivateTest before and after. T goes into the model card
(``calibration``), which the app's backend applies; a reliability diagram goes
into the reports. ``training.train`` runs this at the end of every run.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from emotion_desktop.calibration import apply_temperature

ECE_BINS = 15


def negative_log_likelihood(probabilities: np.ndarray, labels: np.ndarray) -> float:
    picked = probabilities[np.arange(len(labels)), labels]
    return float(-np.log(np.clip(picked, 1e-12, 1.0)).mean())


def fit_temperature(probabilities: np.ndarray, labels: np.ndarray) -> float:
    """The temperature (0.05..20) that minimises the NLL of the rescaled probabilities."""
    from scipy.optimize import minimize_scalar

    def loss(log_t: float) -> float:
        return negative_log_likelihood(apply_temperature(probabilities, float(np.exp(log_t))), labels)

    found = minimize_scalar(loss, bounds=(np.log(0.05), np.log(20.0)), method="bounded",
                            options={"xatol": 1e-4})
    return float(np.exp(found.x))


def reliability(probabilities: np.ndarray, labels: np.ndarray, bins: int = ECE_BINS) -> dict:
    """Per confidence bin: mean confidence, accuracy and count; and the expected calibration error."""
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == labels
    edges = np.linspace(0.0, 1.0, bins + 1)
    index = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    rows, ece = [], 0.0
    for b in range(bins):
        members = index == b
        count = int(members.sum())
        if count == 0:
            rows.append({"confidence": None, "accuracy": None, "count": 0})
            continue
        mean_confidence, accuracy = float(confidence[members].mean()), float(correct[members].mean())
        ece += count / len(labels) * abs(accuracy - mean_confidence)
        rows.append({"confidence": mean_confidence, "accuracy": accuracy, "count": count})
    return {"ece": float(ece), "bins": rows, "edges": edges.tolist()}


def calibrate(public: tuple[np.ndarray, np.ndarray], private: tuple[np.ndarray, np.ndarray]) -> dict:
    """Fit T on PublicTest, measure ECE and NLL on PrivateTest before and after (card's ``calibration``)."""
    temperature = fit_temperature(*public)
    private_probabilities, private_labels = private
    calibrated = apply_temperature(private_probabilities, temperature)
    before, after = reliability(private_probabilities, private_labels), reliability(calibrated, private_labels)
    return {
        "method": "temperature scaling",
        "temperature": round(temperature, 4),
        "fitted_on": "PublicTest",
        "PrivateTest": {
            "ece_before": round(before["ece"], 4), "ece_after": round(after["ece"], 4),
            "nll_before": round(negative_log_likelihood(private_probabilities, private_labels), 4),
            "nll_after": round(negative_log_likelihood(calibrated, private_labels), 4),
            "ece_bins": ECE_BINS,
        },
        "_reliability": {"before": before, "after": after},  # for the diagram; not stored in the card
    }


def plot_reliability(result: dict, path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 2, figsize=(10, 4.4), sharey=True)
    edges = np.array(result["_reliability"]["before"]["edges"])
    centres, width = (edges[:-1] + edges[1:]) / 2, edges[1] - edges[0]
    for axis, key, label in ((axes[0], "before", "as trained"),
                             (axes[1], "after", f"temperature {result['temperature']:.2f}")):
        data = result["_reliability"][key]
        accuracy = [b["accuracy"] if b["accuracy"] is not None else 0.0 for b in data["bins"]]
        axis.bar(centres, accuracy, width=width * 0.95, color="#4c72b0", edgecolor="white", label="accuracy")
        axis.plot([0, 1], [0, 1], "--", color="gray", label="perfect calibration")
        axis.set_title(f"{label}: ECE {data['ece']:.3f}")
        axis.set_xlabel("confidence (top probability)")
        axis.set_xlim(0, 1)
        axis.set_ylim(0, 1)
        axis.grid(alpha=0.3)
    axes[0].set_ylabel("accuracy on PrivateTest")
    axes[0].legend(loc="upper left")
    figure.suptitle(title)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def calibrate_model(model, card: dict, splits, report_dir: Path | None, probabilities: dict | None = None) -> dict:
    """Fit and store the model's temperature in ``card`` (in place); write the reliability diagram.

    ``probabilities``: the model's PublicTest/PrivateTest outputs if already computed.
    """
    from emotion_desktop.model_card import parse_card
    from training.evaluate import predict_faces

    if probabilities is None:
        order = parse_card(card).to_emotions_order  # the card says which output unit is which emotion
        probabilities = {split: order(predict_faces(model, splits[split].images, card["normalisation"]))
                         for split in ("PublicTest", "PrivateTest")}
    result = calibrate((probabilities["PublicTest"], splits["PublicTest"].labels),
                       (probabilities["PrivateTest"], splits["PrivateTest"].labels))
    if report_dir is not None:
        report_dir.mkdir(parents=True, exist_ok=True)
        plot_reliability(result, report_dir / "reliability.png", f"{card.get('display_name', card['name'])}: "
                         "reliability on PrivateTest (T fitted on PublicTest)")
    card["calibration"] = {k: v for k, v in result.items() if not k.startswith("_")}
    private = card["calibration"]["PrivateTest"]
    print(f"temperature {result['temperature']:.3f} (fitted on PublicTest); PrivateTest ECE "
          f"{private['ece_before']:.3f} -> {private['ece_after']:.3f}, NLL {private['nll_before']:.3f} -> "
          f"{private['nll_after']:.3f}", flush=True)
    return card


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, type=Path, help="a .keras model with its .json card beside it")
    parser.add_argument("--data", required=True, type=Path, help="FER2013 folder (Kaggle layout) or fer2013.csv")
    parser.add_argument("--reports", type=Path, help="where reliability.png goes (default reports/<model>)")
    args = parser.parse_args(argv)
    import keras

    from emotion_desktop.model_card import save_card
    from training.data import load_fer2013

    card_path = args.model.with_suffix(".json")
    card = json.loads(card_path.read_text())
    model = keras.models.load_model(args.model, compile=False)
    calibrate_model(model, card, load_fer2013(args.data), args.reports or Path("reports") / card["name"])
    save_card(card_path, card)
    print(f"wrote the temperature into {card_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

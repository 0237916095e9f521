"""Evaluate a trained model on a FER2013 split.

    python -m training.evaluate --model models/scratch_cnn.keras --data ../shared/fer2013 \
        --split PrivateTest [--tta]

Prints accuracy, macro-F1, per-class recall and the confusion matrix; the
model's card (``<model>.json`` beside it) says how to feed it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from emotion_desktop.preprocessing import normalise
from training.data import SPLITS, load_fer2013
from training.metrics import format_summary, summarise

PREDICT_BATCH = 256


def predict_faces(model, faces: np.ndarray, normalisation: str, tta: bool = False) -> np.ndarray:
    """Probabilities for 48x48 uint8 faces through one compiled call per batch.

    ``tta`` averages the prediction with the horizontally flipped face's.
    """
    import tensorflow as tf

    @tf.function(reduce_retracing=True)
    def forward(batch):
        return model(batch, training=False)

    x = faces[..., None] if faces.ndim == 3 else faces
    outputs = []
    for start in range(0, len(x), PREDICT_BATCH):
        batch = normalise(x[start:start + PREDICT_BATCH].astype(np.float32), normalisation)
        probabilities = forward(tf.constant(batch)).numpy()
        if tta:
            probabilities = (probabilities + forward(tf.constant(batch[:, :, ::-1])).numpy()) / 2
        outputs.append(probabilities)
    return np.concatenate(outputs) if outputs else np.zeros((0, 7), np.float32)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, type=Path, help="a .keras model with its .json card beside it")
    parser.add_argument("--data", required=True, type=Path, help="FER2013 folder (Kaggle layout) or fer2013.csv")
    parser.add_argument("--split", default="PrivateTest", choices=SPLITS)
    parser.add_argument("--tta", action="store_true", help="average with the horizontally flipped face")
    parser.add_argument("--json", type=Path, help="also write the metrics as JSON to this file")
    args = parser.parse_args(argv)

    from emotion_desktop.model_card import ModelCardError, load_card

    try:
        card = load_card(args.model.with_suffix(".json"))
    except ModelCardError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if not args.model.is_file():
        print(f"error: model file {args.model} not found", file=sys.stderr)
        return 2
    import keras

    model = keras.models.load_model(args.model, compile=False)
    split = load_fer2013(args.data)[args.split]
    # The card's label order maps the output units to EMOTIONS, never assumed.
    probabilities = card.to_emotions_order(predict_faces(model, split.images, card.normalisation, tta=args.tta))
    summary = summarise(split.labels, probabilities)
    print(format_summary(f"{args.model.name} on {args.split}{' (flip TTA)' if args.tta else ''}", summary))
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

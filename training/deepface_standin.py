"""A stand-in weights file for DeepFace's emotion model, for tests and speed benchmarks.

DeepFace's real weights cannot be downloaded in this environment. The model's
speed does not depend on the values of its weights, and its loading path does
not either, so tests and the live benchmark write a file with the same
architecture (random weights) where DeepFace looks for the real one. Nothing
measured with it is an accuracy: only wiring, shapes and speed.
"""

from __future__ import annotations

import os
from pathlib import Path


def write_standin_weights(deepface_home: str | Path, seed: int = 0) -> Path:
    """Write random weights for DeepFace's emotion architecture under ``deepface_home``; returns the path."""
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
    import numpy as np
    import tf_keras
    from tf_keras import layers

    from emotion_desktop.backends.deepface_backend import WEIGHTS_FILE

    # The architecture of deepface.models.demography.tf.Emotion.load_model (deepface 0.0.103);
    # DeepFace's own loader rejects the file if this ever drifts from it.
    model = tf_keras.Sequential([
        layers.Conv2D(64, (5, 5), activation="relu", input_shape=(48, 48, 1)),
        layers.MaxPooling2D(pool_size=(5, 5), strides=(2, 2)),
        layers.Conv2D(64, (3, 3), activation="relu"),
        layers.Conv2D(64, (3, 3), activation="relu"),
        layers.AveragePooling2D(pool_size=(3, 3), strides=(2, 2)),
        layers.Conv2D(128, (3, 3), activation="relu"),
        layers.Conv2D(128, (3, 3), activation="relu"),
        layers.AveragePooling2D(pool_size=(3, 3), strides=(2, 2)),
        layers.Flatten(),
        layers.Dense(1024, activation="relu"),
        layers.Dropout(0.2),
        layers.Dense(1024, activation="relu"),
        layers.Dropout(0.2),
        layers.Dense(7, activation="softmax"),
    ])
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(0, 0.05, w.shape).astype("float32") for w in model.get_weights()])
    target = Path(deepface_home) / ".deepface" / "weights" / WEIGHTS_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    model.save_weights(str(target))
    return target

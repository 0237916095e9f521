"""The shipped models, checked on real FER2013 faces (skipped, with the reason, without the dataset)."""

import json

import numpy as np
import pytest

from emotion_desktop.backends import default_models_dir, load_backend
from emotion_desktop.labels import EMOTIONS
from tests.conftest import FER2013, requires_dataset

SUBSET = 1000  # fixed PublicTest subset (seeded), large enough for +-1.5 points at 1 sigma
# Floors on that subset: issue #3 asks >= 67% PrivateTest for the CNN, issue #4 >= 65% for ResNet50V2;
# the floors sit 2-3 sigma under each shipped model's measured PublicTest accuracy (68.9%, 63.3%).
FLOORS = {"scratch_cnn": 0.66, "resnet50v2": 0.60}


def shipped(name: str) -> bool:
    return (default_models_dir() / f"{name}.keras").is_file()


@requires_dataset()
@pytest.mark.dataset
@pytest.mark.parametrize("name", sorted(FLOORS))
def test_shipped_model_publictest_accuracy(name):
    if not shipped(name):
        pytest.skip(f"models/{name}.keras is not shipped in this checkout")
    from training.data import load_fer2013

    split = load_fer2013(FER2013)["PublicTest"].subset(SUBSET, seed=0)
    backend = load_backend(name)
    assert backend.available, backend.unavailable_reason
    probabilities = np.concatenate([backend.predict(list(split.images[i:i + 250]))
                                    for i in range(0, len(split), 250)])
    accuracy = float((probabilities.argmax(axis=1) == split.labels).mean())
    card = json.loads((default_models_dir() / f"{name}.json").read_text())
    print(f"\n{name}: {accuracy:.2%} on a fixed {SUBSET}-face PublicTest subset "
          f"(card: {card['metrics']['PublicTest']['accuracy']:.2%} on all 3,589)")
    assert accuracy >= FLOORS[name]
    assert abs(accuracy - card["metrics"]["PublicTest"]["accuracy"]) < 0.05  # the card describes this file


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_shipped_cards_are_complete(name):
    if not shipped(name):
        pytest.skip(f"models/{name}.keras is not shipped in this checkout")
    card = json.loads((default_models_dir() / f"{name}.json").read_text())
    assert card["labels"] == list(EMOTIONS)
    for key in ("input_size", "color", "normalisation", "architecture", "params", "init", "trained_on"):
        assert card[key] not in (None, ""), key
    training = card["training"]
    assert training["command"].startswith("python -m training.train") and training["seed"] is not None
    assert training["wall_time_minutes"] > 0 and training["hardware"]
    for split in ("PublicTest", "PrivateTest"):
        metrics = card["metrics"][split]
        assert metrics["count"] == 3589 and set(metrics["per_class_recall"]) == set(EMOTIONS)
    size_mb = (default_models_dir() / f"{name}.keras").stat().st_size / 1e6
    assert size_mb < 100 and card["file_size_mb"] == pytest.approx(size_mb, abs=0.05)


def shipped_onnx_models() -> list[str]:
    return [name for name in sorted(FLOORS) if shipped(name)
            and json.loads((default_models_dir() / f"{name}.json").read_text()).get("onnx")]


@pytest.mark.parametrize("name", shipped_onnx_models() or ["(none shipped)"])
def test_shipped_onnx_file_reproduces_the_keras_model(name):
    if name == "(none shipped)":
        pytest.skip("no model ships an ONNX file in this checkout")
    import keras

    from emotion_desktop.backends.own_model import shipped_onnx
    from emotion_desktop.backends.runners import PARITY_TOLERANCE, OnnxRunner
    from training.export_onnx import FLOAT16_PARITY

    model_path = default_models_dir() / f"{name}.keras"
    card = json.loads(model_path.with_suffix(".json").read_text())
    onnx_path = shipped_onnx(model_path, card)
    assert onnx_path is not None, "the card's digest does not match the shipped .keras file: re-export it"
    model = keras.models.load_model(model_path, compile=False)
    batch = np.random.default_rng(1).random((16, *model.input_shape[1:]), dtype=np.float32)
    difference = np.abs(np.asarray(model(batch, training=False)) - OnnxRunner(onnx_path)(batch)).max()
    # float16-stored weights are rounded once more where tf2onnx folds BatchNorm into a convolution
    assert difference <= (FLOAT16_PARITY if card["onnx"].get("float16_weights") else PARITY_TOLERANCE)

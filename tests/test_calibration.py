"""Temperature scaling: fitted on one split, measured on another, applied by the app's backend."""

import json

import numpy as np
import pytest

from emotion_desktop.calibration import apply_temperature, card_temperature
from training.calibrate import calibrate, fit_temperature, reliability


def softmax(logits):
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def calibrated_data(count=6000, seed=0):
    """Logits whose softmax is the true label distribution: calibrated at T = 1 by construction."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(0, 2.0, (count, 7))
    truth = softmax(logits)
    labels = np.array([rng.choice(7, p=row) for row in truth])
    return logits, labels


def test_temperature_keeps_the_winner_and_the_sum():
    probabilities = softmax(np.random.default_rng(1).normal(0, 3, (50, 7)))
    for temperature in (0.5, 1.0, 2.5):
        scaled = apply_temperature(probabilities, temperature)
        assert np.allclose(scaled.sum(axis=1), 1, atol=1e-5)
        assert (scaled.argmax(axis=1) == probabilities.argmax(axis=1)).all()
    assert (apply_temperature(probabilities, 2.5).max(axis=1) < probabilities.max(axis=1)).all()


def test_fitting_undoes_a_known_over_confidence():
    logits, labels = calibrated_data()
    over_confident = softmax(logits / 0.5)  # a model twice as sure as it should be
    assert fit_temperature(over_confident, labels) == pytest.approx(2.0, rel=0.1)
    assert fit_temperature(softmax(logits), labels) == pytest.approx(1.0, rel=0.1)


def test_calibration_lowers_the_error_on_held_out_data():
    logits, labels = calibrated_data(seed=2)
    held_logits, held_labels = calibrated_data(seed=3)
    result = calibrate((softmax(logits / 0.4), labels), (softmax(held_logits / 0.4), held_labels))
    private = result["PrivateTest"]
    assert private["ece_before"] > 0.1 > private["ece_after"]
    assert private["nll_after"] < private["nll_before"]
    assert reliability(softmax(held_logits), held_labels)["ece"] < 0.05


def test_the_backend_applies_the_cards_temperature(tmp_path, astronaut_face):
    from emotion_desktop.backends import load_backend
    from tests.conftest import build_tiny_model, tiny_card, write_model

    model = build_tiny_model(peak=3)
    write_model(tmp_path / "plain", "scratch_cnn", model, tiny_card("scratch_cnn"))
    write_model(tmp_path / "tempered", "scratch_cnn", model,
                tiny_card("scratch_cnn", calibration={"temperature": 3.0, "fitted_on": "PublicTest"}))
    plain = load_backend("scratch_cnn", tmp_path / "plain").predict([astronaut_face])[0]
    tempered = load_backend("scratch_cnn", tmp_path / "tempered").predict([astronaut_face])[0]
    assert plain.argmax() == tempered.argmax() == 3
    assert tempered.max() < plain.max()
    assert np.allclose(tempered, apply_temperature(plain[None], 3.0)[0], atol=1e-4)
    card = json.loads((tmp_path / "tempered" / "scratch_cnn.json").read_text())
    assert card_temperature(card) == 3.0 and card_temperature({}) == 1.0

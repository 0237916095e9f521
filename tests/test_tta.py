"""Test-time augmentation over face crops, for every backend, in the CLI and for the window's stills."""

import json

import numpy as np
import pytest

from emotion_desktop.tta import TTA_MODES, predict_with_tta, views


def test_views_of_a_face(astronaut_face):
    assert len(views(astronaut_face, "none")) == 1
    mirror = views(astronaut_face, "flip")
    assert len(mirror) == 2 and np.array_equal(mirror[1], astronaut_face[:, ::-1])
    ten = views(astronaut_face, "tencrop")
    height, width = astronaut_face.shape[:2]
    assert len(ten) == 10 and all(v.shape[:2] == (round(height * 0.9), round(width * 0.9)) for v in ten)
    assert np.array_equal(ten[5], ten[0][:, ::-1])  # the second five mirror the first
    with pytest.raises(ValueError, match="unknown test-time augmentation"):
        views(astronaut_face, "rotate")


def test_predictions_are_the_average_of_the_views(tiny_models_dir, astronaut_face):
    from emotion_desktop.backends import load_backend

    backend = load_backend("scratch_cnn", tiny_models_dir)
    faces = [astronaut_face, astronaut_face[::-1]]
    for mode in TTA_MODES:
        result = predict_with_tta(backend, faces, mode)
        assert result.shape == (2, 7) and np.allclose(result.sum(axis=1), 1, atol=1e-5)
    expected = backend.predict([astronaut_face, astronaut_face[:, ::-1]]).mean(axis=0)
    assert np.allclose(predict_with_tta(backend, [astronaut_face], "flip")[0], expected, atol=1e-5)


def test_cli_tta_keeps_the_json_shape(tiny_models_dir, odd_images, tmp_path):
    from emotion_desktop.cli import main

    outputs = {}
    for mode in ("none", "tencrop"):
        out = tmp_path / f"{mode}.json"
        assert main(["predict", str(odd_images["gray"]), "--tta", mode, "--json", str(out),
                     "--models-dir", str(tiny_models_dir)]) == 0
        outputs[mode] = json.loads(out.read_text())[0]["frames"][0]["faces"][0]
    assert set(outputs["none"]) == set(outputs["tencrop"])
    assert outputs["none"]["emotion"] != outputs["tencrop"]["emotion"]  # the views really were classified


def test_the_window_remembers_the_still_image_tta(make_window, qtbot):
    window = make_window()
    qtbot.waitUntil(lambda: window.worker.pipeline.tta == "tencrop", timeout=5_000)  # the default for stills
    flip = next(a for a in window.menus.tta_actions.actions() if a.data() == "flip")
    flip.trigger()
    qtbot.waitUntil(lambda: window.worker.pipeline.tta == "flip", timeout=5_000)
    assert window.settings.value("still_tta") == "flip" and flip.isChecked()
    assert window.worker.pipeline.tta_live is False  # the live view stays single-pass

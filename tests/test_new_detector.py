"""Adding a face detector is one module plus one registry line: everything else picks it up."""

import json

import pytest

from emotion_desktop import detectors
from tests import extra_detector
from tests.test_cli import run_cli


@pytest.fixture
def registered():
    detectors.register(extra_detector.INFO)  # the one registry line
    yield extra_detector.INFO
    detectors.unregister(extra_detector.INFO.name)


def test_the_registry_builds_and_describes_it(registered):
    assert "centre" in detectors.detector_names() and detectors.probe("centre") is None
    assert detectors.DISPLAY_NAMES["centre"] == "Centre square (test)"
    detector, problem = detectors.make_detector_or_fallback("centre")
    assert isinstance(detector, extra_detector.CentreSquareDetector) and problem is None
    detectors.unregister("centre")
    with pytest.raises(ValueError, match="unknown face detector 'centre'"):
        detectors.make_detector("centre")


def test_the_pipeline_uses_its_defaults_and_resets_it(registered, astronaut_bgr):
    from emotion_desktop.pipeline import LIVE_DETECT_EVERY, Pipeline
    from emotion_desktop.sources import Frame

    detector = detectors.make_detector("centre")
    pipeline = Pipeline(detector, [], detect_every=LIVE_DETECT_EVERY)
    for index in range(LIVE_DETECT_EVERY + 1):  # cannot follow faces: boxes kept between full searches
        result = pipeline.process(Frame(astronaut_bgr, index, index / 30, "clip"))
        assert [f.box for f in result.faces] == [(128, 128, 256, 256)]
    pipeline.reset()
    assert detector.resets == 1


def test_the_cli_offers_it(registered, tiny_models_dir, odd_images, capsys):
    code, out, err = run_cli(["predict", str(odd_images["gray"]), "--detector", "centre", "--json", "-",
                              "--models-dir", str(tiny_models_dir)], capsys)
    assert code == 0, err
    face = json.loads(out)[0]["frames"][0]["faces"][0]
    assert face["face_confidence"] == 0.5


def test_the_window_offers_it_and_detects_with_it(registered, make_window, qtbot, odd_images):
    from tests.test_gui import wait_for_faces

    window = make_window(start=("path", odd_images["gray"]))
    combo = window.panel.detector_combo
    index = combo.findData("centre")
    assert index >= 0 and combo.itemText(index) == "Centre square (test)"
    wait_for_faces(qtbot, window)
    combo.setCurrentIndex(index)
    qtbot.waitUntil(lambda: isinstance(window.worker.pipeline.detector, extra_detector.CentreSquareDetector),
                    timeout=10_000)
    qtbot.waitUntil(lambda: [f.confidence for f in window.last_result.faces] == [0.5], timeout=10_000)
    assert "scratch_cnn" in window.last_result.faces[0].probabilities  # the still was classified again

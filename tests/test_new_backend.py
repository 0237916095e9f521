"""Adding a model is one module plus one registry line: everything else picks it up."""

import numpy as np
import pytest

from emotion_desktop import backends
from emotion_desktop.drawing import annotate
from tests import extra_backend


@pytest.fixture
def registered():
    backends.register(extra_backend.INFO)  # the one registry line
    yield extra_backend.INFO
    backends.unregister(extra_backend.INFO.name)


def test_the_registry_loads_and_describes_it(registered, astronaut_face):
    assert "brightness" in backends.backend_names()
    backend = backends.load_backend("brightness")
    assert backend.available and backend.predict([astronaut_face]).shape == (1, 7)
    assert backends.read_cards()["brightness"]["init"] == "a rule"
    assert backends.MODEL_COLORS["brightness"] == (150, 40, 200)


def test_the_cli_lists_and_runs_it(registered, odd_images, capsys, tmp_path):
    from emotion_desktop.cli import main

    assert main(["models"]) == 0
    assert "Brightness rule" in capsys.readouterr().out
    out = tmp_path / "out.json"
    assert main(["predict", str(odd_images["gray"]), "--model", "brightness", "--json", str(out)]) == 0
    assert '"model": "brightness"' in out.read_text()


def test_the_window_offers_it_and_compares_it(registered, make_window, qtbot, odd_images):
    from tests.test_gui import wait_for_faces

    window = make_window(start=("path", odd_images["gray"]))
    assert window.panel.model_combo.findData("brightness") >= 0
    wait_for_faces(qtbot, window)
    window.panel.compare_box.setChecked(True)
    result = wait_for_faces(qtbot, window, models=("scratch_cnn", "brightness"))
    assert set(window.panel.chart.values()) == {"scratch_cnn", "brightness"}
    assert any(text.startswith("Brightness rule (") for text in window.panel.chart.legend_texts())
    frame = np.full((240, 320, 3), 200, np.uint8)
    assert annotate(frame, result).shape == frame.shape  # labels drawn with its short name

"""Own models with a shipped ONNX file start without TensorFlow; a stale ONNX file is never used."""

import json
import os
import subprocess
import sys

from tests.conftest import REPO, build_tiny_model, tiny_card, write_model


def test_a_shipped_onnx_model_loads_without_importing_tensorflow(tmp_path):
    from training.export_onnx import ship_onnx

    folder = tmp_path / "models"
    write_model(folder, "scratch_cnn", build_tiny_model(peak=2), tiny_card("scratch_cnn"))
    card_path = folder / "scratch_cnn.json"
    card_path.write_text(json.dumps(ship_onnx(folder / "scratch_cnn.keras", json.loads(card_path.read_text()))))
    probe = ("import sys, numpy as np\n"
             "from emotion_desktop.backends import load_backend\n"
             f"backend = load_backend('scratch_cnn', {str(folder)!r})\n"
             "p = backend.predict([np.full((96, 96, 3), 128, np.uint8)])\n"
             "print(backend.runtime, int(p.argmax()), 'tensorflow' in sys.modules, 'keras' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-3:] == ["2", "False", "False"] and "shipped ONNX" in done.stdout


def test_float16_weights_ship_as_a_half_size_onnx_file_that_answers_like_keras(tmp_path, astronaut_face):
    import keras
    import numpy as np
    import onnx
    from keras import layers

    from emotion_desktop.backends import load_backend
    from training.export_onnx import FLOAT16_PARITY, ship_onnx
    from training.storage import save_float16

    inputs = keras.Input((48, 48, 1))
    x = layers.Conv2D(64, 5, strides=4, activation="relu")(inputs)
    x = layers.BatchNormalization()(x)  # tf2onnx folds it into the convolution
    outputs = layers.Dense(7, activation="softmax")(layers.Flatten()(x))
    model = keras.Model(inputs, outputs)
    model.set_weights([w + np.random.default_rng(1).normal(0, 0.1, w.shape) for w in model.get_weights()])
    sizes = {}
    for dtype in ("float32", "float16"):
        folder = tmp_path / dtype
        write_model(folder, "resnet50v2", model, tiny_card("resnet50v2", weights_dtype=dtype))
        if dtype == "float16":
            save_float16(model, folder / "resnet50v2.keras")
        card = ship_onnx(folder / "resnet50v2.keras", json.loads((folder / "resnet50v2.json").read_text()))
        (folder / "resnet50v2.json").write_text(json.dumps(card))
        sizes[dtype] = (folder / "resnet50v2.onnx").stat().st_size
    assert card["onnx"]["float16_weights"] >= 2 and card["onnx"]["parity_max_abs"] <= FLOAT16_PARITY
    stored = onnx.load(str(tmp_path / "float16" / "resnet50v2.onnx")).graph.initializer
    assert any(t.data_type == onnx.TensorProto.FLOAT16 for t in stored)
    assert sizes["float16"] < 0.6 * sizes["float32"]
    backend = load_backend("resnet50v2", tmp_path / "float16")
    reference = keras.models.load_model(tmp_path / "float16" / "resnet50v2.keras", compile=False)
    assert "shipped ONNX" in backend.runtime
    expected = reference(backend.prepare([astronaut_face]), training=False)
    assert np.abs(backend.predict([astronaut_face]) - np.asarray(expected)).max() <= FLOAT16_PARITY


def test_an_onnx_file_from_another_keras_file_is_ignored(tmp_path, astronaut_face):
    from emotion_desktop.backends import load_backend
    from training.export_onnx import ship_onnx

    folder = tmp_path / "models"
    write_model(folder, "scratch_cnn", build_tiny_model(peak=2), tiny_card("scratch_cnn"))
    card = ship_onnx(folder / "scratch_cnn.keras", json.loads((folder / "scratch_cnn.json").read_text()))
    write_model(folder, "scratch_cnn", build_tiny_model(peak=5), tiny_card("scratch_cnn", onnx=card["onnx"]))
    backend = load_backend("scratch_cnn", folder)  # the .keras file changed since the export
    assert "shipped ONNX" not in backend.runtime
    assert backend.predict([astronaut_face])[0].argmax() == 5  # the new model answers, not the stale file


def test_a_model_without_a_shipped_onnx_file_never_loads_tensorflow_into_the_app(tmp_path):
    """A model without a shipped ONNX file (such as one a user trained) is exported once, in a child
    process, into the cache (parity-checked); the app's own process runs ONNX Runtime both times."""
    folder = tmp_path / "models"
    write_model(folder, "resnet50v2", build_tiny_model(peak=4), tiny_card("resnet50v2"))
    probe = ("import sys, numpy as np\n"
             "from emotion_desktop.backends import load_backend\n"
             f"backend = load_backend('resnet50v2', {str(folder)!r})\n"
             "p = backend.predict([np.full((96, 96, 3), 128, np.uint8)])\n"
             "print(backend.runtime, '|', int(p.argmax()), 'tensorflow' in sys.modules)\n")
    env = {**os.environ, "EMOTION_DESKTOP_CACHE": str(tmp_path / "cache")}
    runs = [subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO, timeout=180,
                           env=env) for _ in range(2)]
    assert all(run.returncode == 0 for run in runs), runs[-1].stderr
    first, second = (run.stdout.strip().splitlines()[-1] for run in runs)
    assert first.startswith("ONNX Runtime") and "exported to ONNX on first load" in first
    assert first.endswith("| 4 False") and second.endswith("| 4 False")
    assert "cached by an earlier run" in second
    cached = [p.name for p in (tmp_path / "cache" / "onnx").iterdir()]
    assert len(cached) == 1 and cached[0].startswith("resnet50v2-") and "unchecked" not in cached[0]

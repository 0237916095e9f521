import numpy as np
import pytest

from emotion_desktop.backends import BACKEND_NAMES, load_backend, probe
from emotion_desktop.backends.base import BackendUnavailableError, remap_columns
from emotion_desktop.labels import EMOTIONS
from tests.conftest import ALPHABETICAL, build_tiny_model, tiny_card, write_model


def test_registry_names():
    assert BACKEND_NAMES == ("scratch_cnn", "resnet50v2", "deepface", "face_expression_net")
    with pytest.raises(ValueError, match="unknown model"):
        load_backend("vgg16")


def test_missing_model_is_unavailable_with_the_fix(tmp_path):
    backend = load_backend("resnet50v2", tmp_path)
    assert not backend.available
    assert str(tmp_path / "resnet50v2.keras") in backend.unavailable_reason
    assert "python -m training.train --model resnet50v2" in backend.unavailable_reason
    with pytest.raises(BackendUnavailableError, match="ResNet50V2 is unavailable"):
        backend.predict([np.zeros((48, 48, 3), np.uint8)])


def test_missing_deepface_weights_names_the_path_and_the_source(monkeypatch, tmp_path):
    monkeypatch.setenv("DEEPFACE_HOME", str(tmp_path))
    reason = probe("deepface")
    assert str(tmp_path / ".deepface" / "weights" / "facial_expression_model_weights.h5") in reason
    assert "emotion-desktop fetch-weights" in reason and "https://" in reason
    assert not load_backend("deepface").available


def test_our_copy_of_deepface_constants_matches_the_library():
    from deepface.models.demography.tf import Emotion

    from emotion_desktop.backends import deepface_backend

    assert deepface_backend.WEIGHTS_URL == Emotion.WEIGHTS_URL[0]
    assert deepface_backend.WEIGHTS_FILE == Emotion.WEIGHTS_URL[0].rsplit("/", 1)[1]


def test_own_model_predicts_probabilities(tiny_models_dir, astronaut_face):
    backend = load_backend("scratch_cnn", tiny_models_dir)
    assert backend.available, backend.unavailable_reason
    probabilities = backend.predict([astronaut_face, astronaut_face[:20, :30], np.zeros((48, 48), np.uint8)])
    assert probabilities.shape == (3, 7) and probabilities.dtype == np.float32
    assert np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
    assert backend.predict([]).shape == (0, 7)


@pytest.mark.parametrize("peak", [0, 4, 6])
def test_own_model_outputs_are_remapped_from_the_cards_label_order(tmp_path, astronaut_face, peak):
    # The model's unit `peak` means ALPHABETICAL[peak] (Kaggle folder order); the backend must
    # report that emotion, which sits elsewhere in EMOTIONS for angry/sad/neutral etc.
    write_model(tmp_path, "scratch_cnn", build_tiny_model(peak=peak), tiny_card("scratch_cnn", ALPHABETICAL))
    backend = load_backend("scratch_cnn", tmp_path)
    predicted = EMOTIONS[int(backend.predict([astronaut_face])[0].argmax())]
    assert predicted == ALPHABETICAL[peak]


def test_onnx_runtime_matches_keras(tiny_models_dir, astronaut_face):
    onnx = load_backend("scratch_cnn", tiny_models_dir, runtime="onnx")
    keras_backend = load_backend("scratch_cnn", tiny_models_dir, runtime="keras")
    assert onnx.runtime.startswith("ONNX Runtime") and keras_backend.runtime.startswith("TensorFlow")
    faces = [astronaut_face, astronaut_face[::-1], astronaut_face[:, ::-1]]
    assert np.allclose(onnx.predict(faces), keras_backend.predict(faces), atol=1e-5)


def test_corrupt_model_file_is_unavailable_not_a_crash(tmp_path):
    write_model(tmp_path, "scratch_cnn", build_tiny_model(), tiny_card("scratch_cnn"))
    (tmp_path / "scratch_cnn.keras").write_bytes(b"PK\x03\x04 definitely not a keras file")
    backend = load_backend("scratch_cnn", tmp_path)
    assert not backend.available and "could not be loaded" in backend.unavailable_reason


def test_a_failed_onnx_export_says_which_file_and_why(tmp_path):
    from emotion_desktop.backends.runners import export_in_child

    (tmp_path / "mine.keras").write_bytes(b"PK\x03\x04 not a keras file either")
    exported, reason = export_in_child(tmp_path / "mine.keras")
    assert exported is None and reason.startswith("ONNX export of mine.keras failed:")


def test_two_processes_exporting_the_same_model_both_get_the_cached_file(tmp_path, monkeypatch):
    # The window and an evaluation can load a model with no ONNX file at the same moment.
    import os
    import time
    from concurrent.futures import ThreadPoolExecutor

    from emotion_desktop.backends.runners import EXPORT_TIMEOUT_S, cached_onnx, export_in_child, onnx_cache_path

    monkeypatch.setenv("EMOTION_DESKTOP_CACHE", str(tmp_path / "cache"))
    model_path = tmp_path / "scratch_cnn.keras"
    write_model(tmp_path, "scratch_cnn", build_tiny_model(), tiny_card("scratch_cnn"))
    # Candidates left by others: one by an exporter killed long ago, one by an export still running.
    onnx_path = onnx_cache_path(model_path)
    onnx_path.parent.mkdir(parents=True)
    abandoned, running = (onnx_path.with_suffix(f".{name}.unchecked.onnx") for name in ("killed", "running"))
    for leftover in (abandoned, running):
        leftover.write_bytes(b"half an export")
    long_ago = time.time() - 3 * EXPORT_TIMEOUT_S
    os.utime(abandoned, (long_ago, long_ago))

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(export_in_child, [model_path] * 2))
    assert results == [(cached_onnx(model_path), "")] * 2
    assert sorted(onnx_path.parent.glob("*.unchecked.onnx")) == [running]


def test_card_that_does_not_fit_the_model_is_refused(tmp_path):
    write_model(tmp_path, "scratch_cnn", build_tiny_model(), tiny_card("scratch_cnn", input_size=64))
    backend = load_backend("scratch_cnn", tmp_path)
    assert not backend.available and "card" in backend.unavailable_reason


def test_deepface_through_the_real_library(deepface_weights, astronaut_face, tiny_models_dir, monkeypatch,
                                           session_tmp):
    # Load one of our models first with an empty ONNX cache (tf2onnx touches tf.keras), then
    # DeepFace: its model must still be built by tf-keras, as DeepFace requires.
    monkeypatch.setenv("EMOTION_DESKTOP_CACHE", str(session_tmp / "fresh-cache"))
    assert load_backend("scratch_cnn", tiny_models_dir, runtime="onnx").available
    backend = load_backend("deepface")
    assert backend.available, backend.unavailable_reason
    assert type(backend.model).__module__.startswith("tf_keras")
    assert backend.runtime.startswith("deepface 0.0.")
    faces = [astronaut_face, astronaut_face[:, ::-1]]
    probabilities = backend.predict(faces)
    assert probabilities.shape == (2, 7) and np.allclose(probabilities.sum(axis=1), 1, atol=1e-5)
    # Same numbers as DeepFace's own model on DeepFace's own preprocessing (48x48 gray, /255).
    import cv2

    gray = np.stack([cv2.resize(cv2.cvtColor(f, cv2.COLOR_BGR2GRAY), (48, 48), interpolation=cv2.INTER_AREA)
                     for f in faces])[..., None] / 255.0
    raw = backend.model(gray.astype(np.float32), training=False).numpy()
    assert np.allclose(probabilities, remap_columns(raw, backend.labels), atol=1e-5)


def test_deepface_labels_are_mapped_by_name():
    shuffled = ["neutral", "angry", "disgust", "fear", "happy", "sad", "surprise"]
    raw = np.eye(7, dtype=np.float32)
    mapped = remap_columns(raw, shuffled)
    for row, name in enumerate(shuffled):
        assert EMOTIONS[int(mapped[row].argmax())] == name


def test_damaged_deepface_weights_are_unavailable(monkeypatch, tmp_path):
    monkeypatch.setenv("DEEPFACE_HOME", str(tmp_path))
    weights = tmp_path / ".deepface" / "weights" / "facial_expression_model_weights.h5"
    weights.parent.mkdir(parents=True)
    weights.write_bytes(b"half a download")
    backend = load_backend("deepface")
    assert not backend.available and "fetch it again" in backend.unavailable_reason

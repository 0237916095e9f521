"""The int8 models: they answer like the float models, and the app runs them only where they are faster,
with the thread count measured on this CPU."""

import json

import numpy as np
import pytest

from emotion_desktop.backends import load_backend, runner_choice
from emotion_desktop.backends.runner_choice import INT8_ENV, THREADS_ENV, prefer_int8, thread_count
from tests.conftest import FER2013, REPO, requires_dataset


class Runner:
    """An ONNX-Runtime-shaped runner that takes ``ms`` per call."""

    input_shape = (None, 4)

    def __init__(self, ms: float):
        self.ms, self.calls = ms, 0

    def __call__(self, batch):
        import time

        self.calls += 1
        time.sleep(self.ms / 1000)
        return batch


def test_the_faster_file_is_chosen_once_per_cpu_and_cached(monkeypatch):
    monkeypatch.delenv(INT8_ENV, raising=False)
    runner_choice.choices_file().unlink(missing_ok=True)
    slow_float, fast_int8 = Runner(4), Runner(1)
    assert prefer_int8(slow_float, fast_int8, "a b") is True
    calls = fast_int8.calls
    assert prefer_int8(slow_float, fast_int8, "a b") is True and fast_int8.calls == calls  # cached: not measured again
    assert prefer_int8(Runner(1), Runner(1.05), "c d") is False  # a tie keeps the exact float model
    recorded = json.loads(runner_choice.choices_file().read_text())
    assert any(key.endswith(" a b") and entry["int8"] for key, entry in recorded.items())
    monkeypatch.setenv(INT8_ENV, "off")
    assert prefer_int8(slow_float, fast_int8, "a b") is False


def test_the_thread_count_is_measured_once_per_cpu_and_file(monkeypatch):
    monkeypatch.delenv(THREADS_ENV, raising=False)
    runner_choice.choices_file().unlink(missing_ok=True)
    model = REPO / "models" / "scratch_cnn.int8.onnx"
    threads = thread_count(model)
    assert threads in (1, 2, 4) and threads <= runner_choice.available_cores()
    entry = next(e for k, e in json.loads(runner_choice.choices_file().read_text()).items() if k.startswith(
        f"{runner_choice.cpu_name()}") and "threads" in e)
    assert entry["threads"] == threads and set(entry["ms_by_threads"]) >= {"1"}
    fastest = min(entry["ms_by_threads"], key=entry["ms_by_threads"].get)
    assert threads == 1 or entry["ms_by_threads"][str(threads)] <= 0.75 * entry["ms_by_threads"]["1"]
    assert entry["ms_by_threads"][str(threads)] <= entry["ms_by_threads"][fastest] / 0.75  # near the fastest
    monkeypatch.setenv(THREADS_ENV, "3")
    assert thread_count(model) == 3


@pytest.mark.parametrize("name", ["scratch_cnn", "resnet50v2"])
def test_the_shipped_card_records_the_int8_file_and_its_scores(name):
    card = json.loads((REPO / "models" / f"{name}.json").read_text())
    record = card["int8"]
    assert (REPO / "models" / record["file"]).is_file()
    for split in ("PublicTest", "PrivateTest"):
        assert record[split]["float_accuracy"] - record[split]["int8_accuracy"] <= 0.003


@requires_dataset()
@pytest.mark.parametrize("name", ["scratch_cnn", "resnet50v2"])
def test_int8_answers_like_the_float_model_on_500_faces(monkeypatch, name):
    from training.data import load_fer2013

    faces = load_fer2013(FER2013)["PublicTest"].subset(500)
    answers = {}
    for setting in ("on", "off"):
        monkeypatch.setenv(INT8_ENV, setting)
        backend = load_backend(name)
        assert ("int8" in backend.runtime) == (setting == "on")
        answers[setting] = np.concatenate([backend.predict(list(faces.images[i:i + 100])) for i in range(0, 500, 100)])
    same = np.mean(answers["on"].argmax(1) == answers["off"].argmax(1))
    correct = {k: int(np.sum(v.argmax(1) == faces.labels)) for k, v in answers.items()}
    assert same >= 0.98 and abs(correct["on"] - correct["off"]) <= 3  # at most 3 of 500 faces (0.6 points)


@pytest.mark.parametrize("setting", ["on", "off"])
def test_a_stale_int8_record_is_ignored(tmp_path, tiny_models_dir, monkeypatch, setting):
    """A card whose int8 record names another float file (a retrained model) runs the float file."""
    import shutil

    monkeypatch.setenv(INT8_ENV, setting)
    folder = tmp_path / "models"
    shutil.copytree(tiny_models_dir, folder)
    card_path = folder / "scratch_cnn.json"
    card = json.loads(card_path.read_text())
    card["int8"] = {"file": "scratch_cnn.int8.onnx", "float_onnx_digest": "not this file"}
    card_path.write_text(json.dumps(card))
    (folder / "scratch_cnn.int8.onnx").write_bytes(b"stale")
    backend = load_backend("scratch_cnn", folder)
    assert backend.available and "int8" not in backend.runtime

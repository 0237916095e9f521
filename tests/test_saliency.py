"""Saliency maps are real: they point where the answer comes from, stay flat where nothing matters,
and reach the window, the session and `predict --explain`."""

import numpy as np
import pytest

from emotion_desktop.backends import load_backend
from emotion_desktop.backends.base import Backend
from emotion_desktop.labels import EMOTIONS
from emotion_desktop.saliency import WORK_SIDE, occlusion_map

MOUTH = (slice(int(WORK_SIDE * 0.68), int(WORK_SIDE * 0.86)), slice(int(WORK_SIDE * 0.3), int(WORK_SIDE * 0.7)))
EYES = (slice(int(WORK_SIDE * 0.25), int(WORK_SIDE * 0.4)), slice(int(WORK_SIDE * 0.2), int(WORK_SIDE * 0.8)))


class MouthReader(Backend):
    """A classifier whose "happy" rises with the brightness of the mouth region and nothing else."""

    name = "mouth_reader"

    def predict(self, faces):
        import cv2

        rows = []
        for face in faces:
            gray = cv2.cvtColor(cv2.resize(face, (WORK_SIDE, WORK_SIDE)), cv2.COLOR_BGR2GRAY).astype(float)
            happy = 1 / (1 + np.exp(-(gray[MOUTH].mean() - 150) / 15))
            row = np.full(len(EMOTIONS), (1 - happy) / (len(EMOTIONS) - 1))
            row[EMOTIONS.index("happy")] = happy
            rows.append(row)
        return np.array(rows, dtype=np.float32)


def synthetic_face() -> np.ndarray:
    face = np.full((WORK_SIDE, WORK_SIDE, 3), 110, np.uint8)
    face[EYES] = 40  # dark eyes: they do not change the answer
    face[MOUTH] = 235  # a bright smile: it does
    return face


def test_the_map_peaks_on_the_mouth_when_only_the_mouth_decides():
    explanation = occlusion_map(MouthReader(), synthetic_face())
    assert EMOTIONS[explanation.emotion_index] == "happy"
    peak = np.unravel_index(np.argmax(explanation.heat), explanation.heat.shape)
    assert MOUTH[0].start <= peak[0] < MOUTH[0].stop and MOUTH[1].start <= peak[1] < MOUTH[1].stop
    assert explanation.heat[MOUTH].mean() > 5 * explanation.heat[EYES].mean()


def test_a_constant_image_gives_a_flat_map_with_a_real_model():
    backend = load_backend("scratch_cnn")  # the shipped model: covering a constant face changes nothing
    explanation = occlusion_map(backend, np.full((120, 120, 3), 128, np.uint8))
    assert not explanation.heat.any()


def test_a_real_face_gets_a_map_from_every_shipped_model(astronaut_bgr):
    face = astronaut_bgr[40:200, 150:310]
    for name in ("scratch_cnn", "resnet50v2", "face_expression_net"):
        heat = occlusion_map(load_backend(name), face).heat
        assert heat.max() == pytest.approx(1.0) and heat.mean() < 0.8, name  # something mattered, not all


def test_predict_explain_writes_a_map_per_face_and_model(tiny_models_dir, odd_images, tmp_path, capsys):
    import cv2

    from emotion_desktop.cli import main

    code = main(["predict", str(odd_images["gray"]), "--explain", str(tmp_path / "why"),
                 "--models-dir", str(tiny_models_dir)])
    assert code == 0
    (written,) = sorted((tmp_path / "why").iterdir())
    assert written.name == "gray.face1.scratch_cnn.png" and cv2.imread(str(written)).shape == (192, 192, 3)


def test_the_window_explains_every_face_of_a_still_in_compare_mode(make_window, qtbot, odd_images,
                                                                   deepface_weights):
    from tests.test_gui import wait_for_faces

    window = make_window(start=("path", odd_images["gray"]))
    window.panel.compare_box.setChecked(True)
    wait_for_faces(qtbot, window, models=("scratch_cnn", "deepface"))
    plain = window.video.image.copy()
    window.menus.explain.trigger()  # Ctrl+H
    qtbot.waitUntil(lambda: all(set(f.explanations) == {"scratch_cnn", "deepface"}
                                for f in window.last_result.faces), timeout=30_000)
    qtbot.waitUntil(lambda: window.video.image != plain, timeout=5_000)  # the maps are drawn
    window.menus.explain.trigger()
    qtbot.waitUntil(lambda: not any(f.explanations for f in window.last_result.faces), timeout=10_000)


def test_a_moving_source_explains_the_charted_face_at_a_reduced_rate(tiny_models_dir, face_video):
    from emotion_desktop.detectors import DEFAULT_DETECTOR, make_detector
    from emotion_desktop.pipeline import Pipeline
    from emotion_desktop.session import Session
    from emotion_desktop.sources import VideoFileSource

    session = Session(Pipeline(make_detector(DEFAULT_DETECTOR), [load_backend("scratch_cnn", tiny_models_dir)]))
    session.explain = True
    maps = [face.explanations.get("scratch_cnn") for result, _frame, _ in
            session.analyse(VideoFileSource(face_video)) for face in result.faces]
    assert len(maps) >= 20 and all(m is not None for m in maps)  # every frame shows the face's map
    assert len({id(m) for m in maps}) < len(maps) / 4  # computed about once a second, shown in between

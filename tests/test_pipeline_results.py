import csv
import json

import numpy as np
import pytest

from emotion_desktop.backends import load_backend
from emotion_desktop.detectors.haar import HaarFaceDetector
from emotion_desktop.drawing import annotate
from emotion_desktop.geometry import iou
from emotion_desktop.labels import EMOTIONS
from emotion_desktop.pipeline import Pipeline
from emotion_desktop.results import SessionLog
from emotion_desktop.sources import DemoSource, Frame, VideoFileSource


@pytest.fixture(scope="module")
def scratch(tiny_models_dir):
    return load_backend("scratch_cnn", tiny_models_dir)


def test_frame_result_has_faces_tracks_timings(scratch, astronaut_bgr):
    pipeline = Pipeline(HaarFaceDetector(), [scratch])
    result = pipeline.process(Frame(astronaut_bgr, 0, 0.0), capture_ms=1.5)
    assert len(result.faces) == 1
    face = result.faces[0]
    assert face.track_id == 1 and 0 < face.confidence <= 1
    assert face.probabilities["scratch_cnn"].shape == (7,)
    assert np.isclose(face.probabilities["scratch_cnn"].sum(), 1, atol=1e-5)
    assert set(result.timings_ms) >= {"capture", "detect", "classify", "total"}
    assert result.timings_ms["capture"] == 1.5 and result.model_ms["scratch_cnn"] > 0


def test_tracks_and_smoothing_across_video_frames(scratch, face_video):
    pipeline = Pipeline(HaarFaceDetector(), [scratch], smoothing_s=0.5)
    ids, changes = set(), []
    with VideoFileSource(face_video) as source:
        while (frame := source.read()) is not None:
            result = pipeline.process(frame)
            for face in result.faces:
                ids.add(face.track_id)
                changes.append(np.abs(face.smoothed["scratch_cnn"] - face.probabilities["scratch_cnn"]).max())
    assert ids == {1}  # the drifting face keeps one identity
    assert changes[0] == 0  # the first frame has nothing to smooth with


def test_detect_every_n_frames_keeps_boxes_between_detections(scratch):
    demo = DemoSource()
    pipeline = Pipeline(HaarFaceDetector(), [scratch], detect_every=3)
    counts = [len(pipeline.process(demo.read()).faces) for _ in range(9)]
    assert counts == [1] * 9


def test_faces_are_followed_between_full_detections(scratch):
    demo, haar = DemoSource(), HaarFaceDetector()
    pipeline = Pipeline(haar, [scratch], detect_every=100)  # one full detection, then following only
    results = [pipeline.process(demo.read()) for _ in range(30)]
    assert [len(r.faces) for r in results] == [1] * 30 and {r.faces[0].track_id for r in results} == {1}
    truth = haar.detect(demo.render(29))[0].box
    assert iou(results[-1].faces[0].box, truth) > 0.75  # the box moved with the panning face
    assert iou(results[-1].faces[0].box, results[0].faces[0].box) < 0.9


def test_a_face_that_leaves_is_dropped_on_the_next_frame(scratch, astronaut_bgr):
    pipeline = Pipeline(HaarFaceDetector(), [scratch], detect_every=100)
    blank = np.full_like(astronaut_bgr, 127)
    counts = [len(pipeline.process(Frame(image, i, i / 30)).faces)
              for i, image in enumerate([astronaut_bgr, astronaut_bgr, blank, blank, blank])]
    # the local search misses on the first blank frame (box kept), the full search it triggers drops it
    assert counts == [1, 1, 1, 0, 0]


def test_a_new_face_appears_within_detect_every_frames(scratch, astronaut_bgr):
    pipeline = Pipeline(HaarFaceDetector(), [scratch], detect_every=4)
    head = astronaut_bgr[:256, 96:352]  # her face at the size it has in the photo
    pair = np.hstack([head, head])
    alone = np.hstack([head, np.full_like(head, 127)])
    counts = [len(pipeline.process(Frame(image, i, i / 30)).faces)
              for i, image in enumerate([alone, alone, pair, pair, pair, pair])]
    assert counts == [1, 1, 1, 1, 2, 2]  # full searches on frames 0 and 4: the newcomer shows on frame 4


def test_one_failing_model_does_not_stop_the_others(scratch, astronaut_bgr):
    class Broken:
        name, display_name, available = "broken", "Broken", True

        def predict(self, faces):
            raise RuntimeError("boom")

    result = Pipeline(HaarFaceDetector(), [Broken(), scratch]).process(Frame(astronaut_bgr, 0, 0.0))
    assert "boom" in result.errors["broken"]
    assert "scratch_cnn" in result.faces[0].probabilities


def test_compare_mode_runs_the_models_at_once_with_the_answers_each_gives_alone(scratch, astronaut_bgr):
    from tests.extra_backend import BrightnessBackend

    frame = Frame(np.hstack([astronaut_bgr, astronaut_bgr[:, ::-1]]), 0, 0.0, still=True)
    models = [scratch, BrightnessBackend()]
    together = Pipeline(HaarFaceDetector(), models, smoothing_s=0.0).process(frame)
    assert len(together.faces) == 2 and set(together.model_ms) == {m.name for m in models}
    for model in models:
        alone = Pipeline(HaarFaceDetector(), [model], smoothing_s=0.0).process(frame)
        for face_together, face_alone in zip(together.faces, alone.faces):
            assert np.array_equal(face_together.probabilities[model.name], face_alone.probabilities[model.name])


def test_no_face_gives_an_empty_result(scratch):
    result = Pipeline(HaarFaceDetector(), [scratch]).process(Frame(np.full((300, 400, 3), 60, np.uint8), 0, 0.0))
    assert result.faces == [] and result.model_ms == {}


def test_annotation_draws_boxes_in_the_emotion_colour(scratch, astronaut_bgr):
    from emotion_desktop.drawing import UNCERTAIN_BGR
    from emotion_desktop.labels import EMOTION_COLORS_BGR

    result = Pipeline(HaarFaceDetector(), [scratch]).process(Frame(astronaut_bgr, 0, 0.0))
    result.faces[0].uncertain.clear()  # the tiny test model is never sure: drawn as if it were
    drawn = annotate(astronaut_bgr, result)
    x, y, w, h = result.faces[0].box
    label, _ = result.faces[0].top("scratch_cnn")
    colour = np.array(EMOTION_COLORS_BGR[label])
    edge = drawn[y + h // 2, x]  # a pixel on the box's left edge
    assert np.abs(edge.astype(int) - colour).max() <= 2
    result.faces[0].uncertain["scratch_cnn"] = 4  # the same face, its answer withheld: a grey box
    edge = annotate(astronaut_bgr, result)[y + h // 2, x]
    assert np.abs(edge.astype(int) - np.array(UNCERTAIN_BGR)).max() <= 2
    assert not np.array_equal(drawn, astronaut_bgr) and np.array_equal(astronaut_bgr, astronaut_bgr.copy())


def test_json_follows_deepfaces_shape_and_csv_matches(scratch, astronaut_bgr, tmp_path):
    pipeline = Pipeline(HaarFaceDetector(), [scratch])
    log = SessionLog()
    log.start_source("astronaut.png", "image")
    result = pipeline.process(Frame(astronaut_bgr, 0, 0.0, "astronaut.png", still=True))
    result.source = "astronaut.png"
    log.add(result)
    data = log.as_json()
    assert data[0]["file"] == "astronaut.png" and data[0]["type"] == "image"
    face = data[0]["frames"][0]["faces"][0]
    assert set(face) >= {"emotion", "dominant_emotion", "region", "face_confidence", "model", "track_id", "frame",
                         "time_s", "emotion_smoothed"}
    assert list(face["emotion"]) == list(EMOTIONS)
    assert sum(face["emotion"].values()) == pytest.approx(100, abs=0.01)
    assert face["dominant_emotion"] == max(face["emotion"], key=face["emotion"].get)
    assert set(face["region"]) == {"x", "y", "w", "h"}
    log.export_json(tmp_path / "r.json")
    assert json.loads((tmp_path / "r.json").read_text()) == data
    log.export_csv(tmp_path / "r.csv")
    rows = list(csv.DictReader(open(tmp_path / "r.csv")))
    assert len(rows) == 1 and rows[0]["model"] == "scratch_cnn"
    assert float(rows[0]["happy"]) == pytest.approx(face["emotion"]["happy"], abs=1e-3)


def test_session_log_stays_small():
    from emotion_desktop.results import FaceResult, FrameResult

    log = SessionLog()
    log.start_source("clip", "video")
    probabilities = {m: np.full(7, 1 / 7, np.float32) for m in ("a", "b", "c")}
    for index in range(2000):
        face = FaceResult((1, 2, 3, 4), 0.9, 1, probabilities=probabilities, smoothed=probabilities)
        log.add(FrameResult(index, index / 30, "clip", [face], models=list(probabilities)))
    stored = sum(block.nbytes for s in log.sources for store in (s.faces, s.frames) for block in store.blocks)
    assert log.face_count == 6000 and stored / 6000 <= 200


def test_a_still_classified_again_replaces_its_result(scratch, astronaut_bgr, tmp_path):
    """Compare mode toggled on and off on one photo: one frame in the log, with the last answers."""
    pipeline = Pipeline(HaarFaceDetector(), [scratch])
    log = SessionLog()
    log.start_source("photos", "images")
    photo = Frame(astronaut_bgr, 0, 0.0, name="astronaut.png", still=True)
    for _ in range(4):
        log.add(pipeline.process(photo), still=True)
    assert log.frame_count == 1 and log.face_count == 1
    other = Frame(astronaut_bgr[:, ::-1].copy(), 1, 0.0, name="mirrored.png", still=True)
    log.add(pipeline.process(other), still=True)
    log.add(pipeline.process(photo), still=True)  # back to the first photo: a new visit, not the last frame
    assert log.frame_count == 3
    log.export_csv(tmp_path / "results.csv")
    rows = list(csv.DictReader(open(tmp_path / "results.csv")))
    assert [row["image"] for row in rows] == ["astronaut.png", "mirrored.png", "astronaut.png"]

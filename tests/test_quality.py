"""Answer or say "uncertain": the quality record, its rules, and where they show."""

import json

import cv2
import numpy as np
import pytest

from emotion_desktop.detectors.blazeface import head_turn
from emotion_desktop.quality import MIN_FACE_PX, REASONS, FaceQuality, sharpness, uncertain_code


def test_sharpness_falls_with_blur_and_ignores_lighting(astronaut_bgr):
    face = astronaut_bgr[40:200, 150:310]
    sharp = sharpness(face)
    assert sharpness(cv2.GaussianBlur(face, (0, 0), 6)) < sharp / 3
    darker = np.clip(face * 0.6, 0, 255).astype(np.uint8)
    assert abs(sharpness(darker) - sharp) < 0.1 * sharp  # a darker face is not a blurred one


def test_head_turn_from_the_keypoints():
    frontal = np.array([[40.0, 50.0], [80.0, 50.0], [60.0, 70.0]])  # eyes, then the nose between them
    turned = np.array([[40.0, 50.0], [80.0, 50.0], [80.0, 70.0]])  # the nose under one eye
    assert head_turn(frontal) == 0.0 and head_turn(turned) == 0.5


def test_each_rule_gives_its_reason():
    good = FaceQuality(120, 80.0, 0.1)
    assert uncertain_code(good, 0.9) == 0
    assert REASONS[uncertain_code(FaceQuality(MIN_FACE_PX - 1, 80.0, 0.1), 0.9)] == "small face"
    assert REASONS[uncertain_code(FaceQuality(120, 0.5, 0.1), 0.9)] == "blurred face"
    assert REASONS[uncertain_code(FaceQuality(120, 80.0, 0.9), 0.9)] == "head turned"
    assert REASONS[uncertain_code(good, 0.16)] == "model unsure"


def test_a_tiny_face_is_uncertain_in_json_csv_and_summary(astronaut_bgr, tmp_path):
    import csv

    from emotion_desktop.backends import load_backend
    from emotion_desktop.detectors import make_detector
    from emotion_desktop.pipeline import Pipeline
    from emotion_desktop.results import SessionLog
    from emotion_desktop.sources import Frame

    pipeline = Pipeline(make_detector("blazeface"), [load_backend("scratch_cnn")])
    log = SessionLog()
    log.start_source("faces", "image")
    face = astronaut_bgr[40:200, 150:310]
    for index, side in enumerate((20, 150)):  # a 20 px face crop (a thumbnail), then a 150 px one
        result = pipeline.process(Frame(cv2.resize(face, (side, side)), index, 0.0, f"{side}.png", still=True))
        (found,) = result.faces
        assert found.quality.size_px == min(found.box[2:])
        assert (found.uncertain_reason("scratch_cnn") == "small face") == (side < MIN_FACE_PX)
        log.add(result, still=True)
        pipeline.reset()
    records = [face for frame in log.as_json()[0]["frames"] for face in frame["faces"]]
    assert [r["uncertain_reason"] == "small face" for r in records] == [True, False]
    assert records[0]["uncertain"] is True and set(records[0]["quality"]) == {"size_px", "sharpness", "head_turn"}
    log.export_csv(tmp_path / "faces.csv")
    rows = list(csv.DictReader(open(tmp_path / "faces.csv")))
    assert [r["uncertain_reason"] for r in rows][0] == "small face" and rows[0]["uncertain"] == "1"
    json.dumps(log.as_json())  # serialisable


def test_the_summary_counts_uncertain_time_apart():
    from emotion_desktop.summary import summarise

    happy, sad = np.eye(7)[3], np.eye(7)[4]
    (summary,) = summarise([0.0, 0.1, 0.2, 0.3], [1] * 4, [0] * 4, [happy, happy, sad, sad], ["m"],
                           uncertain=[False, False, True, True])
    assert summary.uncertain_share == pytest.approx(0.5) and summary.dominant == "happy"
    assert summary.dominant_share["sad"] == 0

"""The per-face session summary: visible time, dominant-emotion shares, mean probabilities."""

import csv
import json

import numpy as np
import pytest

from emotion_desktop.labels import EMOTIONS
from emotion_desktop.results import FaceResult, FrameResult, SessionLog, summary_csv_path
from emotion_desktop.summary import MAX_GAP_S, summarise


def one_hot(emotion: str, strength: float = 0.9) -> np.ndarray:
    row = np.full(7, (1 - strength) / 6, np.float32)
    row[EMOTIONS.index(emotion)] = strength
    return row


def test_shares_and_means_follow_the_time_each_emotion_led():
    times = np.arange(40) / 10  # 4 s at 10 fps: happy for 3 s, then sad for 1 s
    rows = [one_hot("happy") if t < 3 else one_hot("sad") for t in times]
    (summary,) = summarise(times, np.ones(40), np.zeros(40), rows, ["scratch_cnn"])
    assert summary.frames == 40 and summary.dominant == "happy"
    assert summary.visible_s == pytest.approx(4.0)
    assert summary.dominant_share["happy"] == pytest.approx(0.75)
    assert summary.dominant_share["sad"] == pytest.approx(0.25)
    assert summary.mean_percent["happy"] == pytest.approx(0.75 * 90 + 0.25 * 10 / 6, abs=0.01)
    assert sum(summary.mean_percent.values()) == pytest.approx(100, abs=0.01)


def test_time_away_from_the_view_is_not_counted_as_visible():
    times = np.concatenate([np.arange(10) / 10, 60 + np.arange(10) / 10])  # 1 s, a minute away, 1 s
    (summary,) = summarise(times, np.full(20, 3), np.zeros(20), [one_hot("fear")] * 20, ["m"])
    assert summary.visible_s == pytest.approx(2.0 + MAX_GAP_S - 0.1)
    assert (summary.first_s, summary.last_s) == (0.0, pytest.approx(60.9))


def test_each_face_and_model_gets_its_own_summary_and_stills_count_per_image():
    tracks, models = np.array([1, 1, 2, 2, 1]), np.array([0, 1, 0, 1, 0])
    rows = [one_hot("happy"), one_hot("sad"), one_hot("angry"), one_hot("angry"), one_hot("neutral")]
    summaries = summarise(np.zeros(5), tracks, models, rows, ["cnn", "resnet"])
    assert [(s.track_id, s.model, s.frames) for s in summaries] == [(1, "cnn", 2), (1, "resnet", 1), (2, "cnn", 1),
                                                                     (2, "resnet", 1)]
    assert summaries[0].visible_s == 0.0 and summaries[0].dominant_share["happy"] == 0.5


def test_exports_carry_the_summary(tmp_path):
    log = SessionLog()
    log.start_source("clip.mp4", "video")
    for index in range(30):
        emotion = "surprise" if index < 20 else "happy"
        probabilities = {"scratch_cnn": one_hot(emotion)}
        face = FaceResult((10, 10, 50, 50), 0.9, 7, probabilities=probabilities, smoothed=probabilities)
        log.add(FrameResult(index, index / 30, "clip.mp4", [face], models=["scratch_cnn"]))
    (entry,) = log.as_json()
    (summary,) = entry["summary"]
    assert summary["track_id"] == 7 and summary["dominant_emotion"] == "surprise" and summary["frames"] == 30
    assert summary["visible_s"] == pytest.approx(1.0, abs=1e-3)
    json.dumps(entry)  # plain JSON types only
    log.export_csv(tmp_path / "results.csv")
    with open(summary_csv_path(tmp_path / "results.csv")) as handle:
        (row,) = list(csv.DictReader(handle))
    assert row["source"] == "clip.mp4" and row["dominant_emotion"] == "surprise"
    assert float(row["surprise_share"]) == pytest.approx(2 / 3, abs=1e-3)


def test_compare_mode_summary_reports_how_often_the_models_agreed_on_each_face():
    import numpy as np

    from emotion_desktop.results import FaceResult, FrameResult, SessionLog

    happy, sad = np.eye(7)[3].astype(np.float32), np.eye(7)[4].astype(np.float32)
    log = SessionLog()
    log.start_source("clip.mp4", "video")
    for index, second_model in enumerate([happy, happy, happy, sad]):  # agree on 3 of 4 frames
        face = FaceResult(box=(10, 10, 80, 80), confidence=0.9, track_id=1,
                          probabilities={"a": happy, "b": second_model}, smoothed={"a": happy, "b": second_model})
        log.add(FrameResult(frame_index=index, time_s=index / 10, faces=[face], models=["a", "b"]))
    summaries = log.as_json()[0]["summary"]
    assert [s["models_agree"] for s in summaries] == [0.75, 0.75]

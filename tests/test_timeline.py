"""The live timeline's history: per face and model, bounded in time, reset when time runs back."""

import numpy as np

from emotion_desktop.results import FaceResult, FrameResult
from emotion_desktop.timeline import MAX_SPAN_S, Timeline


def frame(time_s: float, tracks=(1,), models=("cnn",), value: float = 0.5) -> FrameResult:
    faces = []
    for track in tracks:
        probabilities = {m: np.full(7, value, np.float32) for m in models}
        faces.append(FaceResult((0, 0, 10, 10), 1.0, track, probabilities=probabilities, smoothed=probabilities))
    return FrameResult(0, time_s, "clip", faces, models=list(models))


def test_the_timeline_shows_the_last_span_seconds_of_each_face_and_model():
    timeline = Timeline(span_s=10)
    for index in range(600):  # 20 s at 30 fps; face 2 only in the second half
        timeline.add(frame(index / 30, tracks=(1, 2) if index >= 300 else (1,), models=("cnn", "resnet")))
    times, values = timeline.series(1, "cnn")
    assert len(times) == 301 and round(times[0], 6) == -10.0 and times[-1] == 0.0 and values.shape == (301, 7)
    assert len(timeline.series(2, "resnet")[0]) == 300  # all of its 10 s
    assert len(timeline.series(3, "cnn")[0]) == 0
    timeline.span_s = 15  # widening shows what is still kept
    assert len(timeline.series(1, "cnn")[0]) == 451


def test_history_is_bounded_and_starts_again_when_time_runs_back():
    timeline = Timeline()
    for index in range(int((MAX_SPAN_S + 60) * 10)):
        timeline.add(frame(index / 10))
    oldest = timeline.series(1, "cnn")
    timeline.span_s = MAX_SPAN_S * 2
    assert timeline.series(1, "cnn")[0][0] >= -MAX_SPAN_S and len(oldest[0]) > 0
    timeline.add(frame(0.0, tracks=(5,)))  # a looped video starts again
    assert len(timeline.series(1, "cnn")[0]) == 0 and len(timeline.series(5, "cnn")[0]) == 1

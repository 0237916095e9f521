"""Labels that never collide, stay legible at any resolution, and a pixel snapshot of the look.

Snapshots: tests/snapshots/*.png. After an intended change of the look, regenerate them with
``UPDATE_SNAPSHOTS=1 python -m pytest tests/test_drawing.py`` and look at the new files.
"""

import os
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from emotion_desktop.drawing import _overlap, annotate, label_scale, label_size, layout_labels
from emotion_desktop.labels import EMOTIONS
from emotion_desktop.results import FaceResult, FrameResult

SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"
TOLERANCE = 2.0  # mean absolute difference per pixel (0..255) allowed against a snapshot


def face(box, track, emotion, probability=0.87):
    values = np.full(7, (1 - probability) / 6, np.float32)
    values[EMOTIONS.index(emotion)] = probability
    result = FaceResult(box=box, confidence=0.99, track_id=track)
    for model in ("scratch_cnn", "resnet50v2", "deepface"):
        result.probabilities[model] = result.smoothed[model] = np.roll(values, {"scratch_cnn": 0, "resnet50v2": 0,
                                                                               "deepface": 1}[model])
    return result


def group_result(models):
    """Four faces close together, one behind another: the crowded case of a group photo."""
    faces = [face((40, 60, 70, 70), 1, "happy"), face((118, 58, 66, 66), 2, "surprise", 0.64),
             face((190, 70, 60, 60), 3, "neutral", 0.52), face((95, 130, 64, 64), 4, "sad", 0.71)]
    return FrameResult(frame_index=0, time_s=0.0, faces=faces, models=list(models))


def test_labels_overlap_no_other_label_or_face_in_a_crowded_photo():
    result = group_result(["scratch_cnn", "resnet50v2", "deepface"])
    boxes = [f.box for f in result.faces]
    scale = label_scale((300, 320))
    sizes = [label_size(["CNN: happy 87%", "ResNet: happy 87%", "DeepFace: disgust 87%"], scale)] * len(boxes)
    rects = layout_labels(boxes, sizes, (320, 300))
    for i, rect in enumerate(rects):
        assert 0 <= rect[0] and rect[0] + rect[2] <= 320 and 0 <= rect[1] and rect[1] + rect[3] <= 300
        for j, other in enumerate(rects):
            assert i == j or _overlap(rect, other) == 0, (i, j)
        for j, box in enumerate(boxes):
            assert i == j or _overlap(rect, box) == 0, (i, j)


def test_a_huge_photo_keeps_readable_labels_and_draws_fast():
    image = np.full((10000, 10000, 3), 120, np.uint8)
    result = FrameResult(frame_index=0, time_s=0.0, faces=[face((4000, 4000, 1500, 1500), 1, "happy")],
                         models=["scratch_cnn"])
    started = time.perf_counter()
    drawn = annotate(image, result)
    elapsed = time.perf_counter() - started
    assert max(drawn.shape[:2]) == 2560  # drawn at a size a screen can show
    factor = 2560 / 10000
    x, y, w, h = (int(v * factor) for v in result.faces[0].box)
    assert (drawn[y + h // 2, x - 2: x + 3] != 120).any()  # the box's edges are drawn
    assert (drawn[y + h - 1: y + h + 3, x + w // 2] != 120).any()  # including the bottom one
    text_rows = np.where((drawn != 120).any(axis=(1, 2)))[0]
    assert text_rows.min() < y - 0.01 * drawn.shape[0]  # a label block above the face, not a speck
    print(f"\n10000x10000 photo annotated in {elapsed * 1000:.0f} ms")


@pytest.mark.parametrize("name, models", [("one_model", ["scratch_cnn"]),
                                          ("compare", ["scratch_cnn", "resnet50v2", "deepface"])])
def test_annotated_frame_matches_its_snapshot(name, models):
    canvas = np.zeros((300, 320, 3), np.uint8)
    canvas[:] = (70, 90, 110)
    drawn = annotate(canvas, group_result(models), selected_track=2)
    path = SNAPSHOTS / f"group_{name}.png"
    if os.environ.get("UPDATE_SNAPSHOTS") or not path.is_file():
        if not os.environ.get("UPDATE_SNAPSHOTS"):
            pytest.fail(f"no snapshot {path.name}: run with UPDATE_SNAPSHOTS=1 and look at it")
        SNAPSHOTS.mkdir(exist_ok=True)
        cv2.imwrite(str(path), drawn)
    expected = cv2.imread(str(path))
    assert expected.shape == drawn.shape
    difference = np.abs(expected.astype(int) - drawn).mean()
    assert difference <= TOLERANCE, f"{path.name} differs by {difference:.2f} per pixel; if intended, update it"

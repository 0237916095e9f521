"""Training on faces as the app crops them (``training.detector_crops``, ``train --detector-crops``)."""

import cv2
import numpy as np

from training.data import Split


def gray48(face_bgr: np.ndarray) -> np.ndarray:
    return cv2.resize(cv2.cvtColor(face_bgr, cv2.COLOR_BGR2GRAY), (48, 48), interpolation=cv2.INTER_AREA)


def test_a_found_face_is_cropped_by_the_detectors_box_and_a_face_free_image_is_skipped(astronaut_face):
    from training.detector_crops import make_detector_crops

    face = gray48(astronaut_face)
    flat = np.full((48, 48), 128, np.uint8)
    crops, index = make_detector_crops(np.stack([flat, face, face]))
    assert index.tolist() == [1, 2]
    assert crops.shape == (2, 48, 48) and crops.dtype == np.uint8
    # The same face, framed by the detector's box rather than by the original square: alike, not equal.
    for found in crops:
        likeness = np.corrcoef(found.ravel().astype(float), face.ravel().astype(float))[0, 1]
        assert 0.3 < likeness < 0.999


def test_crops_are_kept_and_the_second_call_reads_them(astronaut_face, tmp_path):
    from training.detector_crops import cached_detector_crops

    faces = np.stack([gray48(astronaut_face)] * 2)
    first = cached_detector_crops(faces, tmp_path)
    kept = list(tmp_path.glob("detector_crops_blazeface_*.npz"))
    assert len(kept) == 1
    second = cached_detector_crops(faces, tmp_path)
    assert np.array_equal(first[0], second[0]) and np.array_equal(first[1], second[1])


def test_training_split_gains_one_labelled_crop_per_found_face(astronaut_face, monkeypatch, tmp_path):
    import training.train as train

    monkeypatch.setattr("emotion_desktop.environment.cache_dir", lambda: tmp_path)
    face = gray48(astronaut_face)
    split = Split(np.stack([face, np.zeros((48, 48), np.uint8), face]), np.array([3, 0, 5]),
                  np.array(["a", "b", "c"]))
    grown = train.with_detector_crops(split, "blazeface")
    assert len(grown) == 5
    assert grown.labels.tolist() == [3, 0, 5, 3, 5] and grown.names.tolist()[3:] == ["a", "c"]

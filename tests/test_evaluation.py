"""`emotion-desktop evaluate`: folders by meaning, photos and crops, the same numbers as training.compare."""

import json

import cv2
import numpy as np
import pytest

from emotion_desktop.cli import main
from emotion_desktop.evaluation import NO_FACE, emotion_of_folder, evaluate_folder, scan_folder, scores
from emotion_desktop.labels import EMOTIONS


def fer_like_folder(root, astronaut_bgr, per_class=3):
    """root/test/<emotion>/PrivateTest_*.png: 48x48 gray crops of a real face, varied so that a real
    model gives varied answers (the labels are arbitrary: only agreement matters)."""
    face = cv2.cvtColor(astronaut_bgr[40:200, 150:310], cv2.COLOR_BGR2GRAY)
    for index, emotion in enumerate(EMOTIONS):
        folder = root / "test" / emotion
        folder.mkdir(parents=True)
        for k in range(per_class):
            angle, shift = (index * per_class + k) * 7 - 70, k * 6
            matrix = cv2.getRotationMatrix2D((80, 80), angle, 1.0 + 0.1 * k)
            matrix[0, 2] += shift
            variant = cv2.warpAffine(face, matrix, (160, 160), borderMode=cv2.BORDER_REFLECT)
            cv2.imwrite(str(folder / f"PrivateTest_{index}{k}.png"), cv2.resize(variant, (48, 48)))
    return root


def test_folder_names_are_read_by_meaning():
    assert [emotion_of_folder(n) for n in ("Anger", "disgusted", "FEARFUL", "happiness", "Sadness", "surprised",
                                          "normal", "03_happy", "contempt", "cats")] == [
        "angry", "disgust", "fear", "happy", "sad", "surprise", "neutral", "happy", None, None]


def test_scores_count_a_missing_face_as_wrong_in_its_own_column():
    result = scores([3, 3, 3, 4], [3, NO_FACE, 4, 4])
    assert result["accuracy"] == 0.5 and result["no_face"] == 1
    assert result["per_class_recall"] == {"happy": pytest.approx(1 / 3, abs=1e-4), "sad": 1.0}
    assert result["confusion_matrix"][3] == [0, 0, 0, 1, 1, 0, 0, 1]


def test_numbers_agree_with_training_compare_on_a_fer_style_folder(tmp_path, astronaut_bgr):
    from emotion_desktop.backends import load_backend
    from emotion_desktop.detectors.haar import HaarFaceDetector
    from training.compare import predict_split
    from training.data import load_folder_layout
    from training.metrics import summarise

    root = fer_like_folder(tmp_path / "fer", astronaut_bgr)
    backend = load_backend("scratch_cnn")
    split = load_folder_layout(root)["PrivateTest"]  # what training.compare reads
    expected = summarise(split.labels, predict_split(backend, split.images))
    report = evaluate_folder(root / "test", [backend], HaarFaceDetector())
    got = report["models"]["scratch_cnn"]
    assert (np.asarray(got["confusion_matrix"]).sum(axis=0) > 0).sum() > 1  # the answers do vary
    assert (got["accuracy"], got["macro_f1"]) == (expected["accuracy"], expected["macro_f1"])
    assert got["per_class_recall"] == expected["per_class_recall"]
    assert [row[:7] for row in got["confusion_matrix"]] == expected["confusion_matrix"]


def test_cli_evaluates_photos_lists_faceless_and_broken_files_and_writes_the_report(tmp_path, astronaut_bgr,
                                                                                     tiny_models_dir, capsys):
    folder = tmp_path / "mine"
    for name in ("Happiness", "sad", "unsure"):
        (folder / name).mkdir(parents=True)
    cv2.imwrite(str(folder / "Happiness" / "astronaut.jpg"), astronaut_bgr)  # a photo: the detector finds the face
    cv2.imwrite(str(folder / "sad" / "wall.png"), np.full((400, 400, 3), 120, np.uint8))  # no face at all
    (folder / "sad" / "broken.jpg").write_bytes(b"\xff\xd8 not really a jpeg")
    cv2.imwrite(str(folder / "unsure" / "x.png"), astronaut_bgr)
    assert len(scan_folder(folder).paths) == 3

    code = main(["evaluate", str(folder), "--model", "scratch_cnn", "--models-dir", str(tiny_models_dir),
                 "--json", str(tmp_path / "e.json"), "--report", str(tmp_path / "report")])
    out = capsys.readouterr().out
    assert code == 0
    assert "skipped folders (no emotion of the seven): unsure" in out
    assert "1 without a face and 1 unreadable: counted as wrong" in out
    report = json.loads((tmp_path / "e.json").read_text())
    assert report["no_face"] == [str(folder / "sad" / "wall.png")]
    assert report["unreadable"][0]["file"] == str(folder / "sad" / "broken.jpg")
    model = report["models"]["scratch_cnn"]
    assert model["count"] == 3 and model["no_face"] == 2 and model["confusion_matrix"][4][7] == 2
    image = cv2.imread(str(tmp_path / "report" / "confusion.png"))
    assert image is not None and image.shape[0] > 300
    assert main(["evaluate", str(tmp_path / "nowhere")]) == 2

"""FaceExpressionNet (face-api.js, converted to ONNX): parity with the TF.js original, its own crop,
and its place beside the other models."""

import json

import numpy as np

from emotion_desktop.backends import load_backend, probe, read_cards
from emotion_desktop.backends.face_expression_net import pad_to_square
from emotion_desktop.detectors.blazeface import BlazeFaceDetector
from emotion_desktop.geometry import crop
from emotion_desktop.labels import EMOTIONS
from tools.convert_face_expression import LABELS, REFERENCE, parity_inputs


def test_the_shipped_onnx_answers_like_the_tfjs_original():
    """The original's answers were recorded by tools/convert_face_expression.py, running the npm
    package's own network in Node; the shipped file must reproduce them."""
    reference = json.loads(REFERENCE.read_text())
    assert reference["labels"] == LABELS
    backend = load_backend("face_expression_net")
    assert backend.available, backend.unavailable_reason
    answers = backend._run(parity_inputs())  # the raw network, in the package's own label order
    assert np.abs(answers - np.array(reference["probabilities"])).max() < 1e-4


def test_it_reads_a_real_face_through_the_app_crop(astronaut_bgr):
    backend = load_backend("face_expression_net")
    (face,) = BlazeFaceDetector().detect(astronaut_bgr, thorough=True)
    probabilities = backend.predict([crop(astronaut_bgr, face.box), astronaut_bgr[:10, :300]])
    assert probabilities.shape == (2, 7) and np.allclose(probabilities.sum(axis=1), 1, atol=1e-5)
    assert EMOTIONS[int(probabilities[0].argmax())] == "happy"  # she smiles
    assert backend.predict([]).shape == (0, 7)


def test_faces_are_padded_to_a_centred_square_not_stretched():
    wide = np.full((20, 60, 3), 200, np.uint8)
    square = pad_to_square(wide)
    assert square.shape == (60, 60, 3)
    assert square[:20].max() == 0 and square[40:].max() == 0 and square[20:40].min() == 200


def test_it_is_offered_without_any_download(tmp_path):
    assert probe("face_expression_net") is None
    card = read_cards()["face_expression_net"]
    assert card["input_size"] == 112 and "MIT" in card["source"]
    assert (REFERENCE.parents[2] / "models" / "LICENSE-face-api.txt").is_file()  # its MIT notice ships beside it
    missing = load_backend("face_expression_net", tmp_path)
    assert not missing.available and "convert_face_expression.py" in missing.unavailable_reason

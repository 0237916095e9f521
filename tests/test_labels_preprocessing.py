import numpy as np
import pytest

from emotion_desktop.labels import EMOTIONS, label_index
from emotion_desktop.model_card import ModelCardError, parse_card
from emotion_desktop.preprocessing import normalise, prepare_faces, to_bgr, to_gray


def test_canonical_order_is_fer2013_and_deepface_order():
    assert EMOTIONS == ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
    from deepface.models.demography.DemographyUtils import EMOTION_LABELS

    assert tuple(EMOTION_LABELS) == EMOTIONS


def test_label_index_maps_by_name_not_position():
    assert label_index("Sad") == 4 and label_index("neutral") == 6
    with pytest.raises(ValueError, match="unknown emotion"):
        label_index("contempt")


@pytest.mark.parametrize("image", [
    np.zeros((20, 30), np.uint8),
    np.zeros((20, 30, 1), np.uint8),
    np.zeros((20, 30, 4), np.uint8),
    np.zeros((20, 30, 3), np.uint16),
    np.zeros((20, 30, 3), np.float32),
])
def test_any_decoded_image_becomes_bgr_uint8(image):
    bgr = to_bgr(image)
    assert bgr.shape == (20, 30, 3) and bgr.dtype == np.uint8


def test_sixteen_bit_keeps_its_brightness():
    assert to_gray(np.full((4, 4), 65535, np.uint16)).max() == 255
    assert to_gray(np.full((4, 4), 32768, np.uint16)).max() == 128


def test_prepare_faces_resizes_and_converts():
    faces = [np.zeros((100, 80, 3), np.uint8), np.full((30, 30), 255, np.uint8)]
    gray = prepare_faces(faces, 48, "gray")
    assert gray.shape == (2, 48, 48, 1) and gray.dtype == np.uint8
    assert gray[1].min() == 255
    rgb = prepare_faces([np.dstack([np.zeros((10, 10)), np.zeros((10, 10)), np.full((10, 10), 255)]).astype(np.uint8)],
                        32, "rgb")
    assert rgb.shape == (1, 32, 32, 3) and rgb[0, 0, 0, 0] == 255  # BGR red -> RGB channel 0
    assert prepare_faces([], 48, "gray").shape == (0, 48, 48, 1)


def test_normalise_modes():
    batch = np.array([0.0, 127.5, 255.0])
    assert np.allclose(normalise(batch, "unit"), [0, 0.5, 1])
    assert np.allclose(normalise(batch, "symmetric"), [-1, 0, 1])
    assert np.allclose(normalise(batch, "raw"), batch)
    with pytest.raises(ValueError):
        normalise(batch, "imagenet")


def test_card_labels_must_be_a_permutation_and_are_remapped():
    card = parse_card({"labels": sorted(EMOTIONS), "input_size": 48, "color": "gray", "normalisation": "unit"})
    alphabetical = np.eye(7, dtype=np.float32)  # row i: the model says sorted(EMOTIONS)[i]
    remapped = card.to_emotions_order(alphabetical)
    for row, name in enumerate(sorted(EMOTIONS)):
        assert EMOTIONS[int(remapped[row].argmax())] == name
    with pytest.raises(ModelCardError, match="permutation"):
        parse_card({"labels": ["a"] * 7, "input_size": 48, "color": "gray", "normalisation": "unit"})
    with pytest.raises(ModelCardError, match="lacks"):
        parse_card({"labels": list(EMOTIONS)})

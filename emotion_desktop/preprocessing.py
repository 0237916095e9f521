"""Face-crop preprocessing shared by the app and the training package.

Training imports these very functions, so a model sees the same pixels in
training and in the app (no train/serve skew by construction). Functions
here are plain arithmetic on arrays, so ``normalise`` also works on
TensorFlow tensors inside a ``tf.data`` pipeline.
"""

from __future__ import annotations

from typing import Iterable

import cv2
import numpy as np

NORMALISATIONS = ("unit", "symmetric", "raw")
"""unit: x/255 in [0, 1]; symmetric: x/127.5 - 1 in [-1, 1] (ResNetV2's own
preprocessing); raw: 0..255 unchanged (the model rescales in-graph)."""


def to_uint8(image: np.ndarray) -> np.ndarray:
    """Bring 16-bit or float images to uint8 so every later step sees one dtype."""
    if image.dtype == np.uint8:
        return image
    if image.dtype == np.uint16:
        return (image >> 8).astype(np.uint8)
    if np.issubdtype(image.dtype, np.floating):
        scale = 255.0 if float(np.nanmax(image, initial=0.0)) <= 1.0 else 1.0
        return np.clip(np.nan_to_num(image) * scale, 0, 255).astype(np.uint8)
    return np.clip(image, 0, 255).astype(np.uint8)


def to_bgr(image: np.ndarray) -> np.ndarray:
    """Any decoded image (gray, gray+1, BGR, BGRA; 8/16-bit/float) as uint8 BGR."""
    image = to_uint8(np.asarray(image))
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    if image.ndim == 3 and image.shape[2] == 1:
        return cv2.cvtColor(image[:, :, 0], cv2.COLOR_GRAY2BGR)
    if image.ndim == 3 and image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2BGR)
    if image.ndim == 3 and image.shape[2] == 3:
        return image
    raise ValueError(f"unsupported image shape {image.shape}; expected gray, BGR or BGRA")


def to_gray(image: np.ndarray) -> np.ndarray:
    """Any decoded image as a 2-D uint8 gray image."""
    image = to_uint8(np.asarray(image))
    if image.ndim == 2:
        return image
    if image.ndim == 3 and image.shape[2] == 1:
        return image[:, :, 0]
    return cv2.cvtColor(to_bgr(image), cv2.COLOR_BGR2GRAY)


def resize_square(image: np.ndarray, size: int) -> np.ndarray:
    """Resize to size x size: area averaging when shrinking, bilinear when growing."""
    if image.shape[0] == size and image.shape[1] == size:
        return image
    shrinking = image.shape[0] > size or image.shape[1] > size
    interpolation = cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR
    return cv2.resize(image, (size, size), interpolation=interpolation)


def prepare_faces(faces: Iterable[np.ndarray], input_size: int, color: str) -> np.ndarray:
    """Face crops (any size, gray or BGR) -> uint8 batch (N, S, S, C).

    ``color`` is ``"gray"`` (C=1) or ``"rgb"`` (C=3, channel order RGB as Keras
    models expect). Normalisation is a separate step (``normalise``) so the
    batch can be cached and augmented as uint8.
    """
    if color not in ("gray", "rgb"):
        raise ValueError(f"unknown color mode {color!r}; expected 'gray' or 'rgb'")
    channels = 1 if color == "gray" else 3
    prepared = []
    for face in faces:
        if color == "gray":
            pixels = resize_square(to_gray(face), input_size)[:, :, None]
        else:
            pixels = cv2.cvtColor(resize_square(to_bgr(face), input_size), cv2.COLOR_BGR2RGB)
        prepared.append(pixels)
    if not prepared:
        return np.zeros((0, input_size, input_size, channels), np.uint8)
    return np.stack(prepared)


def normalise(batch, mode: str):
    """Scale pixel values as a model card's ``normalisation`` says.

    Works on NumPy arrays and on TensorFlow tensors (plain arithmetic), so the
    training pipeline uses this exact function.
    """
    if mode == "unit":
        return batch * (1.0 / 255.0)
    if mode == "symmetric":
        return batch * (1.0 / 127.5) - 1.0
    if mode == "raw":
        return batch * 1.0
    raise ValueError(f"unknown normalisation {mode!r}; expected one of {', '.join(NORMALISATIONS)}")

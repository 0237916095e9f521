"""face-api.js's FaceExpressionNet (MIT), shipped as ONNX in ``models/`` and run by ONNX Runtime.

Converted from the npm package ``@vladmandic/face-api`` by ``tools/convert_face_expression.py``,
which checks it against the package's own TF.js run. It was trained beyond FER2013 (several public
expression sets and web images), so it is the peer to compare the project's models against on
faces people bring. Preprocessing is the package's: the face crop zero-padded to a centred square,
112x112 RGB; the graph subtracts the mean colour and scales by 1/255 itself.
"""

from __future__ import annotations

import time
from pathlib import Path

import cv2
import numpy as np

from emotion_desktop.backends.base import Backend, as_probabilities
from emotion_desktop.backends.info import BackendInfo
from emotion_desktop.calibration import apply_temperature, card_temperature
from emotion_desktop.model_card import load_card, read_card_json
from emotion_desktop.preprocessing import resize_square, to_bgr

NAME = "face_expression_net"


def _files(models_dir: Path) -> tuple[Path, Path]:
    return models_dir / f"{NAME}.onnx", models_dir / f"{NAME}.json"


def missing_files_reason(models_dir: Path) -> str | None:
    missing = [str(p) for p in _files(models_dir) if not p.is_file()]
    if not missing:
        return None
    return (f"model file missing: {' and '.join(missing)}. Reinstall emotion-desktop, or rebuild it in a source "
            "checkout with `python tools/convert_face_expression.py` (needs npm).")


def pad_to_square(face: np.ndarray) -> np.ndarray:
    """The crop centred on a black square, as face-api.js's ``padToSquare(isCenterImage=True)``."""
    height, width = face.shape[:2]
    side = max(height, width)
    top, left = (side - height) // 2, (side - width) // 2
    return cv2.copyMakeBorder(face, top, side - height - top, left, side - width - left, cv2.BORDER_CONSTANT)


class FaceExpressionNetBackend(Backend):
    model = None  # no Keras model: the ONNX file is all there is

    def __init__(self, models_dir: Path):
        from emotion_desktop.backends.runner_choice import fastest_runner

        started = time.perf_counter()
        onnx_path, card_path = _files(models_dir)
        self.name = NAME
        self.model_card = load_card(card_path)
        self.card = self.model_card.data
        self._run, int8 = fastest_runner(onnx_path, self.card)
        origin = " (shipped ONNX file, int8)" if int8 else " (shipped ONNX file)"
        self.input_size = self.model_card.input_size
        self.runtime = self._run.description + origin
        self.display_name = INFO.display_name
        self.temperature = card_temperature(self.card)
        self.load_seconds = time.perf_counter() - started

    def prepare(self, faces: list[np.ndarray]) -> np.ndarray:
        rgb = [cv2.cvtColor(resize_square(pad_to_square(to_bgr(face)), self.input_size), cv2.COLOR_BGR2RGB)
               for face in faces]
        return np.stack(rgb).astype(np.float32)

    def predict(self, faces: list[np.ndarray]) -> np.ndarray:
        if len(faces) == 0:
            return np.zeros((0, 7), np.float32)
        raw = self.model_card.to_emotions_order(self._run(self.prepare(faces)))
        return as_probabilities(apply_temperature(raw, self.temperature))


INFO = BackendInfo(
    name=NAME, display_name="FaceExpressionNet", short_name="FEN", color_rgb=(44, 160, 44),
    probe=missing_files_reason,
    load=lambda models_dir, runtime: FaceExpressionNetBackend(models_dir),
    read_card=lambda models_dir: read_card_json(_files(models_dir)[1]),
    repair_hint=lambda models_dir: f"Restore {_files(models_dir)[0]} and its card, or rerun "
                                   "tools/convert_face_expression.py.",
    trained_here=False)

"""What a face detector is to the rest of the app: ``FaceDetector`` finds ``Detection`` boxes in a
frame; ``DetectorInfo`` names it, says whether it can run here and builds it.

A detector subclasses ``FaceDetector`` and implements ``detect``; the defaults below say "cannot
follow a face locally, no state between frames". Adding one is a module with the class and its
``DetectorInfo``, plus one ``register()`` line in ``detectors/__init__.py`` (ARCHITECTURE.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Protocol

import numpy as np


@dataclass(frozen=True)
class Detection:
    box: tuple[int, int, int, int]  # x, y, w, h in frame pixels
    confidence: float  # 0..1
    whole_image: bool = False  # the image itself was taken as the face
    roll: float = 0.0  # degrees the eye line is turned clockwise (detectors that find eyes)
    turn: float = 0.0  # sideways head turn, nose offset in eye distances (detectors that find them; 0: unknown)


class FaceDetector(Protocol):
    name: str
    # Full searches per live frame: None follows the pipeline's cadence (a full search every few
    # frames, faces followed in between); 1 where a full search is cheaper than following.
    live_detect_every: int | None = None
    # Whether ``detect_near`` can follow a face from one frame to the next; a detector that cannot
    # keeps its boxes until the next full search.
    follows_faces: bool = False
    # Frames in a row a face must stay in view before the live search has run every pass on it and
    # reports it (a detector may hold back a face it is unsure of until it sees it again).
    live_frames_to_settle: int = 1

    def detect(self, frame: np.ndarray, thorough: bool = False) -> list[Detection]:
        """The faces in a BGR frame, in frame pixels; ``thorough`` for still images (slower, smaller faces)."""
        ...

    def detect_near(self, frame: np.ndarray, box: tuple[int, int, int, int]) -> Detection | None:
        """The face close to ``box`` (tracked in the previous frame), or None when it is not there."""
        return None

    def reset(self) -> None:
        """Forget what was learnt from earlier frames (a new source begins)."""


def faces_in_view(detector: FaceDetector, frame: np.ndarray) -> list[Detection]:
    """The live search's faces in a frame that stays in view: what it reports on the frame shown the
    detector's ``live_frames_to_settle`` times in a row."""
    for _ in range(getattr(detector, "live_frames_to_settle", 1) - 1):
        detector.detect(frame)
    return detector.detect(frame)


@dataclass(frozen=True)
class DetectorInfo:
    """How a face detector describes itself to the menus, the CLI and the loader."""

    name: str  # the id used in settings and on the command line
    display_name: str  # menus and the log
    make: Callable[[], FaceDetector]  # builds the detector (may import TensorFlow); raises when it cannot
    probe: Callable[[], str | None] = lambda: None  # why it cannot run here (cheap), or None

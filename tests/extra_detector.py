"""A face detector added the way ARCHITECTURE.md says: this one module plus one registry line.

It answers with the centre square of the frame (half its short side), with no files to load, so the
tests can see a new detector flow through the registry, the CLI, the pipeline and the window.
"""

from __future__ import annotations

import numpy as np

from emotion_desktop.detectors import Detection, DetectorInfo, FaceDetector


class CentreSquareDetector(FaceDetector):
    name = "centre"

    def __init__(self):
        self.resets = 0

    def detect(self, frame: np.ndarray, thorough: bool = False) -> list[Detection]:
        height, width = frame.shape[:2]
        side = min(height, width) // 2
        return [Detection(((width - side) // 2, (height - side) // 2, side, side), 0.5)]

    def reset(self) -> None:
        self.resets += 1


INFO = DetectorInfo("centre", "Centre square (test)", CentreSquareDetector)

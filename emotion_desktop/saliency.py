"""Why a model answered: occlusion sensitivity over the face crop, for any backend.

A patch of the crop's mean colour slides over the face on a grid; every occluded copy goes through the
backend's own ``predict`` in one batch, and each pixel's heat is how much covering it lowered the
probability of the emotion the model answered (averaged over the patches that cover it). It needs
nothing from the model but its answers, so DeepFace and FaceExpressionNet get maps like the Keras
models (Grad-CAM would need each model's gradients). A constant crop gives a flat map: covering it
changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

WORK_SIDE = 96  # the crop is occluded at this size (each backend resizes it to its own input)
PATCH_SHARE = 0.25  # occluder side, as a share of the crop's side: about an eye or the mouth
STILL_GRID = 9  # occluder positions per side for stills and paused frames (82 crops per model)
LIVE_GRID = 5  # live, where the cost is paid in frame time (26 crops)


@dataclass
class Explanation:
    emotion_index: int  # the answered emotion the map explains
    heat: np.ndarray  # (WORK_SIDE, WORK_SIDE) float32 in [0, 1]; all zeros when nothing mattered


def occlusion_map(backend, face_bgr: np.ndarray, grid: int = STILL_GRID) -> Explanation:
    """The map of one face crop for one backend (see the module's docstring)."""
    face = cv2.resize(face_bgr, (WORK_SIDE, WORK_SIDE), interpolation=cv2.INTER_AREA)
    patch = max(2, int(round(WORK_SIDE * PATCH_SHARE)))
    starts = np.linspace(0, WORK_SIDE - patch, grid).round().astype(int)
    fill = face.reshape(-1, face.shape[-1]).mean(axis=0) if face.ndim == 3 else face.mean()
    crops = [face]
    for y in starts:
        for x in starts:
            occluded = face.copy()
            occluded[y:y + patch, x:x + patch] = fill
            crops.append(occluded)
    probabilities = np.asarray(backend.predict(crops))
    answered = int(probabilities[0].argmax())
    drops = np.clip(probabilities[0, answered] - probabilities[1:, answered], 0, None)
    heat = np.zeros((WORK_SIDE, WORK_SIDE), np.float32)
    cover = np.zeros_like(heat)
    for drop, (y, x) in zip(drops, ((y, x) for y in starts for x in starts)):
        heat[y:y + patch, x:x + patch] += drop
        cover[y:y + patch, x:x + patch] += 1
    heat /= np.maximum(cover, 1)
    peak = float(heat.max())
    return Explanation(answered, heat / peak if peak > 1e-4 else np.zeros_like(heat))


def heat_overlay(face_bgr: np.ndarray, heat: np.ndarray, alpha: float = 0.5) -> np.ndarray:
    """The face crop with the map laid over it (blue: no effect, red: the answer rests there)."""
    height, width = face_bgr.shape[:2]
    colours = cv2.applyColorMap((cv2.resize(heat, (width, height)) * 255).astype(np.uint8), cv2.COLORMAP_JET)
    weight = alpha * cv2.resize(heat, (width, height))[..., None] ** 0.5  # cool areas stay see-through
    return (face_bgr * (1 - weight) + colours * weight).astype(np.uint8)


def write_face_maps(folder, stem: str, image: np.ndarray, result, side: int = 192) -> list:
    """``folder/<stem>.face<N>.<model>.png`` for every explained face (numbered left to right, as the
    window names them) and model: the face with the map over it, ``side`` pixels square."""
    from pathlib import Path

    from emotion_desktop.geometry import crop

    folder = Path(folder)
    written = []
    faces = sorted(result.faces, key=lambda f: (f.box[0], f.box[1]))
    for number, face in enumerate(faces, start=1):
        for model, explanation in face.explanations.items():
            folder.mkdir(parents=True, exist_ok=True)
            face_image = cv2.resize(crop(image, face.box), (side, side), interpolation=cv2.INTER_AREA)
            target = folder / f"{stem}.face{number}.{model}.png"
            if not cv2.imwrite(str(target), heat_overlay(face_image, explanation.heat)):
                raise OSError(f"cannot write {target}")
            written.append(target)
    return written

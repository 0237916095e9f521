"""End-to-end check of the crop the app classifies: detector box -> crop -> model, against the model
on the FER2013 face itself.

    python -m benchmarks.crop_framing --data ../shared/fer2013 [--model scratch_cnn] [--detector all] [--roll 20]

Each PublicTest / PrivateTest face (48x48) is upscaled to 160 px and put in the middle of a 640x480
frame (the rest of the frame its replicated border, so that no second face appears), the
detector's live search runs on the frame (shown again until the detector settles, ``faces_in_view``),
the box nearest the centre is cropped and classified, and the answer is compared with classifying
the 48x48 face directly. FER2013's faces were registered so that the face fills the frame in a
fixed way; a detector frames faces its own way, so the crop is widened by ``scale`` and moved down
by ``shift`` (of the box height) around the box's centre. The framing is chosen on PublicTest;
PrivateTest is reported at that framing. Prints, per detector: faces found, accuracy of the direct
and the end-to-end path on the faces found, and the loss in points. ``--roll D`` turns each face
by a random angle within +-D degrees in its frame (head tilt, which FER2013's faces have little of);
for detectors that find the eyes (BlazeFace) the app's framing is also scored with the crop levelled
to the eye line.
"""

from __future__ import annotations

import argparse
import itertools
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np

from emotion_desktop.backends import load_backend
from emotion_desktop.detectors import Detection, detector_names, faces_in_view, make_detector
from emotion_desktop.geometry import Box, crop, reframe
from training.detector_crops import FRAME, nearest_to_centre
from training.detector_crops import in_frame as face_in_frame

FACE_PX = 160
SCALES = (0.9, 1.0, 1.1, 1.2, 1.3, 1.4, 1.5)
SHIFTS = (-0.2, -0.15, -0.1, -0.05, 0.0, 0.05, 0.1)
BATCH = 64


def in_frame(face: np.ndarray, roll: float = 0.0) -> np.ndarray:
    """The face upscaled to ``FACE_PX`` in the middle of a 640x480 frame, turned ``roll`` degrees clockwise."""
    return face_in_frame(face, FACE_PX, roll)


def raw_boxes(detector, faces: np.ndarray, rolls: np.ndarray) -> list[Detection | None]:
    """The detection nearest the frame's centre for each face, in the detector's own framing (None: missed)."""
    nearest = []
    for face, roll in zip(faces, rolls):
        closest = nearest_to_centre(faces_in_view(detector, in_frame(face, roll)))
        nearest.append(None if closest is None else replace(closest, box=unframed(closest.box, detector)))
    return nearest


def unframed(box: Box, detector) -> tuple[float, float, float, float]:
    """The detector's own box before the app framed it (``FRAMING``), so that the sweep can apply its
    own framing; the detector itself runs as in the app (its refinement depends on the framed box).
    The faces sit in the middle of the frame, so no box was clipped."""
    scale, shift = getattr(detector, "FRAMING", (1.0, 0.0))
    x, y, w, h = (float(v) for v in box)
    raw_w, raw_h = w / scale, h / scale
    centre_x, centre_y = x + w / 2, y + h / 2 - shift * raw_h
    return (centre_x - raw_w / 2, centre_y - raw_h / 2, raw_w, raw_h)


def crop_levelled(frame: np.ndarray, box: Box, roll: float) -> np.ndarray:
    """The box's pixels after turning the frame ``roll`` degrees counter-clockwise around the box's
    centre, so that a face whose eye line is turned ``roll`` degrees comes out level. Pixels from
    beyond the frame's edge repeat its border. Not in the app: on FER2013's faces it lost points
    (BlazeFace's eyes on these blurry upscaled faces are off by 5.5 degrees (median), and the models
    learnt tilt from +-15 degree rotation augmentation)."""
    x, y, w, h = box
    turn = cv2.getRotationMatrix2D((x + w / 2, y + h / 2), roll, 1.0)
    turn[:, 2] -= (x, y)  # the box's corner becomes the output's origin
    return cv2.warpAffine(frame, turn, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def framed_crop(frame: np.ndarray, detection: Detection, scale: float, shift: float, level: bool) -> np.ndarray:
    box = reframe(detection.box, scale, shift, frame.shape)
    return crop_levelled(frame, box, detection.roll) if level else crop(frame, box)


def predictions(backend, images: list[np.ndarray]) -> np.ndarray:
    return np.concatenate([backend.predict(images[i:i + BATCH]).argmax(1) for i in range(0, len(images), BATCH)])


def end_to_end(backend, faces, rolls, detections, scale: float, shift: float, level: bool = False) -> np.ndarray:
    crops = [framed_crop(in_frame(face, roll), found, scale, shift, level)
             for face, roll, found in zip(faces, rolls, detections) if found is not None]
    return predictions(backend, crops)


def registration(boxes) -> tuple[float, float]:
    """Where FER2013's square lies relative to the detector's boxes: its size over the box's width
    and its centre's offset below the box's centre in box heights (medians)."""
    top = (FRAME[0] - FACE_PX) / 2
    scales = [FACE_PX / w for _x, _y, w, _h in boxes]
    shifts = [(top + FACE_PX / 2 - (y + h / 2)) / h for _x, y, _w, h in boxes]
    return float(np.median(scales)), float(np.median(shifts))


def report(name: str, backend, splits: dict, direct: dict, rolls: dict) -> None:
    """Rows for one detector: its own box and the framing that is best on PublicTest."""
    detector = make_detector(name)
    app_framing = getattr(detector, "FRAMING", (1.0, 0.0))
    detections = {split: raw_boxes(detector, data.images, rolls[split]) for split, data in splits.items()}
    found = {split: np.array([d is not None for d in detections[split]]) for split in detections}

    def accuracy(split: str, scale: float, shift: float, level: bool = False) -> float:
        answers = end_to_end(backend, splits[split].images, rolls[split], detections[split], scale, shift, level)
        return float(np.mean(answers == splits[split].labels[found[split]]))

    best = max(itertools.product(SCALES, SHIFTS), key=lambda setting: accuracy("PublicTest", *setting))
    scale, shift = registration([d.box for d in detections["PublicTest"] if d is not None])
    print(f"| {name} | PublicTest | | | | | FER2013's own square relative to the box (medians): scale {scale:.2f}, "
          f"shift {shift:+.2f} |")
    for split in splits:
        direct_acc = float(np.mean(direct[split][found[split]] == splits[split].labels[found[split]]))
        settings = [("own box", (1.0, 0.0)), ("chosen on PublicTest", best)]
        if app_framing != (1.0, 0.0):
            settings.insert(1, ("the app's", app_framing))
        gives_eyes = any(d.roll for d in detections[split] if d is not None)
        if gives_eyes:
            settings.append(("the app's, levelled to the eye line", app_framing))
        for label, setting in settings:
            e2e = accuracy(split, *setting, level="levelled" in label)
            print(f"| {name} | {split} | {found[split].sum()}/{len(found[split])} | {100 * direct_acc:.2f} % | "
                  f"{100 * e2e:.2f} % | {100 * (direct_acc - e2e):+.2f} | {label}: scale {setting[0]}, "
                  f"shift {setting[1]} |", flush=True)


def main(argv: list[str] | None = None) -> int:
    from training.data import load_fer2013

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True, help="FER2013 folder (Kaggle layout)")
    parser.add_argument("--model", default="scratch_cnn")
    parser.add_argument("--models-dir", type=Path)
    parser.add_argument("--detector", default="all", choices=(*detector_names(), "all"))
    parser.add_argument("--limit", type=int, help="use only this many faces per split (quick checks)")
    parser.add_argument("--roll", type=float, default=0.0,
                        help="turn each face by a random angle within +-ROLL degrees (seeded)")
    args = parser.parse_args(argv)
    splits = load_fer2013(args.data)
    public, private = splits["PublicTest"], splits["PrivateTest"]
    if args.limit:
        public, private = public.subset(args.limit), private.subset(args.limit)
    backend = load_backend(args.model, args.models_dir)
    if not backend.available:
        print(f"error: {args.model} unavailable: {backend.unavailable_reason}")
        return 2
    direct = {name: predictions(backend, list(split.images)) for name, split in
              (("PublicTest", public), ("PrivateTest", private))}
    generator = np.random.default_rng(0)
    rolls = {name: generator.uniform(-args.roll, args.roll, len(split))
             for name, split in (("PublicTest", public), ("PrivateTest", private))}
    print(f"model: {backend.display_name}; faces {FACE_PX} px in a {FRAME[1]}x{FRAME[0]} frame, live search, "
          f"roll within +-{args.roll:g} degrees\n")
    print("| detector | split | found | direct acc. (found) | end-to-end acc. | loss (points) | framing |")
    print("|---|---|---|---|---|---|---|")
    for name in detector_names() if args.detector == "all" else (args.detector,):
        if name == "mtcnn" and args.detector == "all":
            continue  # minutes per split; run it alone with --detector mtcnn
        report(name, backend, {"PublicTest": public, "PrivateTest": private}, direct, rolls)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

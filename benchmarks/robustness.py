"""Robustness suite: FER2013 PublicTest faces as the app meets them, for every model.

    python -m benchmarks.robustness [--data ../shared/fer2013] [--limit N] [--media ../shared/media]
        [--extra LABEL=MODEL@DIR ...] [--json reports/robustness.json]

FER2013's faces are 48x48 gray crops; people bring photos and webcam frames. Each condition turns a
PublicTest face into such an input and runs the app's path on it: the face detector's search (a
still image's thorough search; the live search for a face in a frame), the largest face's crop,
the model (one pass). An input where no face is found counts as wrong. Conditions:

- ``direct``: the 48x48 face classified whole (FER2013's own benchmark).
- ``whole N px``: the face upscaled to N px as a whole image (a cropped photo).
- ``frame N px``: the face upscaled to N px in the middle of a 640x480 frame (its border repeated).
- ``colour cast``, ``JPEG q30``, ``blur``, ``light +40%``, ``light -40%``, ``rotate +-15``: the
  200 px whole image tinted, JPEG-compressed at quality 30, Gaussian-blurred (sigma 2), brighter
  or darker by 40 %, turned 15 degrees either way.
- ``<detector> box``: the 200 px face in a frame, found by each detector (BlazeFace, Haar, MTCNN).

Accuracy per condition and their mean, per model. ``--extra`` adds a model from another folder
(``v1=scratch_cnn@/tmp/v1`` scores ``/tmp/v1/scratch_cnn.keras`` as column "v1"), so a candidate is
measured against the shipped one. Last, agreement with FaceExpressionNet on every face of the shared
photos and videos (no labels there; a proxy for faces outside FER2013).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import cv2
import numpy as np

from emotion_desktop.backends import backend_names, load_backend
from emotion_desktop.detectors import detect_or_whole, faces_in_view, make_detector
from emotion_desktop.geometry import crop
from training.detector_crops import in_frame  # the face in a 640x480 frame, its edge pixels repeated

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "fer2013"
DEFAULT_MEDIA = Path(__file__).resolve().parents[2] / "shared" / "media"
REFERENCE_MODEL = "face_expression_net"
BATCH = 128


def whole(face: np.ndarray, size: int) -> np.ndarray:
    return cv2.cvtColor(cv2.resize(face, (size, size), interpolation=cv2.INTER_CUBIC), cv2.COLOR_GRAY2BGR)


def jpeg(image: np.ndarray, quality: int) -> np.ndarray:
    ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    return cv2.imdecode(encoded, cv2.IMREAD_COLOR)


def rotated(image: np.ndarray, degrees: float) -> np.ndarray:
    height, width = image.shape[:2]
    turn = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, 1.0)
    return cv2.warpAffine(image, turn, (width, height), borderMode=cv2.BORDER_REPLICATE)


def lit(image: np.ndarray, gain: float) -> np.ndarray:
    return np.clip(image.astype(np.float32) * gain, 0, 255).astype(np.uint8)


def tinted(image: np.ndarray) -> np.ndarray:
    """A warm colour cast (indoor light): blue down, red up."""
    return np.clip(image.astype(np.float32) * (0.8, 1.0, 1.2), 0, 255).astype(np.uint8)


# name -> (what the face becomes, whether the app searches it as a still, the detector)
CONDITIONS = {
    "direct": (lambda f: cv2.cvtColor(f, cv2.COLOR_GRAY2BGR), True, "blazeface"),
    "whole 100 px": (lambda f: whole(f, 100), True, "blazeface"),
    "whole 200 px": (lambda f: whole(f, 200), True, "blazeface"),
    "whole 400 px": (lambda f: whole(f, 400), True, "blazeface"),
    "frame 100 px": (lambda f: in_frame(f, 100), False, "blazeface"),
    "frame 200 px": (lambda f: in_frame(f, 200), False, "blazeface"),
    "frame 400 px": (lambda f: in_frame(f, 400), False, "blazeface"),
    "colour cast": (lambda f: tinted(whole(f, 200)), True, "blazeface"),
    "JPEG q30": (lambda f: jpeg(whole(f, 200), 30), True, "blazeface"),
    "blur": (lambda f: cv2.GaussianBlur(whole(f, 200), (0, 0), 2.0), True, "blazeface"),
    "light +40%": (lambda f: lit(whole(f, 200), 1.4), True, "blazeface"),
    "light -40%": (lambda f: lit(whole(f, 200), 0.6), True, "blazeface"),
    "rotate +15": (lambda f: rotated(whole(f, 200), 15), True, "blazeface"),
    "rotate -15": (lambda f: rotated(whole(f, 200), -15), True, "blazeface"),
    "haar box": (lambda f: in_frame(f, 200), False, "haar"),
    "mtcnn box": (lambda f: in_frame(f, 200), False, "mtcnn"),
}


def largest_face_crops(detector, images, still: bool) -> list[np.ndarray | None]:
    """The largest face's crop of each image, as the app frames it (None: no face found). A live frame
    is shown as many times in a row as the detector may take to run every pass on it and report its
    faces (``faces_in_view``), as a face that stays in view would be."""
    crops = []
    for image in images:
        faces = detect_or_whole(detector, image, thorough=True) if still else faces_in_view(detector, image)
        largest = max(faces, key=lambda d: d.box[2] * d.box[3], default=None)
        crops.append(None if largest is None else crop(image, largest.box))
    return crops


def answers(backend, crops: list[np.ndarray | None]) -> np.ndarray:
    """Each crop's emotion index, -1 where no face was found."""
    found = [c for c in crops if c is not None]
    predicted = (np.concatenate([backend.predict(found[i:i + BATCH]).argmax(1) for i in range(0, len(found), BATCH)])
                 if found else np.zeros(0, int))
    result = np.full(len(crops), -1)
    result[[i for i, c in enumerate(crops) if c is not None]] = predicted
    return result


def load_models(extra: list[str]) -> dict[str, object]:
    """Column label -> backend: every available registered model, then each ``LABEL=MODEL@DIR``."""
    models = {}
    for name in backend_names():
        backend = load_backend(name)
        if backend.available:
            models[name] = backend
        else:
            print(f"({name} skipped: {backend.unavailable_reason.split('. ')[0]})")
    for spec in extra:
        label, _, target = spec.partition("=")
        name, _, folder = target.partition("@")
        backend = load_backend(name, Path(folder).expanduser())
        if not backend.available:
            raise SystemExit(f"error: {spec}: {backend.unavailable_reason}")
        models[label] = backend
    return models


def suite(models: dict, faces: np.ndarray, labels: np.ndarray, conditions: list[str]) -> dict[str, dict[str, float]]:
    """Accuracy per condition and model (faces not found count as wrong)."""
    detectors = {}
    table = {}
    for condition in conditions:
        make, still, detector_name = CONDITIONS[condition]
        if detector_name not in detectors:
            detectors[detector_name] = make_detector(detector_name)
        crops = largest_face_crops(detectors[detector_name], (make(face) for face in faces), still)
        table[condition] = {label: float(np.mean(answers(backend, crops) == labels))
                            for label, backend in models.items()}
        table[condition]["found"] = float(np.mean([c is not None for c in crops]))
        print(f"  {condition}: " + ", ".join(f"{k} {v * 100:.1f}" for k, v in table[condition].items()), flush=True)
    return table


def media_faces(media: Path, every: int = 5) -> list[np.ndarray]:
    """Every face BlazeFace finds in the shared photos and in every ``every``-th frame of the videos."""
    detector = make_detector("blazeface")
    crops = []
    for path in sorted((media / "photos").rglob("*")):
        image = cv2.imread(str(path)) if path.suffix.lower() in (".jpg", ".jpeg", ".png") else None
        if image is not None:
            crops += [crop(image, d.box) for d in detector.detect(image, thorough=True)]
    for path in sorted((media / "videos").glob("*")):
        capture = cv2.VideoCapture(str(path))
        index = 0
        while True:
            ok, frame = capture.read()
            if not ok:
                break
            if index % every == 0:
                crops += [crop(frame, d.box) for d in detector.detect(frame)]
            index += 1
        capture.release()
    return crops


def agreement(models: dict, crops: list[np.ndarray]) -> dict[str, float]:
    reference = models.get(REFERENCE_MODEL)
    if reference is None or not crops:
        return {}
    expected = answers(reference, crops)
    return {label: float(np.mean(answers(backend, crops) == expected)) for label, backend in models.items()
            if label != REFERENCE_MODEL}


def main(argv: list[str] | None = None) -> int:
    from benchmarks.machine import cpu_header
    from training.data import load_fer2013

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="FER2013 folder (Kaggle layout)")
    parser.add_argument("--media", type=Path, default=DEFAULT_MEDIA)
    parser.add_argument("--limit", type=int, help="only this many PublicTest faces (seeded sample)")
    parser.add_argument("--extra", nargs="*", default=[], metavar="LABEL=MODEL@DIR")
    parser.add_argument("--only", nargs="*", choices=sorted(CONDITIONS), help="only these conditions")
    parser.add_argument("--json", type=Path, help="also write the tables as JSON")
    args = parser.parse_args(argv)

    print(cpu_header())
    public = load_fer2013(args.data)["PublicTest"]
    if args.limit:
        public = public.subset(args.limit)
    models = load_models(args.extra)
    conditions = args.only or list(CONDITIONS)
    print(f"{len(public)} PublicTest faces, {len(conditions)} conditions, models: {', '.join(models)}")
    table = suite(models, public.images, public.labels, conditions)
    agree = agreement(models, media_faces(args.media)) if args.media.is_dir() else {}

    columns = list(models)
    print("\n| condition | faces found | " + " | ".join(columns) + " |")
    print("|---|---|" + "---|" * len(columns))
    for condition, row in table.items():
        cells = " | ".join(f"{row[c] * 100:.2f}" for c in columns)
        print(f"| {condition} | {row['found'] * 100:.1f} % | {cells} |")
    means = {c: float(np.mean([row[c] for row in table.values()])) for c in columns}
    print("| **mean** | | " + " | ".join(f"**{means[c] * 100:.2f}**" for c in columns) + " |")
    if agree:
        print(f"\nAgreement with {REFERENCE_MODEL} on the faces of {args.media} (photos, every 5th video frame):")
        print("| model | agreement |\n|---|---|")
        for label, share in agree.items():
            print(f"| {label} | {share * 100:.1f} % |")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"header": cpu_header(), "faces": len(public), "accuracy": table,
                                         "mean": means, "agreement_with_face_expression_net": agree}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

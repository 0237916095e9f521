"""Face detection benchmark: recall, false positives and time per image for each detector.

    python -m benchmarks.detection [--media ../shared/media] [--fer ../shared/fer2013] [--fer-limit N]

Eight tests, on real faces and real face-free images:

- **Photos**: the photos listed in ``benchmarks/face_boxes.json`` (39 faces verified by eye in 13
  group and portrait photos, plus a landscape without a face), each detector's still-image search.
- **Scale sweep**: every face of those photos scaled to 24-300 px wide and placed in a 640x480
  frame (the rest of the frame a blurred copy of the photo), each detector's live search, as a
  webcam frame would be searched (shown again until the detector settles: found within 0.1 s).
- **No face**: frames of ``pyfeat_no_face.mp4`` (a cartoon title, no human face): boxes found
  are false positives; their median time is the live cost of a frame without a face.
- **Pipeline**: a real one-face clip (``fer_woman2.mp4``) through the app's pipeline without a
  classifier (a full search every few frames, the face followed in between): detection ms per frame.
  The scale sweep's "live ms" is one full search on every frame (its frames hold several faces).
- **Demo**: one loop of the built-in demo (one face): frames with an extra box, frames without the face.
- **Whole FER2013 faces**: PublicTest and PrivateTest crops as whole images at 48, 100, 200 and 400
  px (a dataset image, a cropped profile picture), each detector's still-image search.
- **Tight crops**: every verified face of the photos cut out at its box x1.0 and x1.2, as an image.
- **Face-free stills**: frames and pieces of the no-face clips, pieces of the verified photos away
  from their faces, scikit-image's face-free pictures, noise, grey: any box is a false positive.
- **Close-ups**: every verified face scaled to fill 60, 80 and 100 % of a 640x480 frame's height, its
  surroundings around it (someone leaning into the webcam), each detector's live search on the frame
  shown until the detector settles.

For the crop tests a face counts as found when a box's centre lies in the middle half of the image.

A detection matches a face when each box's centre lies inside the other box (detectors frame faces
differently: Haar boxes are square and tight, MTCNN's taller), each face matching once.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import cv2
import numpy as np

from emotion_desktop.detectors import INFO as DETECTORS
from emotion_desktop.detectors import FaceDetector, faces_in_view

BOXES = Path(__file__).with_name("face_boxes.json")
DEFAULT_MEDIA = Path(__file__).resolve().parents[2] / "shared" / "media"
DEFAULT_FER = Path(__file__).resolve().parents[2] / "shared" / "fer2013"
SIZES = (24, 32, 40, 48, 64, 80, 120, 200, 300)
FER_SIZES = (48, 100, 200, 400)
CROP_FACTORS = (1.0, 1.2)
CLOSE_UP_HEIGHTS = (0.6, 0.8, 1.0)


def centre_inside(a, b) -> bool:
    x, y, w, h = b
    cx, cy = a[0] + a[2] / 2, a[1] + a[3] / 2
    return x <= cx <= x + w and y <= cy <= y + h


def match(found: list, truth: list) -> tuple[int, int]:
    """(faces found, false positives)."""
    unmatched = list(truth)
    false_positives = 0
    for box in found:
        hit = next((t for t in unmatched if centre_inside(box, t) and centre_inside(t, box)), None)
        if hit is None:
            false_positives += 1
        else:
            unmatched.remove(hit)
    return len(truth) - len(unmatched), false_positives


def timed(detector, image, thorough: bool) -> tuple[list, float]:
    started = time.perf_counter()
    found = [d.box for d in detector.detect(image, thorough=thorough)]
    return found, (time.perf_counter() - started) * 1000


def photos_test(detector, photos: dict, media: Path) -> dict:
    found_total = faces = false_positives = 0
    times = []
    for name, truth in photos.items():
        image = cv2.imread(str(media / "photos" / name))
        found, ms = timed(detector, image, thorough=True)
        hits, extra = match(found, truth)
        found_total, faces, false_positives = found_total + hits, faces + len(truth), false_positives + extra
        times.append(ms)
    return {"found": found_total, "faces": faces, "false_positives": false_positives, "ms": float(np.median(times))}


def sweep_frames(photos: dict, media: Path):
    """(size, frame, face box) for every face at every size, in a 640x480 frame."""
    for name, truth in photos.items():
        photo = cv2.imread(str(media / "photos" / name))
        for x, y, w, h in truth:
            for size in SIZES:
                scale = size / w
                scaled = cv2.resize(photo, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
                frame = cv2.GaussianBlur(cv2.resize(photo, (640, 480)), (31, 31), 0)
                # Put the face in the middle of the frame with as much of its surroundings as fits.
                cx, cy = int((x + w / 2) * scale), int((y + h / 2) * scale)
                left, top = max(0, cx - 320), max(0, cy - 240)
                piece = scaled[top:top + 480, left:left + 640]
                ox, oy = 320 - (cx - left), 240 - (cy - top)
                ph, pw = min(piece.shape[0], 480 - oy), min(piece.shape[1], 640 - ox)
                if ph <= 0 or pw <= 0:
                    continue
                frame[oy:oy + ph, ox:ox + pw] = piece[:ph, :pw]
                box = (int(x * scale) - left + ox, int(y * scale) - top + oy, size, int(h * scale))
                yield size, frame, box


def sweep_test(detector, photos: dict, media: Path) -> dict:
    found = {size: [0, 0] for size in SIZES}
    times = []
    for size, frame, box in sweep_frames(photos, media):
        _first, ms = timed(detector, frame, thorough=False)
        detector.reset()
        boxes = [d.box for d in faces_in_view(detector, frame)]  # the face stays in view
        hits, _extra = match(boxes, [box])
        found[size][0] += hits
        found[size][1] += 1
        times.append(ms)
    return {"recall_by_size": {s: round(h / max(n, 1), 2) for s, (h, n) in found.items()},
            "ms_640x480": float(np.median(times))}


def no_face_test(detector, media: Path, frames: int = 95) -> tuple[int, float]:
    """(boxes found in the no-face clip's frames, mean ms per frame: a detector may do more work on some
    empty frames than on others)."""
    capture = cv2.VideoCapture(str(media / "videos" / "pyfeat_no_face.mp4"))
    false_positives = 0
    times = []
    for _ in range(frames):
        ok, frame = capture.read()
        if not ok:
            break
        found, ms = timed(detector, frame, thorough=False)
        false_positives += len(found)
        times.append(ms)
    capture.release()
    return false_positives, float(np.mean(times))


def pipeline_test(detector, media: Path, frames: int = 300, passes: int = 3) -> float:
    """Mean detection ms per frame of a real one-face clip through the app's pipeline (no classifier):
    a full search every few frames and the face followed in between, as the window runs it; the
    best of ``passes`` (the least disturbed by other work)."""
    from emotion_desktop.pipeline import LIVE_DETECT_EVERY, Pipeline
    from emotion_desktop.sources import Frame

    capture = cv2.VideoCapture(str(media / "videos" / "fer_woman2.mp4"))
    clip = []
    while len(clip) < frames:
        ok, frame = capture.read()
        if not ok:
            break
        clip.append(frame)
    capture.release()
    best = float("inf")
    for _ in range(passes):
        detector.reset()
        pipeline = Pipeline(detector, [], detect_every=LIVE_DETECT_EVERY)
        started = time.perf_counter()
        for index, frame in enumerate(clip):
            pipeline.process(Frame(frame, index, index / 30))
        best = min(best, (time.perf_counter() - started) * 1000 / max(1, len(clip)))
    return best


def demo_test(detector, frames: int = 300) -> tuple[int, int]:
    """(frames with a box beyond the one face, frames where the face was missed) over one loop of the
    built-in demo (the astronaut photo panned and tilted: one face, a flag patch, a helmet), each
    detector's live search as the window runs it."""
    from emotion_desktop.sources import DemoSource

    demo = DemoSource()
    extra = missed = 0
    for index in range(frames):
        found, _ms = timed(detector, demo.render(index), thorough=False)
        extra += len(found) > 1
        missed += not found
    return extra, missed


def centred(box, shape) -> bool:
    """Whether the box's centre lies in the middle half of an image of ``shape``."""
    height, width = shape[:2]
    cx, cy = box[0] + box[2] / 2, box[1] + box[3] / 2
    return width / 4 <= cx <= width * 3 / 4 and height / 4 <= cy <= height * 3 / 4


def found_share(detector, images, thorough: bool) -> float:
    """Share of images with a box in their middle; live (not ``thorough``), each image is a new scene
    that stays in view until the detector settles (``faces_in_view``: 0.13 s at 30 FPS for BlazeFace)."""
    images = list(images)
    hits = 0
    for image in images:
        detector.reset()
        faces = detector.detect(image, thorough=True) if thorough else faces_in_view(detector, image)
        hits += any(centred(d.box, image.shape) for d in faces)
    return hits / max(1, len(images))


def fer_faces(fer: Path, limit: int) -> np.ndarray:
    """PublicTest + PrivateTest faces (48x48 gray), a seeded sample of ``limit`` when given."""
    from training.data import load_fer2013

    splits = load_fer2013(fer)
    faces = np.concatenate([splits["PublicTest"].images, splits["PrivateTest"].images])
    if limit and limit < len(faces):
        faces = faces[np.random.default_rng(0).choice(len(faces), limit, replace=False)]
    return faces


def fer_test(detector, faces: np.ndarray) -> dict:
    """Share of whole FER2013 faces found at each size."""
    return {size: found_share(detector, (cv2.cvtColor(cv2.resize(face, (size, size), interpolation=cv2.INTER_CUBIC),
                                                      cv2.COLOR_GRAY2BGR) for face in faces), thorough=True)
            for size in FER_SIZES}


def tight_crops(photos: dict, media: Path, factor: float):
    for name, truth in photos.items():
        photo = cv2.imread(str(media / "photos" / name))
        for x, y, w, h in truth:
            side = max(w, h) * factor
            cx, cy = x + w / 2, y + h / 2
            x0, y0 = max(0, int(cx - side / 2)), max(0, int(cy - side / 2))
            yield photo[y0:int(cy + side / 2), x0:int(cx + side / 2)]


def close_up_frames(photos: dict, media: Path, height_share: float):
    """Each face scaled so that its box is ``height_share`` of a 640x480 frame's height, centred,
    with its photo around it (black where the photo ends)."""
    for name, truth in photos.items():
        photo = cv2.imread(str(media / "photos" / name))
        for x, y, w, h in truth:
            scale = height_share * 480 / h
            matrix = np.float32([[scale, 0, 320 - (x + w / 2) * scale], [0, scale, 240 - (y + h / 2) * scale]])
            yield cv2.warpAffine(photo, matrix, (640, 480), flags=cv2.INTER_LINEAR)


FACE_FREE_PICTURES = ("brick", "grass", "gravel", "coffee", "rocket", "moon", "page", "text", "horse", "coins",
                      "clock", "hubble_deep_field", "logo", "colorwheel", "retina", "cell", "checkerboard",
                      "immunohistochemistry", "microaneurysms", "shepp_logan_phantom")  # in the wheel: no download


def face_free_stills(photos: dict, media: Path):
    """Still images without a human face: the frames of the no-face clip and of the cartoon title that
    ends ``pyfeat_face_then_noface.mov``, square pieces of them, pieces of the verified photos well away
    from every face (and the bodies below), scikit-image's face-free pictures, noise and grey."""
    from skimage import data

    generator = np.random.default_rng(0)

    def pieces(image: np.ndarray, count: int, shares: tuple[float, float], away_from=()):
        height, width = image.shape[:2]
        for _ in range(count * 50):
            side = int(generator.uniform(*shares) * min(height, width))
            x, y = int(generator.uniform(0, width - side)), int(generator.uniform(0, height - side))
            if any(x < bx + 2 * bw and bx - bw < x + side and y < by + 5 * bh and by - 2 * bh < y + side
                   for bx, by, bw, bh in away_from):
                continue
            yield cv2.resize(image[y:y + side, x:x + side], (int(generator.choice((100, 200, 400))),) * 2,
                             interpolation=cv2.INTER_AREA)
            count -= 1
            if count == 0:
                return

    for clip, first in (("pyfeat_no_face.mp4", 0), ("pyfeat_face_then_noface.mov", 90)):
        capture = cv2.VideoCapture(str(media / "videos" / clip))
        index = 0
        while True:
            ok, frame = capture.read()
            if not ok:
                break
            if index >= first:
                yield frame
                if index % 3 == 0:
                    yield from pieces(frame, 2, (0.2, 0.9))
            index += 1
        capture.release()
    for name, truth in photos.items():
        photo = cv2.imread(str(media / "photos" / name))
        if not truth:
            yield photo
        yield from pieces(photo, 20, (0.1, 0.6), truth)
    for name in FACE_FREE_PICTURES:
        picture = np.asarray(getattr(data, name)())
        if picture.dtype != np.uint8:
            picture = cv2.normalize(picture.astype(np.float32), None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)
        picture = cv2.cvtColor(picture, cv2.COLOR_GRAY2BGR if picture.ndim == 2 else
                               cv2.COLOR_RGBA2BGR if picture.shape[2] == 4 else cv2.COLOR_RGB2BGR)
        yield picture
        yield cv2.resize(picture, (200, 200), interpolation=cv2.INTER_AREA)
    yield generator.integers(0, 256, (300, 300, 3), dtype=np.uint8)
    yield np.full((300, 300, 3), 128, np.uint8)


def face_free_test(detector, photos: dict, media: Path) -> tuple[int, int]:
    """(face-free still images given a box, images searched), each detector's still-image search."""
    images = list(face_free_stills(photos, media))
    return sum(bool(detector.detect(image, thorough=True)) for image in images), len(images)


class YuNetCandidate(FaceDetector):
    """YuNet through the ``yuface`` wheel (libfacedetection compiled with its weights), evaluated
    here before any app use: ``pip install yuface`` (wheels for CPython 3.7-3.11 only)."""

    name = "yunet"

    def __init__(self):
        import yuface

        self._detect = yuface.detect

    def detect(self, frame, thorough: bool = False):
        from emotion_desktop.detectors import Detection

        scale = min(1.0, (960 if thorough else 640) / max(frame.shape[:2]))
        small = cv2.resize(frame, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else frame
        confidences, boxes, _landmarks = self._detect(np.ascontiguousarray(small), conf=0.6)
        return [Detection(tuple(int(v / scale) for v in box), float(c) / 100) for box, c in zip(boxes, confidences)]


def detectors():
    """(label, factory) for the app's detectors that can run here and the candidates; a factory
    raises ImportError when its package is not installed."""
    for info in DETECTORS.values():
        if info.probe() is None:
            yield info.name, info.make
    yield "yunet (yuface, candidate)", YuNetCandidate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--media", type=Path, default=DEFAULT_MEDIA)
    parser.add_argument("--fer", type=Path, default=DEFAULT_FER, help="FER2013 (Kaggle layout) for the crop test")
    parser.add_argument("--fer-limit", type=int, default=1000, help="FER2013 faces per size (0: all 7,178)")
    parser.add_argument("--only", help="run only the detectors whose label contains this text")
    args = parser.parse_args(argv)
    from benchmarks.machine import cpu_header

    print(cpu_header())
    photos = json.loads(BOXES.read_text())["photos"]
    faces = fer_faces(args.fer, args.fer_limit) if args.fer.is_dir() else None
    print(f"FER2013 faces per size: {0 if faces is None else len(faces)}; verified photo faces: "
          f"{sum(map(len, photos.values()))}\n")
    header = ["detector", "photos: found", "false pos.", "ms/photo", "live ms (face)", "live ms (no face)",
              "pipeline ms/frame (1-face clip)",
              *[f"{s}px" for s in SIZES], "no-face FP /95 frames", "demo: extra box / missed (300 frames)"]
    crop_header = ["detector", *[f"FER {s}px" for s in FER_SIZES], *[f"crop x{f}" for f in CROP_FACTORS],
                   *[f"close-up {int(h * 100)}%" for h in CLOSE_UP_HEIGHTS], "face-free stills with a box"]
    rows, crop_rows = [], []
    for label, factory in detectors():
        if args.only and args.only not in label:
            continue
        try:
            detector = factory()
        except ImportError as error:
            print(f"({label} skipped: {error})")
            continue
        stills = photos_test(detector, photos, args.media)
        sweep = sweep_test(detector, photos, args.media)
        empty, empty_ms = no_face_test(detector, args.media)
        demo_extra, demo_missed = demo_test(detector)
        rows.append([label, f"{stills['found']}/{stills['faces']}", str(stills["false_positives"]),
                     f"{stills['ms']:.0f}", f"{sweep['ms_640x480']:.1f}", f"{empty_ms:.1f}",
                     f"{pipeline_test(detector, args.media):.2f}",
                     *[f"{sweep['recall_by_size'][s]:.2f}" for s in SIZES], str(empty),
                     f"{demo_extra} / {demo_missed}"])
        fer = fer_test(detector, faces) if faces is not None else {}
        crop_rows.append([label, *[f"{fer[s] * 100:.2f}" if s in fer else "-" for s in FER_SIZES],
                          *[f"{found_share(detector, tight_crops(photos, args.media, f), True) * 100:.1f}"
                            for f in CROP_FACTORS],
                          *[f"{found_share(detector, close_up_frames(photos, args.media, h), False) * 100:.1f}"
                            for h in CLOSE_UP_HEIGHTS],
                          "{} / {}".format(*face_free_test(detector, photos, args.media))])
        print(f"({label} done)", flush=True)
    for table_header, table in ((header, rows), (crop_header, crop_rows)):
        print("\n| " + " | ".join(table_header) + " |")
        print("|" + "---|" * len(table_header))
        for row in table:
            print("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

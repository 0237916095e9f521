"""`emotion-desktop evaluate FOLDER`: how the models do on the user's own labelled photos.

FOLDER holds one subfolder per emotion, named by meaning in any common form ("happiness",
"Happy", "surprised", "normal"...). Each image goes through what the app does with a photo: the
detector's thorough search and the largest face, or the whole image for face crops (FER-sized
images, or small images without a detected face; `detectors.detect_or_whole`). Images where no
face is found count as wrong and are listed; FER2013's test folder therefore scores exactly as
`training.compare` scores it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from emotion_desktop.geometry import crop
from emotion_desktop.labels import EMOTIONS
from emotion_desktop.sources import IMAGE_SUFFIXES, SourceError, read_image

# Folder names by meaning (lower case) -> emotion.
FOLDER_NAMES = {
    "angry": "angry", "anger": "angry", "mad": "angry",
    "disgust": "disgust", "disgusted": "disgust", "disgusting": "disgust", "contempt": None,
    "fear": "fear", "fearful": "fear", "afraid": "fear", "scared": "fear",
    "happy": "happy", "happiness": "happy", "joy": "happy", "smile": "happy",
    "sad": "sad", "sadness": "sad",
    "surprise": "surprise", "surprised": "surprise",
    "neutral": "neutral", "normal": "neutral", "calm": "neutral",
}
NO_FACE = -1
BATCH = 64


def emotion_of_folder(name: str) -> str | None:
    """The emotion a folder name means, or None (unknown, or an emotion the models do not know)."""
    return FOLDER_NAMES.get(name.strip().lower().replace("-", "_").split("_")[-1])


@dataclass
class LabelledImages:
    paths: list[Path] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)  # EMOTIONS index per path
    skipped_folders: list[str] = field(default_factory=list)


def scan_folder(folder: Path) -> LabelledImages:
    """The images of FOLDER/<emotion>/, labelled by folder meaning; unknown folders are listed."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} is not a folder. Give a folder with one subfolder per emotion "
                                "(angry, disgust, fear, happy, sad, surprise, neutral).")
    found = LabelledImages()
    for sub in sorted(p for p in folder.iterdir() if p.is_dir()):
        emotion = emotion_of_folder(sub.name)
        if emotion is None:
            found.skipped_folders.append(sub.name)
            continue
        images = sorted(p for p in sub.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())
        found.paths += images
        found.labels += [EMOTIONS.index(emotion)] * len(images)
    return found


@dataclass
class FaceCrops:
    crops: list[np.ndarray]
    usable: list[int]  # index into the image list of each crop
    no_face: list[Path]
    unreadable: list[tuple[Path, str]]


def find_faces(paths: list[Path], detector, progress=None) -> FaceCrops:
    """The largest face of each image (the whole image for face crops)."""
    from emotion_desktop.detectors import detect_or_whole

    result = FaceCrops([], [], [], [])
    for index, path in enumerate(paths):
        try:
            image = read_image(path)
        except SourceError as error:
            result.unreadable.append((path, str(error)))
        else:
            detections = detect_or_whole(detector, image, thorough=True)
            if detections:
                largest = max(detections, key=lambda d: d.box[2] * d.box[3])
                result.crops.append(crop(image, largest.box))
                result.usable.append(index)
            else:
                result.no_face.append(path)
        if progress is not None:
            progress(1)
    return result


def predict_labels(backend, faces: FaceCrops, count: int, tta: str = "none") -> np.ndarray:
    """Predicted EMOTIONS index per image; NO_FACE where there was no face to classify."""
    from emotion_desktop.tta import predict_with_tta

    predicted = np.full(count, NO_FACE, dtype=int)
    for start in range(0, len(faces.crops), BATCH):
        probabilities = predict_with_tta(backend, faces.crops[start:start + BATCH], tta)
        predicted[faces.usable[start:start + BATCH]] = np.asarray(probabilities).argmax(axis=1)
    return predicted


def scores(labels, predicted) -> dict:
    """Accuracy, macro-F1, per-class recall and the confusion matrix; NO_FACE counts as wrong and
    has its own last column in the matrix."""
    labels, predicted = np.asarray(labels, dtype=int), np.asarray(predicted, dtype=int)
    classes = len(EMOTIONS)
    matrix = np.zeros((classes, classes + 1), dtype=int)
    np.add.at(matrix, (labels, np.where(predicted == NO_FACE, classes, predicted)), 1)
    support = matrix.sum(axis=1)
    correct = np.diag(matrix[:, :classes])
    predicted_count = matrix[:, :classes].sum(axis=0)
    recall = np.divide(correct, support, out=np.zeros(classes), where=support > 0)
    precision = np.divide(correct, predicted_count, out=np.zeros(classes), where=predicted_count > 0)
    f1 = np.divide(2 * precision * recall, precision + recall, out=np.zeros(classes), where=precision + recall > 0)
    present = support > 0
    return {
        "count": int(len(labels)),
        "accuracy": round(float((predicted == labels).mean()) if len(labels) else 0.0, 4),
        # Over the emotions present in the folder, as sklearn's f1_score with labels= those classes.
        "macro_f1": round(float(f1[present].mean()) if present.any() else 0.0, 4),
        "per_class_recall": {e: round(float(r), 4) for e, r, p in zip(EMOTIONS, recall, present) if p},
        "no_face": int((predicted == NO_FACE).sum()),
        "confusion_matrix": matrix.tolist(),  # rows: true emotion; columns: predicted, then "no face"
    }


def evaluate_folder(folder: Path, backends, detector, tta: str = "none", progress=None) -> dict:
    """Every model on FOLDER: per model its scores, plus the images without a face or unreadable.
    `progress(n)` is called as images are searched and as each model finishes a batch."""
    images = scan_folder(folder)
    faces = find_faces(images.paths, detector, progress)
    report = {"folder": str(folder), "images": len(images.paths), "skipped_folders": images.skipped_folders,
              "no_face": [str(p) for p in faces.no_face],
              "unreadable": [{"file": str(p), "error": e} for p, e in faces.unreadable],
              "detector": getattr(detector, "name", ""), "tta": tta, "models": {}}
    for backend in backends:
        predicted = predict_labels(backend, faces, len(images.paths), tta)
        report["models"][backend.name] = {"display_name": backend.display_name,
                                          **scores(images.labels, predicted)}
        if progress is not None:
            progress(0)
    return report


def format_report(report: dict) -> str:
    """The evaluation as text: a line per model, per-class recall, and what was left out."""
    lines = [f"{report['images']} images in {report['folder']}"]
    if report["skipped_folders"]:
        lines.append("skipped folders (no emotion of the seven): " + ", ".join(report["skipped_folders"]))
    missing = len(report["no_face"]) + len(report["unreadable"])
    if missing:
        lines.append(f"{len(report['no_face'])} without a face and {len(report['unreadable'])} unreadable: "
                     "counted as wrong (listed in the JSON)")
    for scores_ in report["models"].values():
        lines.append(f"{scores_['display_name']:>12}: accuracy {scores_['accuracy']:.2%}  "
                     f"macro-F1 {scores_['macro_f1']:.3f}")
        lines.append(" " * 14 + "recall " + "  ".join(f"{e} {r:.2f}" for e, r in scores_["per_class_recall"].items()))
    return "\n".join(lines)


def write_report_folder(report: dict, folder: Path) -> list[Path]:
    """FOLDER/evaluation.json and FOLDER/confusion.png (the models' matrices side by side)."""
    import json

    import cv2

    from emotion_desktop.confusion_image import matrix_panel, side_by_side

    folder.mkdir(parents=True, exist_ok=True)
    panels = [matrix_panel(s["display_name"], s["confusion_matrix"],
                           f"accuracy {s['accuracy']:.1%}, macro-F1 {s['macro_f1']:.3f}, n={s['count']}")
              for s in report["models"].values()]
    written = [folder / "evaluation.json", folder / "confusion.png"]
    written[0].write_text(json.dumps(report, indent=1) + "\n")
    if not cv2.imwrite(str(written[1]), side_by_side(panels)):
        raise OSError(f"cannot write {written[1]}")
    return written

"""What the pipeline produces, and its exports (ARCHITECTURE.md, "Contracts").

A face's JSON record follows DeepFace's ``analyze`` shape, so DeepFace users
feel at home: ``emotion`` (percent per label, summing to 100; the model's own
answer for this frame), ``dominant_emotion``, ``region``, ``face_confidence``,
plus ``model``, ``track_id``, ``frame``, ``time_s`` and the temporally
smoothed ``emotion_smoothed`` that the live view shows.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np

from emotion_desktop.geometry import Box
from emotion_desktop.labels import EMOTIONS
from emotion_desktop.quality import REASONS, FaceQuality
from emotion_desktop.summary import SUMMARY_CSV_COLUMNS, FaceSummary, summarise, summary_csv_row


@dataclass
class FaceResult:
    box: Box
    confidence: float
    track_id: int
    whole_image: bool = False
    probabilities: dict[str, np.ndarray] = field(default_factory=dict)  # raw, per model, EMOTIONS order
    smoothed: dict[str, np.ndarray] = field(default_factory=dict)
    # Why each model answered (saliency.Explanation per model), when asked for: not exported as data
    explanations: dict[str, object] = field(default_factory=dict)
    quality: FaceQuality | None = None  # size, sharpness, head turn (quality.py)
    uncertain: dict[str, int] = field(default_factory=dict)  # per model: 0, else the index of its reason

    def uncertain_reason(self, model: str) -> str:
        """Why ``model``'s answer on this face is uncertain ("" when it stands)."""
        return REASONS[self.uncertain.get(model, 0)]

    def top(self, model: str, smoothed: bool = True) -> tuple[str, float]:
        values = (self.smoothed if smoothed else self.probabilities)[model]
        index = int(np.argmax(values))
        return EMOTIONS[index], float(values[index])

    @property
    def area(self) -> int:
        return self.box[2] * self.box[3]


@dataclass
class FrameResult:
    frame_index: int
    time_s: float
    source: str = ""
    faces: list[FaceResult] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)  # capture, detect, classify, draw, total
    model_ms: dict[str, float] = field(default_factory=dict)  # classify time per model for this frame
    models: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)  # model -> message, when a model failed this frame
    image_name: str = ""

    def add_stage(self, stage: str, ms: float) -> None:
        """A stage timed after the pipeline (drawing), counted in the frame's total too."""
        self.timings_ms[stage] = ms
        self.timings_ms["total"] = self.timings_ms.get("total", 0.0) + ms

    def largest_face(self) -> FaceResult | None:
        return max(self.faces, key=lambda f: f.area, default=None)

    def face_by_track(self, track_id: int | None) -> FaceResult | None:
        return next((f for f in self.faces if f.track_id == track_id), None)

    def describe_face(self, face: FaceResult) -> str:
        """How the window names a face: "face 2 of 4", counted left to right (or "whole image")."""
        if face.whole_image:
            return "whole image"
        number = sorted(self.faces, key=lambda f: (f.box[0], f.box[1])).index(face) + 1
        return f"face {number} of {len(self.faces)}"

    def selected_face(self, track_id: int | None) -> FaceResult | None:
        """The face the chart shows and the view outlines: the clicked track while it is in view,
        else the largest face."""
        return self.face_by_track(track_id) or self.largest_face()

    def face_at(self, x: float, y: float) -> FaceResult | None:
        """The smallest face whose box holds the point (smallest: nested boxes pick the inner one)."""
        hits = [f for f in self.faces if f.box[0] <= x <= f.box[0] + f.box[2] and f.box[1] <= y <= f.box[1] + f.box[3]]
        return min(hits, key=lambda f: f.area, default=None)

    def per_face_ms(self, model: str) -> float | None:
        if model not in self.model_ms or not self.faces:
            return None
        return self.model_ms[model] / len(self.faces)


def _percentages(values: np.ndarray) -> dict[str, float]:
    percent = np.asarray(values, dtype=np.float64) * 100.0
    percent *= 100.0 / max(percent.sum(), 1e-12)  # exactly 100 after float32 drift
    return {label: round(float(p), 4) for label, p in zip(EMOTIONS, percent)}


def face_record(*, model: str, raw: np.ndarray, smoothed: np.ndarray, box: Box, confidence: float,
                whole_image: bool, track_id: int, frame: int, time_s: float, sharpness: float = 0.0,
                turn: float = 0.0, uncertain: int = 0) -> dict:
    """One face's answer from one model, in DeepFace's ``analyze`` shape plus our fields."""
    x, y, w, h = box
    return {
        "emotion": _percentages(raw),
        "dominant_emotion": EMOTIONS[int(np.argmax(raw))],
        "emotion_smoothed": _percentages(smoothed),
        "region": {"x": int(x), "y": int(y), "w": int(w), "h": int(h)},
        "face_confidence": round(float(confidence), 4),
        "whole_image": bool(whole_image),
        "model": model,
        "track_id": int(track_id),
        "frame": int(frame),
        "time_s": round(float(time_s), 4),
        "uncertain": bool(uncertain),
        "uncertain_reason": REASONS[int(uncertain)],
        "quality": FaceQuality(int(min(w, h)), float(sharpness), float(turn)).as_json(),
    }


CSV_COLUMNS = (["source", "frame", "time_s", "image", "track_id", "model", "x", "y", "w", "h", "face_confidence",
                "whole_image", "dominant_emotion", "dominant_emotion_smoothed", "uncertain", "uncertain_reason",
                "sharpness", "head_turn"]
               + list(EMOTIONS) + [f"{e}_smoothed" for e in EMOTIONS])


def csv_row(source: str, image: str, record: dict) -> dict:
    row = {"source": source, "frame": record["frame"], "time_s": record["time_s"], "image": image,
           "track_id": record["track_id"], "model": record["model"], **record["region"],
           "face_confidence": record["face_confidence"], "whole_image": int(record["whole_image"]),
           "dominant_emotion": record["dominant_emotion"],
           "dominant_emotion_smoothed": max(record["emotion_smoothed"], key=record["emotion_smoothed"].get),
           "uncertain": int(record["uncertain"]), "uncertain_reason": record["uncertain_reason"],
           "sharpness": record["quality"]["sharpness"], "head_turn": record["quality"]["head_turn"]}
    row.update(record["emotion"])
    row.update({f"{e}_smoothed": v for e, v in record["emotion_smoothed"].items()})
    return row


# SessionLog row layout: frame, time, track, x, y, w, h, confidence, whole, model index, 7 raw, 7 smoothed,
# sharpness, head turn, uncertain code
_RAW = slice(10, 17)
_SMOOTHED = slice(17, 24)
_SHARPNESS, _TURN, _UNCERTAIN = 24, 25, 26
_ROW_WIDTH = 27


class _GrowingRows:
    """A 2-D array that grows by blocks of rows: no Python object per row, so a session of hours stays
    a few MB (a list of per-frame arrays cost ~1.1 KB per frame with three models)."""

    def __init__(self, width: int, dtype, block_rows: int = 4096):
        self.width, self.dtype, self.block_rows = width, dtype, block_rows
        self.blocks: list[np.ndarray] = []
        self.count = 0

    def append(self, rows: np.ndarray) -> None:
        for row in np.asarray(rows, dtype=self.dtype).reshape(-1, self.width):
            if self.count == len(self.blocks) * self.block_rows:
                self.blocks.append(np.empty((self.block_rows, self.width), self.dtype))
            self.blocks[-1][self.count % self.block_rows] = row
            self.count += 1

    def rows(self, start: int, stop: int) -> np.ndarray:
        """Rows start..stop-1 as one array."""
        parts = []
        while start < stop:
            block, offset = divmod(start, self.block_rows)
            take = min(stop - start, self.block_rows - offset)
            parts.append(self.blocks[block][offset:offset + take])
            start += take
        return np.concatenate(parts) if len(parts) > 1 else (parts[0] if parts else np.zeros((0, self.width)))

    def __len__(self) -> int:
        return self.count

    def truncate(self, count: int) -> None:
        """Forget the rows from ``count`` on (their storage is reused by the next appends)."""
        self.count = min(self.count, count)


class _SourceLog:
    """One source's results: a row per frame (index, time, first face row, face rows, image) and a
    float32 row per face and model (the layout above); errors only for the frames that had some."""

    def __init__(self, name: str, kind: str):
        self.name = name
        self.kind = kind
        self.frames = _GrowingRows(5, np.float64)
        self.faces = _GrowingRows(_ROW_WIDTH, np.float32)
        self.images: list[str] = []  # file names of still images, by id (frames store the id, -1 for none)
        self.errors: dict[int, dict] = {}  # frame position -> model errors

    def add(self, frame_index: int, time_s: float, image: str, errors: dict, rows: np.ndarray,
            replaces_still: bool = False) -> None:
        image_id = -1
        if image:
            if not self.images or self.images[-1] != image:
                self.images.append(image)
            image_id = len(self.images) - 1
        if replaces_still and len(self.frames):
            last_index, _time, start, _count, last_image = self.frames.rows(len(self.frames) - 1, len(self.frames))[0]
            if int(last_index) == frame_index and int(last_image) == image_id:
                self.errors.pop(len(self.frames) - 1, None)
                self.frames.truncate(len(self.frames) - 1)
                self.faces.truncate(int(start))
        if errors:
            self.errors[len(self.frames)] = dict(errors)
        self.frames.append(np.array([frame_index, time_s, len(self.faces), len(rows), image_id]))
        self.faces.append(rows)

    @property
    def frame_count(self) -> int:
        return len(self.frames)

    @property
    def face_count(self) -> int:
        return len(self.faces)

    def faces_by_frame(self) -> dict[int, list[tuple[int, Box]]]:
        """Frame index -> (track id, box) of each face in it (one entry per face, whatever the models)."""
        found: dict[int, list[tuple[int, Box]]] = {}
        for row in self.faces.rows(0, len(self.faces)):
            entry = (int(row[2]), tuple(int(v) for v in row[3:7]))
            faces = found.setdefault(int(row[0]), [])
            if entry not in faces:
                faces.append(entry)
        return found

    def append_from(self, other: "_SourceLog", other_models: list[str], models: list[str], first_frame: int,
                    track_ids: dict[int, int]) -> None:
        """Append ``other``'s frames from frame index ``first_frame`` on (a later segment of the same
        video), its track ids renamed by ``track_ids`` and its model indices mapped to ``models``."""
        model_index = np.array([models.index(m) for m in other_models] or [0], np.float32)
        for position, (frame_index, time_s, start, count, image_id) in enumerate(
                other.frames.rows(0, len(other.frames))):
            if frame_index < first_frame:
                continue
            rows = np.array(other.faces.rows(int(start), int(start + count)), np.float32, copy=True)
            if len(rows):
                rows[:, 2] = [track_ids[int(t)] for t in rows[:, 2]]
                rows[:, 9] = model_index[rows[:, 9].astype(int)]
            image = other.images[int(image_id)] if image_id >= 0 else ""
            self.add(int(frame_index), float(time_s), image, other.errors.get(position, {}), rows)

    def records(self, models: list[str]):
        """(frame entry, face records) per frame, rebuilt from the compact rows."""
        for position, (frame_index, time_s, start, count, image_id) in enumerate(self.frames.rows(0, len(self.frames))):
            frame, start, count, image_id = int(frame_index), int(start), int(count), int(image_id)
            rows = self.faces.rows(start, start + count)
            faces = [face_record(model=models[int(r[9])], raw=r[_RAW].astype(np.float64),
                                 smoothed=r[_SMOOTHED].astype(np.float64), box=tuple(int(v) for v in r[3:7]),
                                 confidence=float(r[7]), whole_image=bool(r[8]), track_id=int(r[2]), frame=frame,
                                 time_s=float(time_s), sharpness=float(r[_SHARPNESS]), turn=float(r[_TURN]),
                                 uncertain=int(r[_UNCERTAIN])) for r in rows]
            entry = {"frame": frame, "time_s": round(float(time_s), 4), "faces": faces}
            if image_id >= 0:
                entry["image"] = self.images[image_id]
            if position in self.errors:
                entry["errors"] = self.errors[position]
            yield entry, faces


class SourceSummary(NamedTuple):
    name: str
    kind: str  # as in the exports' "type": "image" (CLI), "images" (window), "video", "camera", "demo"
    faces: list[FaceSummary]


def _summaries(source: "_SourceLog", models: list[str]) -> list[FaceSummary]:
    rows = source.faces.rows(0, len(source.faces))
    summaries = summarise(rows[:, 1], rows[:, 2].astype(int), rows[:, 9].astype(int), rows[:, _SMOOTHED], models,
                          uncertain=rows[:, _UNCERTAIN] > 0)
    agreement = _agreement(rows)
    for summary in summaries:
        summary.agreement = agreement.get(summary.track_id)
    return summaries


def _agreement(rows: np.ndarray) -> dict[int, float]:
    """Per track seen by two models or more: the share of its frames on which every model's (smoothed)
    answer was the same emotion."""
    if not len(rows):
        return {}
    frames, tracks = rows[:, 0].astype(np.int64), rows[:, 2].astype(np.int64)
    answers = np.argmax(rows[:, _SMOOTHED], axis=1)
    span = int(frames.max()) + 1
    keys, group = np.unique(tracks * span + frames, return_inverse=True)  # one key per (track, frame)
    counts = np.bincount(group, minlength=len(keys))
    lowest = np.full(len(keys), 99)
    highest = np.full(len(keys), -1)
    np.minimum.at(lowest, group, answers)
    np.maximum.at(highest, group, answers)
    compared = counts >= 2
    agreed = (lowest == highest)[compared]
    compared_tracks = keys[compared] // span
    return {int(track): float(agreed[compared_tracks == track].mean()) for track in np.unique(compared_tracks)}


class SessionLog:
    """Every frame result of a session, grouped by source, for export.

    Results are kept as compact numeric rows (96 bytes per face and model,
    40 per frame), not frames or dicts, so a long session stays small in
    memory; JSON and CSV are built at export time.
    """

    def __init__(self):
        self.sources: list[_SourceLog] = []
        self.models: list[str] = []

    def start_source(self, name: str, kind: str) -> None:
        if self.sources and self.sources[-1].name == name and not self.sources[-1].frame_count:
            self.sources[-1].kind = kind
            return
        self.sources.append(_SourceLog(name, kind))

    def _model_index(self, model: str) -> int:
        if model not in self.models:
            self.models.append(model)
        return self.models.index(model)

    def add(self, result: FrameResult, still: bool = False) -> None:
        """Record a frame's result. A still image classified again (another model, compare mode turned
        on or off) replaces its previous result instead of counting as another frame."""
        if not self.sources:
            self.start_source(result.source or "unknown", "unknown")
        rows = []
        for face in result.faces:
            for model, raw in face.probabilities.items():
                quality = face.quality
                rows.append(np.concatenate([
                    [result.frame_index, result.time_s, face.track_id, *face.box, face.confidence,
                     float(face.whole_image), self._model_index(model)],
                    raw, face.smoothed.get(model, raw),
                    [quality.sharpness if quality else 0.0, quality.turn if quality else 0.0,
                     face.uncertain.get(model, 0)]]))
        self.sources[-1].add(result.frame_index, float(result.time_s), result.image_name, result.errors,
                             np.array(rows, dtype=np.float64).reshape(-1, _ROW_WIDTH), replaces_still=still)

    @property
    def frame_count(self) -> int:
        return sum(s.frame_count for s in self.sources)

    @property
    def face_count(self) -> int:
        return sum(s.face_count for s in self.sources)

    def clear(self) -> None:
        self.sources.clear()

    def model_index(self, model: str) -> int:
        """The model's column value in this log's rows (registered on first use)."""
        return self._model_index(model)

    def summaries(self) -> list[SourceSummary]:
        """Per source with results, a summary per tracked face and model (summary.py)."""
        return [SourceSummary(s.name, s.kind, _summaries(s, self.models)) for s in self.sources if s.frame_count]

    def as_json(self) -> list[dict]:
        """A list with one entry per source, each holding its frames and faces (the CLI's shape) and
        the summary per tracked face and model."""
        return [{"file": s.name, "type": s.kind, "frames": [entry for entry, _ in s.records(self.models)],
                 "summary": [f.as_json() for f in _summaries(s, self.models)]}
                for s in self.sources if s.frame_count]

    def export_json(self, path: str | Path) -> None:
        write_json(path, self.as_json())

    def export_csv(self, path: str | Path) -> Path:
        """One row per face, model and frame in `path`; the per-face summary beside it in
        `<stem>.summary.csv` (returned)."""
        path = Path(path)
        with open(path, "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS)
            writer.writeheader()
            for source in self.sources:
                for entry, faces in source.records(self.models):
                    writer.writerows(csv_row(source.name, entry.get("image", ""), face) for face in faces)
        summary_path = summary_csv_path(path)
        with open(summary_path, "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=SUMMARY_CSV_COLUMNS)
            writer.writeheader()
            for source in self.summaries():
                writer.writerows(summary_csv_row(source.name, summary) for summary in source.faces)
        return summary_path


def summary_csv_path(path: str | Path) -> Path:
    path = Path(path)
    return path.with_name(f"{path.stem}.summary.csv")


def write_json(path: str | Path, data) -> None:
    text = json.dumps(data, indent=1)
    if str(path) == "-":
        print(text)
    else:
        Path(path).write_text(text + "\n")

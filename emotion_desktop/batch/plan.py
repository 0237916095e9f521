"""What an archive job has to do: its input files, their settings, and the tasks they split into.

Tasks are small so that workers stay balanced: a chunk of images, or a segment of a video (a frame
range). A segment after the first starts ``OVERLAP_FRAMES`` analysed frames early: the tracker's
smoothed boxes settle during them, so the segment's own frames get the boxes a single pass would
give, and the overlap is where its faces are linked to the previous segment's tracks.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from emotion_desktop.sources import IMAGE_SUFFIXES, VIDEO_SUFFIXES

OVERLAP_FRAMES = 10  # the tracker's box smoothing (weight 0.5) settles to the pixel within 10 frames
SEGMENT_FRAMES = 300  # frames per video task: ~10 s at 30 FPS, seconds of work per task
IMAGES_PER_TASK = 16


@dataclass(frozen=True)
class BatchSettings:
    """Everything that changes an answer; a file's results are reused only under the same settings."""

    models: tuple[str, ...]
    detector: str
    every: int = 1
    smoothing_s: float = 0.0
    models_dir: str | None = None

    def fingerprint(self) -> str:
        return hashlib.sha1(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class InputFile:
    path: Path
    key: str  # its name under the output folder (unique within the job)
    kind: str  # image or video
    size: int
    mtime_ns: int

    @property
    def identity(self) -> dict:
        """What says the file is unchanged since its results were written."""
        return {"input": str(self.path), "size": self.size, "mtime_ns": self.mtime_ns}


@dataclass(frozen=True)
class ImagesTask:
    files: tuple[InputFile, ...]


@dataclass(frozen=True)
class SegmentTask:
    file: InputFile
    start: int  # first frame this segment reports
    stop: int | None  # one past its last frame (None: to the end)
    read_from: int  # first frame it analyses (start minus the overlap)


@dataclass
class Plan:
    files: list[InputFile] = field(default_factory=list)
    missing: list[tuple[str, str]] = field(default_factory=list)  # (path, why) for inputs that are not there


def discover(inputs: list[Path]) -> Plan:
    """Every image and video under ``inputs`` (folders recursively, in name order), each with a unique key."""
    plan, keys = Plan(), set()
    for given in inputs:
        given = Path(given)
        if given.is_dir():
            found = sorted(p for p in given.rglob("*") if p.is_file() and _media_kind(p))
            if not found:
                plan.missing.append((str(given), "no images or videos in this folder"))
            named = [(p, f"{given.name}/{p.relative_to(given).as_posix()}") for p in found]
        elif given.is_file():
            named = [(given, given.name)]
        else:
            plan.missing.append((str(given), "file or folder not found"))
            continue
        for path, key in named:
            unique, number = key, 1
            while unique in keys:  # the same name from two inputs
                number += 1
                unique = f"{key}~{number}"
            keys.add(unique)
            stat = path.stat()
            plan.files.append(InputFile(path, unique, _media_kind(path) or "video", stat.st_size, stat.st_mtime_ns))
    return plan


def _media_kind(path: Path) -> str | None:
    suffix = path.suffix.lower()
    return "image" if suffix in IMAGE_SUFFIXES else "video" if suffix in VIDEO_SUFFIXES else None


def split(files: list[InputFile], frame_counts: dict[str, int | None], every: int = 1,
          segment_frames: int = SEGMENT_FRAMES, images_per_task: int = IMAGES_PER_TASK) -> list:
    """Tasks for ``files``: images in chunks, videos in segments of about ``segment_frames`` frames
    (a multiple of ``every``, so a split video analyses the frames one pass would). A video whose
    length is unknown is one task."""
    images = [f for f in files if f.kind == "image"]
    tasks: list = [ImagesTask(tuple(images[i:i + images_per_task])) for i in range(0, len(images), images_per_task)]
    length = max(every, segment_frames - segment_frames % every)
    overlap = OVERLAP_FRAMES * every
    for video in (f for f in files if f.kind == "video"):
        count = frame_counts.get(video.key)
        if not count or count <= length:
            tasks.append(SegmentTask(video, 0, None, 0))
            continue
        starts = list(range(0, count, length))
        for number, start in enumerate(starts):
            last = number == len(starts) - 1  # reads to the end: a frame count can be a little off
            tasks.append(SegmentTask(video, start, None if last else start + length, max(0, start - overlap)))
    return tasks

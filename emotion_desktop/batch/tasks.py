"""The work a Dask worker does: analyse a chunk of images or a video segment with the session loop.

Each worker process builds its pipeline (models and face detector) once, on its first task, and
keeps it for every later task with the same settings. A task returns compact session logs (no
frames), so a worker's memory does not grow with the length of a video.
"""

from __future__ import annotations

import functools
import logging

from emotion_desktop.batch.plan import BatchSettings, ImagesTask, SegmentTask
from emotion_desktop.results import SessionLog
from emotion_desktop.session import Session
from emotion_desktop.sources import ImageSource, SourceError, VideoFileSource

log = logging.getLogger(__name__)


class TaskError(Exception):
    """A task's input could not be analysed; the message says which file and why."""


@functools.lru_cache(maxsize=2)
def _pipeline(settings: BatchSettings):
    """The worker process's pipeline for these settings, built on first use."""
    from emotion_desktop.backends import load_backend
    from emotion_desktop.detectors import make_detector
    from emotion_desktop.pipeline import Pipeline

    backends = [load_backend(name, settings.models_dir) for name in settings.models]
    unavailable = [f"{b.display_name}: {b.unavailable_reason}" for b in backends if not b.available]
    if unavailable:
        raise TaskError(f"model unavailable on this worker ({'; '.join(unavailable)})")
    # Every analysed frame gets a full search: a face followed from the last frame's box lands a pixel
    # apart depending on where a segment began, and an archive's results must not depend on how it
    # was split among workers (tests/test_batch.py).
    return Pipeline(make_detector(settings.detector), backends, smoothing_s=settings.smoothing_s, tta_live=True,
                    detect_every=1)


def run_task(task: ImagesTask | SegmentTask, settings: BatchSettings) -> list[tuple[str, SessionLog | str]]:
    """(file key, its session log, or why it failed) per file of the task."""
    session = Session(_pipeline(settings), draw=False)
    if isinstance(task, SegmentTask):
        return [(task.file.key, _segment(session, task, settings.every))]
    return [(file.key, _image(session, file)) for file in task.files]


def _segment(session: Session, task: SegmentTask, every: int) -> SessionLog | str:
    try:
        source = VideoFileSource(task.file.path, start=task.read_from, stop=task.stop)
        # One frame at a time: the workers already keep every core busy with their own tasks.
        for _ in session.analyse(source, str(task.file.path), "video", every, overlap=False):
            pass
    except SourceError as error:
        return str(error)
    return session.log


def _image(session: Session, file) -> SessionLog | str:
    session.log = SessionLog()
    try:
        for _ in session.analyse(ImageSource([file.path]), str(file.path), "image"):
            pass
    except SourceError as error:
        return str(error)
    return session.log

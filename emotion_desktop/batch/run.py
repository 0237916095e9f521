"""Runs an archive job on Dask: a local cluster by default, or the user's scheduler.

The client (this process) plans the tasks, submits them, and writes each file's results as soon as
all of its tasks are in; workers only analyse. A worker process that dies takes its tasks with it
and Dask runs them again elsewhere; results are keyed by file, so each file is written once.
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from emotion_desktop.batch.assemble import join_segments
from emotion_desktop.batch.output import OutputFolder
from emotion_desktop.batch.plan import BatchSettings, ImagesTask, InputFile, SegmentTask, discover, split
from emotion_desktop.batch.tasks import run_task
from emotion_desktop.settings import THREADS_ENV

log = logging.getLogger(__name__)


@dataclass
class BatchReport:
    analysed: list[str] = field(default_factory=list)  # keys written by this run
    skipped: list[str] = field(default_factory=list)  # keys finished by an earlier run
    failures: list[tuple[str, str]] = field(default_factory=list)  # (input, why)
    frames: int = 0
    tables: list[Path] = field(default_factory=list)


def start_local_cluster(workers: int):
    """A LocalCluster of ``workers`` single-threaded processes on 127.0.0.1, each running its models on
    its share of the cores."""
    from distributed import LocalCluster

    threads = max(1, (os.cpu_count() or 1) // workers)
    return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                        dashboard_address=":0" if has_dashboard() else None, silence_logs=logging.ERROR,
                        env={THREADS_ENV: str(threads)})


def has_dashboard() -> bool:
    import importlib.util

    return importlib.util.find_spec("bokeh") is not None  # Dask's dashboard needs it


def frame_count(path: Path) -> int | None:
    import cv2

    capture = cv2.VideoCapture(str(path))
    try:
        count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) if capture.isOpened() else 0
    finally:
        capture.release()
    return count if count > 0 else None


def run_batch(inputs: list[Path], out: Path, settings: BatchSettings, client, force: bool = False,
              progress: bool = False, segment_frames: int | None = None) -> BatchReport:
    """Analyse every image and video under ``inputs`` into ``out`` on ``client``'s cluster."""
    from distributed import as_completed
    from tqdm import tqdm

    report = BatchReport()
    plan = discover(inputs)
    report.failures.extend(plan.missing)
    folder = OutputFolder(out, settings.fingerprint())
    todo = []
    for file in plan.files:
        if not force and folder.is_done(file):
            report.skipped.append(file.key)
        else:
            todo.append(file)
    counts = {f.key: frame_count(f.path) for f in todo if f.kind == "video"}
    options = {"segment_frames": segment_frames} if segment_frames else {}
    tasks = split(todo, counts, settings.every, **options)
    waiting = {f.key: 0 for f in todo}  # tasks still to come in, per file
    for task in tasks:
        for file in task_files(task):
            waiting[file.key] += 1
    by_key = {f.key: f for f in todo}
    parts: dict[str, list] = {key: [] for key in by_key}
    failed: dict[str, str] = {}
    futures = {client.submit(run_task, task, settings, pure=False): task for task in tasks}
    total_frames = sum((counts.get(f.key) or 0) // settings.every if f.kind == "video" else 1 for f in todo)
    files_bar = tqdm(total=len(todo), desc="files", unit="file", file=sys.stderr, disable=not progress, position=0)
    frames_bar = tqdm(total=total_frames, desc="frames", unit="frame", file=sys.stderr, disable=not progress,
                      position=1)
    try:
        for future in as_completed(futures):
            task = futures.pop(future)
            try:
                answers = future.result()
            except Exception as error:  # the task itself failed (a worker lost too often, a model missing)
                answers = [(f.key, f"{type(error).__name__}: {error}") for f in task_files(task)]
            for key, answer in answers:
                if isinstance(answer, str):
                    failed.setdefault(key, answer)
                else:
                    parts[key].append((task, answer))
                    frames_bar.update(answer.frame_count if isinstance(task, SegmentTask) else 1)
                waiting[key] -= 1
                if waiting[key] == 0:
                    _finish(by_key[key], parts.pop(key), failed.get(key), folder, report)
                    files_bar.update(1)
    finally:
        for future in futures:  # interrupted: nothing more is needed from the cluster
            future.cancel()
        files_bar.close()
        frames_bar.close()
    report.tables = folder.write_tables(plan.files, report.failures)
    return report


def _finish(file: InputFile, parts: list, error: str | None, folder: OutputFolder, report: BatchReport) -> None:
    if error is not None:
        report.failures.append((str(file.path), error))
        print(f"emotion-desktop: {file.path}: {error}", file=sys.stderr)
        return
    log_ = join_segments(parts) if file.kind == "video" else parts[0][1]
    try:
        folder.write(file, log_)
    except OSError as exc:
        report.failures.append((str(file.path), f"cannot write its results: {exc}"))
        return
    report.analysed.append(file.key)
    report.frames += log_.frame_count


def task_files(task) -> tuple[InputFile, ...]:
    return task.files if isinstance(task, ImagesTask) else (task.file,)

"""The ``emotion-desktop`` command: the window by default, and headless commands.

    emotion-desktop                         open the window (camera, else the built-in demo)
    emotion-desktop --demo | PATH           open the window on the demo or a file/folder
    emotion-desktop predict PATH... --model scratch_cnn|resnet50v2|deepface|all --json out.json
    emotion-desktop batch PATH... --out DIR  analyse an archive on Dask (local workers, or --scheduler ADDRESS)
    emotion-desktop evaluate FOLDER --model all [--json FILE] [--report DIR]
                                            score the models on your photos, one subfolder per emotion
    emotion-desktop models                  list the models and whether they can run
    emotion-desktop fetch-weights           download DeepFace's emotion weights (needs a connection)
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
from pathlib import Path

COMMANDS = ("predict", "batch", "evaluate", "models", "fetch-weights", "gui")


def _fail(message: str, code: int = 2) -> int:
    print(f"emotion-desktop: {message}", file=sys.stderr)
    return code


def build_parser() -> argparse.ArgumentParser:
    from emotion_desktop.backends import backend_names
    from emotion_desktop.detectors import DEFAULT_DETECTOR, detector_names
    from emotion_desktop.pipeline import LIVE_DETECT_EVERY
    from emotion_desktop.tta import TTA_MODES

    parser = argparse.ArgumentParser(prog="emotion-desktop", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command")

    gui = commands.add_parser("gui", help="open the window (the default command)")
    gui.add_argument("path", nargs="?", help="an image, video or folder to open")
    gui.add_argument("--demo", action="store_true", help="start on the built-in demo instead of the camera")
    gui.add_argument("--camera", type=int, default=0, help="camera index to start on (default 0)")
    gui.add_argument("--model", choices=backend_names(), help="model to start with")
    gui.add_argument("--models-dir", type=Path, help="folder holding <model>.keras and cards")

    predict = commands.add_parser("predict", help="analyse images, folders and videos headlessly")
    predict.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="image, video or folder of images")
    predict.add_argument("--model", default="scratch_cnn", choices=(*backend_names(), "all"))
    predict.add_argument("--json", metavar="FILE", help="write the full results as JSON here ('-' for stdout); "
                         "without it a short table is printed (with --annotate: OUTDIR/results.json)")
    predict.add_argument("--csv", type=Path, metavar="FILE", help="also write one CSV row per face and model")
    predict.add_argument("--every", type=int, default=1, metavar="N", help="videos: analyse every N-th frame")
    predict.add_argument("--full-search", action="store_true",
                         help="videos: search the whole frame for faces on every frame (default: as the live "
                              f"view: blazeface searches every few frames, haar and mtcnn every {LIVE_DETECT_EVERY}th, "
                              "following known faces in between)")
    predict.add_argument("--detector", default=DEFAULT_DETECTOR, choices=detector_names(),
                         help=f"face detector (default {DEFAULT_DETECTOR}; haar: OpenCV's cascade, mtcnn: slower)")
    predict.add_argument("--tta", default="none", choices=TTA_MODES,
                         help="test-time augmentation: average each face with its mirror image (flip, 2x the "
                              "classification time) or ten crops (tencrop, 10x); default none")
    predict.add_argument("--smoothing", type=float, default=0.0, metavar="SECONDS",
                         help="videos: time constant of the smoothing reported as emotion_smoothed")
    predict.add_argument("--annotate", type=Path, metavar="OUTDIR",
                         help="write each image annotated with every model's answer side by side (videos: "
                              "OUTDIR/<name>.annotated.mp4 with every model's answer on each face), plus "
                         "results.csv and results.json")
    predict.add_argument("--explain", type=Path, metavar="OUTDIR",
                         help="images: write why each model answered, OUTDIR/<image>.face<N>.<model>.png (the face "
                              "with a heat map of the regions the answer rests on; faces numbered left to right)")
    predict.add_argument("--models-dir", type=Path, help="folder holding <model>.keras and cards")

    batch = commands.add_parser("batch", help="analyse an archive of images and videos on Dask: resumable, "
                                               "per-file results, results.parquet and summary.csv")
    batch.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="images, videos, folders (recursively)")
    batch.add_argument("--out", type=Path, required=True, metavar="DIR", help="output folder (resumes when rerun)")
    batch.add_argument("--workers", type=int, default=os.cpu_count() or 1, metavar="N",
                       help="local worker processes (default: the number of cores)")
    batch.add_argument("--scheduler", metavar="ADDRESS",
                       help="a running Dask scheduler (tcp://host:8786) instead of local workers; its workers "
                            "need emotion-desktop installed")
    batch.add_argument("--model", default="scratch_cnn", choices=(*backend_names(), "all"))
    batch.add_argument("--detector", default=DEFAULT_DETECTOR, choices=detector_names())
    batch.add_argument("--every", type=int, default=1, metavar="K", help="videos: analyse every K-th frame")
    batch.add_argument("--force", action="store_true", help="analyse again files finished by an earlier run")
    batch.add_argument("--segment-frames", type=int, default=None, metavar="N",
                       help="video frames per task (default 300; smaller balances short videos better)")
    batch.add_argument("--models-dir", type=Path, help="folder holding <model>.keras and cards")

    evaluate = commands.add_parser("evaluate", help="score the models on labelled photos: FOLDER/<emotion>/*.jpg")
    evaluate.add_argument("folder", type=Path, metavar="FOLDER",
                          help="one subfolder per emotion (angry/anger, disgust(ed), fear(ful), happy/happiness, "
                               "sad(ness), surprise(d), neutral/normal; any case); other subfolders are skipped")
    evaluate.add_argument("--model", default="all", choices=(*backend_names(), "all"))
    evaluate.add_argument("--json", metavar="FILE", help="write the full results (scores, matrices, lists) here")
    evaluate.add_argument("--report", type=Path, metavar="DIR",
                          help="write DIR/evaluation.json and DIR/confusion.png (the models' matrices side by side)")
    evaluate.add_argument("--detector", default=DEFAULT_DETECTOR, choices=detector_names(),
                          help="face detector for photos")
    evaluate.add_argument("--tta", default="none", choices=TTA_MODES, help="test-time augmentation (as predict)")
    evaluate.add_argument("--models-dir", type=Path, help="folder holding <model>.keras and cards")

    models = commands.add_parser("models", help="list the models and whether they can run")
    models.add_argument("--models-dir", type=Path)
    fetch = commands.add_parser("fetch-weights", help="download DeepFace's emotion weights with DeepFace's own "
                                                      "downloader")
    fetch.add_argument("--url", help="download from this URL (a mirror) instead of DeepFace's host; "
                                     "EMOTION_DESKTOP_DEEPFACE_URL sets mirrors for the window too")
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # No sub-command means "open the window" (emotion-desktop, emotion-desktop --demo, emotion-desktop FILE).
    if not argv or (argv[0] not in COMMANDS and argv[0] not in ("-h", "--help")):
        argv = ["gui", *argv]
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if args.command == "gui":
        from emotion_desktop.gui.app import run_app

        return run_app(args)
    if args.command == "predict":
        return predict_command(args)
    if args.command == "batch":
        return batch_command(args)
    if args.command == "evaluate":
        return evaluate_command(args)
    if args.command == "models":
        return models_command(args)
    if args.command == "fetch-weights":
        return fetch_weights_command(args.url)
    return 0


def naming(name: str, message: str) -> str:
    """A file's error said once: messages that already name the file are not prefixed with it again."""
    return message if Path(name).name in message else f"{name}: {message}"


def load_backends(choice: str, models_dir: Path | None):
    """The backends for --model; (backends, error) with a one-line error when none can run."""
    from emotion_desktop.backends import backend_names, load_backend

    names = backend_names() if choice == "all" else (choice,)
    backends = [load_backend(name, models_dir) for name in names]
    available = [b for b in backends if b.available]
    if not available:  # one line: what is missing and how to get it
        reasons = "; ".join(naming(b.display_name, terminal_wording(b.unavailable_reason)) for b in backends)
        return [], f"no model could run ({reasons})" if choice == "all" else reasons
    for backend in backends:  # --model all goes on with the others
        if not backend.available:
            print(f"emotion-desktop: {backend.display_name} is skipped: "
                  f"{terminal_wording(backend.unavailable_reason)}", file=sys.stderr)
    return available, None


def terminal_wording(reason: str) -> str:
    """A model's unavailability as a terminal user can act on it: the window's menu steps left out."""
    return re.sub(r"Use Models -> [^,]*, or run", "Run", reason)


def iterate_inputs(paths: list[Path]):
    """(display name, kind, path) per input file; folders expand to their images."""
    from emotion_desktop.sources import image_files_in

    for path in paths:
        if path.is_dir():
            images = image_files_in(path)
            if not images:
                yield str(path), "folder", path  # reported as "no images" by the source
            for image in images:
                yield str(image), "image", image
        else:
            yield str(path), "file", path


def predict_command(args) -> int:
    from emotion_desktop.backends import SHORT_NAMES
    from emotion_desktop.backends.runner_choice import cores_reserved
    from emotion_desktop.detectors import make_detector
    from emotion_desktop.pipeline import LIVE_DETECT_EVERY, Pipeline
    from emotion_desktop.results import write_json
    from emotion_desktop.saliency import write_face_maps
    from emotion_desktop.session import Session
    from emotion_desktop.sources import (
        VIDEO_SUFFIXES,
        ImageSource,
        PrefetchedSource,
        SourceError,
        VideoFileSource,
        open_path,
    )
    from emotion_desktop.text_report import format_report

    if args.every < 1:
        return _fail("--every must be 1 or more")
    # A video's faces are located on a second thread while the classifiers run (Session.analyse): one
    # core goes to that stage, and a second classifier thread would only compete with it.
    videos = any(Path(p).suffix.lower() in VIDEO_SUFFIXES for p in args.paths)
    with cores_reserved(1 if videos else 0):
        backends, error = load_backends(args.model, args.models_dir)
    if error:
        return _fail(error)
    try:
        detector = make_detector(args.detector)
    except Exception as exc:
        return _fail(f"face detector {args.detector} cannot start: {exc}")
    # Videos follow faces between full searches like the live view (still images are always searched
    # thoroughly); --full-search searches every frame.
    pipeline = Pipeline(detector, backends, smoothing_s=args.smoothing, tta=args.tta, tta_live=True,
                        detect_every=1 if args.full_search else LIVE_DETECT_EVERY)
    session = Session(pipeline, draw=False)  # the same loop as the window's; frames drawn only to record
    failures: list[dict] = []
    current = {"name": ""}

    def failed(message: str) -> None:
        failures.append({"file": current["name"], "error": message})
        print(f"emotion-desktop: {naming(current['name'], message)}", file=sys.stderr)

    def recorded(path: str, frames: int, _seconds: float) -> None:
        if path:
            print(f"emotion-desktop: annotated video {path} ({frames} frames)", file=sys.stderr)

    session.events.recording_failed.connect(failed)
    session.events.recording_stopped.connect(recorded)
    annotator = Annotator(args.annotate, pipeline.model_names) if args.annotate else None
    for name, _kind, path in iterate_inputs(args.paths):
        current["name"] = name
        try:
            source = open_path(path)
        except SourceError as exc:
            failed(str(exc))
            continue
        video = isinstance(source, VideoFileSource)
        if video and args.explain:
            print(f"emotion-desktop: {name}: --explain writes maps for images only", file=sys.stderr)
        if video:
            source = PrefetchedSource(source)  # decode on its own thread while frames are analysed
        record_to = annotator.video_path(path) if annotator and video else None
        with progress_bar(name, source.info.frame_count if video else None, args.every) as progress:
            try:
                for result, frame, _ in session.analyse(source, name, "video" if video else "image", args.every,
                                                        record_to):
                    if args.explain and isinstance(source, ImageSource):
                        pipeline.explain(frame.image, result.faces)
                        maps = write_face_maps(args.explain, path.stem, frame.image, result)
                        print(f"emotion-desktop: {len(maps)} saliency map(s) of {name} in {args.explain}",
                              file=sys.stderr)
                    if annotator and isinstance(source, ImageSource):
                        written = annotator.write(path, frame.image, result)
                        print(f"emotion-desktop: annotated image {written}", file=sys.stderr)
                    progress.update(args.every if video else 1)
            except (SourceError, OSError) as exc:
                failed(str(exc))
    output = session.log.as_json() + failures
    analysed = session.log.frame_count > 0  # files are written only for what could be analysed
    json_target = args.json or (args.annotate / "results.json" if args.annotate and analysed else None)
    try:
        if json_target is not None:
            write_json(json_target, output)
        elif not args.annotate:
            print(format_report(output, SHORT_NAMES))
        if args.csv and analysed:
            session.log.export_csv(args.csv)
        if annotator and analysed:
            session.log.export_csv(args.annotate / "results.csv")
    except OSError as exc:
        return _fail(f"cannot write results: {exc}")
    return 1 if failures else 0


def batch_command(args) -> int:
    from emotion_desktop.batch.plan import BatchSettings
    from emotion_desktop.batch.run import run_batch, start_local_cluster

    if args.every < 1 or args.workers < 1:
        return _fail("--every and --workers must be 1 or more")
    backends, error = load_backends(args.model, args.models_dir)  # checked here, before any worker starts
    if error:
        return _fail(error)
    settings = BatchSettings(tuple(b.name for b in backends), args.detector, args.every,
                             models_dir=str(args.models_dir.resolve()) if args.models_dir else None)
    from distributed import Client

    logging.getLogger("distributed").setLevel(logging.WARNING)  # the local scheduler runs in this process

    cluster = None
    try:
        if args.scheduler:
            client = Client(args.scheduler, timeout="10s")
        else:
            cluster = start_local_cluster(args.workers)
            client = Client(cluster)
    except OSError as exc:
        return _fail(f"cannot reach the Dask scheduler {args.scheduler} ({exc}); start it with "
                     "'dask scheduler' or leave out --scheduler to use local workers", code=1)
    where = args.scheduler or f"{args.workers} local worker process(es)"
    dashboard = dashboard_address(client)
    print(f"emotion-desktop: analysing on {where}" + (f"; Dask dashboard: {dashboard}" if dashboard else ""),
          file=sys.stderr)
    try:
        report = run_batch(args.paths, args.out, settings, client, force=args.force, progress=sys.stderr.isatty(),
                           segment_frames=args.segment_frames)
    except KeyboardInterrupt:
        print(f"emotion-desktop: interrupted; finished files are kept in {args.out}/files. Run the same command "
              "again to analyse the rest.", file=sys.stderr)
        return 130
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    print(f"emotion-desktop: {len(report.analysed)} file(s) analysed ({report.frames} frames), "
          f"{len(report.skipped)} already done, {len(report.failures)} failed; results in {args.out}",
          file=sys.stderr)
    return 1 if report.failures else 0


def dashboard_address(client) -> str | None:
    """The Dask dashboard's address when one answers there (it needs bokeh; the link is set even when
    none runs)."""
    import urllib.request

    try:
        with urllib.request.urlopen(client.dashboard_link, timeout=1):
            return client.dashboard_link
    except (OSError, ValueError):
        return None


def progress_bar(name: str, frames: int | None, every: int):
    """A progress bar on stderr for a video (frames analysed of the total); silent when stderr is
    not a terminal (pipes, logs, CI) and for still images."""
    from tqdm import tqdm

    return tqdm(total=frames, desc=Path(name).name, unit="frame", file=sys.stderr, leave=False,
                disable=frames is None or not sys.stderr.isatty(), dynamic_ncols=True)


class Annotator:
    """Writes OUTDIR/<image>.annotated.png (one panel per model, side by side, each with that model's
    answer) and OUTDIR/<video>.annotated.mp4 (every model's answer on each face, as the window draws)."""

    def __init__(self, folder: Path, models: list[str]):
        self.folder = folder  # created with the first file written into it
        self.models = models

    def video_path(self, path: Path) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        return self.folder / f"{path.stem}.annotated.mp4"

    def write(self, path: Path, image, result) -> Path:
        import copy

        import cv2
        import numpy as np

        from emotion_desktop.backends import DISPLAY_NAMES
        from emotion_desktop.drawing import annotate

        panels = []
        for model in self.models:
            single = copy.copy(result)
            single.models = [model]
            panels.append(annotate(image, single, smoothed=False, title=DISPLAY_NAMES.get(model, model)))
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.folder / f"{path.stem}.annotated.png"
        if not cv2.imwrite(str(target), np.hstack(panels)):
            raise OSError(f"cannot write {target}")
        return target


def evaluate_command(args) -> int:
    from tqdm import tqdm

    from emotion_desktop.detectors import make_detector
    from emotion_desktop.evaluation import evaluate_folder, format_report, scan_folder, write_report_folder
    from emotion_desktop.results import write_json

    try:
        count = len(scan_folder(args.folder).paths)
    except FileNotFoundError as exc:
        return _fail(str(exc))
    if count == 0:
        return _fail(f"no images in emotion subfolders of {args.folder} (expected e.g. {args.folder}/happy/*.jpg)")
    backends, error = load_backends(args.model, args.models_dir)
    if error:
        return _fail(error)
    with tqdm(total=count, desc="faces", unit="image", file=sys.stderr, leave=False,
              disable=not sys.stderr.isatty()) as bar:
        report = evaluate_folder(args.folder, backends, make_detector(args.detector), args.tta, bar.update)
    print(format_report(report))
    try:
        if args.json:
            write_json(args.json, report)
        if args.report:
            for path in write_report_folder(report, args.report):
                print(f"wrote {path}")
    except OSError as exc:
        return _fail(f"cannot write the report: {exc}")
    return 0


def models_command(args) -> int:
    from emotion_desktop.backends import DISPLAY_NAMES, backend_names, default_models_dir, probe

    print(f"models folder: {args.models_dir or default_models_dir()}")
    for name in backend_names():
        reason = probe(name, args.models_dir)
        print(f"  {name:12} {DISPLAY_NAMES[name]:12} {'available' if reason is None else 'unavailable: ' + reason}")
    return 0


def fetch_weights_command(url: str | None = None) -> int:
    from emotion_desktop.backends.deepface_backend import (
        WeightsError,
        fetch_weights,
        missing_weights_reason,
        weights_path,
    )

    if missing_weights_reason() is None:
        print(f"DeepFace's emotion weights are already at {weights_path()}")
        return 0
    try:
        path = fetch_weights(url)
    except WeightsError as exc:
        return _fail(str(exc), code=1)
    print(f"downloaded DeepFace's emotion weights to {path}; DeepFace is ready")
    return 0


if __name__ == "__main__":
    sys.exit(main())

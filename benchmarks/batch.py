"""Archive-analysis benchmark: emotion-desktop batch on 1 and 2 local workers and through a scheduler.

    python -m benchmarks.batch [--copies 3] [--segment-frames 300] [--repeats 2] [--hour-every 5] [--skip-hour]

Builds an archive from ../shared/media (each video and photo copied ``--copies`` times), then runs
the real batch job on: a LocalCluster of 1 worker, of 2 workers, and a ``dask scheduler`` with two
``dask worker`` processes started here on 127.0.0.1 (the path a cluster takes). Prints frames/s,
files/s (the best of ``--repeats`` runs: other load on a shared machine only slows a run down), the
speed-up of 2 workers over 1 and each worker process's peak resident memory. With
``--hour-every K`` it also analyses an hour of 640x360 video (a clip looped into one file) with every
K-th frame analysed and prints the workers' peak memory (frames are decoded either way).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import cv2
import psutil

from benchmarks.machine import cpu_header
from emotion_desktop.batch.plan import SEGMENT_FRAMES, BatchSettings
from emotion_desktop.batch.run import run_batch, start_local_cluster
from emotion_desktop.detectors import DEFAULT_DETECTOR

MEDIA = Path(__file__).resolve().parents[2] / "shared" / "media"


class PeakMemory(threading.Thread):
    """Samples the resident memory of the given processes (and their children) until stopped."""

    def __init__(self, pids):
        super().__init__(daemon=True)
        self.pids, self.peaks, self._done = list(pids), {}, threading.Event()

    def run(self) -> None:
        while not self._done.is_set():
            for pid in self.pids:
                try:
                    rss = psutil.Process(pid).memory_info().rss
                except psutil.Error:
                    continue
                self.peaks[pid] = max(self.peaks.get(pid, 0), rss)
            time.sleep(0.2)

    def stop(self) -> dict[int, float]:
        self._done.set()
        self.join()
        return {pid: rss / 2**20 for pid, rss in self.peaks.items()}


def build_archive(folder: Path, copies: int) -> tuple[int, int]:
    """Videos and photos of ../shared/media, ``copies`` times; returns (files, video frames)."""
    media = [p for p in sorted((MEDIA / "videos").iterdir()) if p.suffix.lower() in (".mp4", ".mov")]
    media += [p for p in sorted((MEDIA / "photos").glob("*.jpg"))]
    frames = 0
    for copy in range(copies):
        for path in media:
            shutil.copy(path, folder / f"{copy}_{path.name}")
            if path.parent.name == "videos":
                capture = cv2.VideoCapture(str(path))
                frames += int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
                capture.release()
    return copies * len(media), frames


def timed_run(client, archive: Path, out: Path, settings: BatchSettings, segment_frames: int) -> dict:
    client.wait_for_workers(len(client.scheduler_info()["workers"]) or 1)
    pids = list(client.run(os.getpid).values())
    monitor = PeakMemory(pids)
    monitor.start()
    started = time.perf_counter()
    report = run_batch([archive], out, settings, client, force=True, segment_frames=segment_frames)
    elapsed = time.perf_counter() - started
    peaks = monitor.stop()
    analysed = report.frames
    return {"seconds": elapsed, "frames": analysed, "files": len(report.analysed), "fps": analysed / elapsed,
            "files_per_s": len(report.analysed) / elapsed, "peak_mb": sorted(peaks.values()),
            "failures": report.failures}


def warm(client, archive: Path, settings: BatchSettings) -> None:
    """One image on every worker first: model loading is not part of the throughput."""
    photo = MEDIA / "photos" / "pyfeat_single_face.jpg"
    with tempfile.TemporaryDirectory() as scratch:
        warm_dir = Path(scratch) / "warm"
        warm_dir.mkdir()
        for number in range(8):
            shutil.copy(photo, warm_dir / f"{number}.jpg")
        run_batch([warm_dir], Path(scratch) / "out", settings, client, force=True)


def best_of(repeats: int, client, archive: Path, out: Path, settings: BatchSettings, segment_frames: int) -> dict:
    runs = [timed_run(client, archive, out, settings, segment_frames) for _ in range(repeats)]
    return max(runs, key=lambda run: run["fps"])


def local_run(workers: int, archive: Path, out: Path, settings: BatchSettings, segment_frames: int,
              repeats: int = 1) -> dict:
    from distributed import Client

    with start_local_cluster(workers) as cluster, Client(cluster) as client:
        client.wait_for_workers(workers)
        warm(client, archive, settings)
        return best_of(repeats, client, archive, out, settings, segment_frames)


def scheduler_run(archive: Path, out: Path, settings: BatchSettings, segment_frames: int, repeats: int) -> dict:
    """A ``dask scheduler`` and two ``dask worker`` processes on 127.0.0.1, as on a cluster."""
    from distributed import Client

    dask = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
    port = 8786 + os.getpid() % 1000
    env = {**os.environ, "EMOTION_DESKTOP_THREADS": "1"}
    processes = [subprocess.Popen([*dask, "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)]
    worker = [sys.executable, "-m", "distributed.cli.dask_worker", f"tcp://127.0.0.1:{port}", "--nthreads", "1",
              "--no-dashboard", "--host", "127.0.0.1"]
    try:
        time.sleep(2)
        processes += [subprocess.Popen(worker, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
                      for _ in range(2)]
        with Client(f"tcp://127.0.0.1:{port}", timeout="30s") as client:
            client.wait_for_workers(2, timeout=120)
            warm(client, archive, settings)
            return best_of(repeats, client, archive, out, settings, segment_frames)
    finally:
        for process in reversed(processes):
            process.terminate()
            process.wait(timeout=30)


def hour_of_video(folder: Path, every: int, settings: BatchSettings) -> dict:
    """An hour of 640x360 video (a clip looped into one file), analysed on 2 local workers."""
    clip = MEDIA / "videos" / "pyfeat_single_face_neutral_smile_neutral.mp4"
    target = folder / "hour.mp4"
    capture = cv2.VideoCapture(str(clip))
    frames = []
    while True:
        ok, image = capture.read()
        if not ok:
            break
        frames.append(cv2.resize(image, (640, 360)))
    capture.release()
    writer = cv2.VideoWriter(str(target), cv2.VideoWriter_fourcc(*"mp4v"), 30.0, (640, 360))
    for index in range(30 * 3600):
        writer.write(frames[index % len(frames)])
    writer.release()
    archive = folder / "hour"
    archive.mkdir()
    shutil.move(target, archive / target.name)
    hourly = BatchSettings(settings.models, settings.detector, every)
    result = local_run(2, archive, folder / "hour_out", hourly, 3000)
    result["file_mb"] = (archive / "hour.mp4").stat().st_size / 2**20
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--copies", type=int, default=3)
    parser.add_argument("--segment-frames", type=int, default=SEGMENT_FRAMES)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--hour-every", type=int, default=5)
    parser.add_argument("--skip-hour", action="store_true")
    parser.add_argument("--skip-scheduler", action="store_true")
    parser.add_argument("--only-hour", action="store_true", help="only the hour of video (memory)")
    args = parser.parse_args(argv)
    print(cpu_header())
    settings = BatchSettings(("scratch_cnn",), DEFAULT_DETECTOR)
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        archive = scratch / "archive"
        archive.mkdir()
        if args.only_hour:
            return print_hour(hour_of_video(scratch, args.hour_every, settings), args.hour_every)
        files, frames = build_archive(archive, args.copies)
        print(f"archive: {files} files ({frames} video frames) from {MEDIA}, tasks of {args.segment_frames} frames")
        runs = {f"local, {n} worker(s)": local_run(n, archive, scratch / f"out{n}", settings, args.segment_frames,
                                                   args.repeats)
                for n in (1, 2)}
        if not args.skip_scheduler:
            runs["dask scheduler + 2 dask workers"] = scheduler_run(archive, scratch / "out_s", settings,
                                                                    args.segment_frames, args.repeats)
        for name, run in runs.items():
            print(f"  {name:34} {run['fps']:6.1f} frames/s  {run['files_per_s']:5.2f} files/s  "
                  f"({run['frames']} frames, {run['files']} files in {run['seconds']:.1f} s; peak RSS per worker "
                  f"{', '.join(f'{mb:.0f}' for mb in run['peak_mb'])} MB; failures {len(run['failures'])})")
        one, two = runs["local, 1 worker(s)"], runs["local, 2 worker(s)"]
        print(f"speed-up of 2 local workers over 1: {two['fps'] / one['fps']:.2f}x")
        per_core = two["fps"] / 2
        print(f"projection: {per_core:.0f} frames/s per core = {per_core * 3600 / (30 * 3600):.2f} hours of 30 FPS "
              "video per core-hour (every frame analysed)")
        if not args.skip_hour:
            print_hour(hour_of_video(scratch, args.hour_every, settings), args.hour_every)
    return 0


def print_hour(hour: dict, every: int) -> int:
    print(f"an hour of 640x360 video ({hour['file_mb']:.0f} MB, every {every}th frame analysed, 2 workers, "
          f"{hour['frames']} frames kept): {hour['seconds']:.0f} s, peak RSS per worker "
          f"{', '.join(f'{mb:.0f}' for mb in hour['peak_mb'])} MB; failures {len(hour['failures'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

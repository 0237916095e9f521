"""Soak benchmark: the real window streaming for a long time, watched from outside.

    python -m benchmarks.soak --minutes 30 [--video PATH] [--phase-seconds 60] [--report-seconds 30]

A child process runs the real ``MainWindow`` (offscreen unless ``--platform xcb``)
and cycles through phases: the built-in demo and a looped video, each with one
model and in compare mode, switching the selected model halfway through each
phase. This process samples the child's resident memory and CPU, prints one line
per interval (FPS, CPU, RSS, frames) and, at the end, whether the window closed
and the process exited cleanly. A crash (like PySide6 6.12.0's abort after
~140 s) shows as a non-zero exit with the child's last words.

The session log keeps every frame's results, as in the app, so part of the
RSS growth is results the user can export (the last line says how many).
DeepFace runs on a same-architecture stand-in weights file when its real
weights are absent (see training/deepface_standin.py).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

from benchmarks.live import DEFAULT_VIDEO

PHASES = (("demo", False), ("demo", True), ("video", False), ("video", True))


# ---- the child: the window ------------------------------------------------------------------
def run_child(args) -> int:
    import tempfile

    from benchmarks.live import ensure_deepface_weights

    ensure_deepface_weights()
    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from emotion_desktop.gui.main_window import MainWindow
    from emotion_desktop.sources import DemoSource, VideoFileSource

    app = QApplication(sys.argv[:1])
    settings = QSettings(str(Path(tempfile.mkdtemp()) / "soak.ini"), QSettings.Format.IniFormat)
    window = MainWindow(models_dir=args.models_dir, settings=settings, start=None)
    window.resize(1280, 760)
    window.show()
    window.state.explain = args.explain
    video = args.video if args.video and args.video.is_file() else None
    phases = [p for p in PHASES if p[0] == "demo" or video is not None]
    started = time.monotonic()
    state = {"phase": -1, "switched": False}

    def say(**fields) -> None:
        print(json.dumps({"t": round(time.monotonic() - started, 1), **fields}), flush=True)

    def next_phase() -> None:
        state["phase"] += 1
        state["switched"] = False
        source, compare = phases[state["phase"] % len(phases)]
        window.panel.compare_box.setChecked(compare)
        if source == "demo":
            window.worker.open_source("the built-in demo", DemoSource)
        else:
            window.worker.open_source(video.name, lambda: VideoFileSource(video, loop=True))
        say(event="phase", source=source, compare=compare)

    def switch_model() -> None:
        """Halfway through a phase: select the next available model."""
        names = window.models.available_names()
        if len(names) > 1:
            current = window.panel.model_combo.currentData()
            following = names[(names.index(current) + 1) % len(names)] if current in names else names[0]
            window.panel.model_combo.setCurrentIndex(window.panel.model_combo.findData(following))
            say(event="model", model=following)

    def tick() -> None:
        elapsed = time.monotonic() - started
        if elapsed >= args.minutes * 60:
            finish()
            return
        phase_elapsed = elapsed - max(state["phase"], 0) * args.phase_seconds
        if state["phase"] < 0 or phase_elapsed >= args.phase_seconds:
            next_phase()
        elif not state["switched"] and phase_elapsed >= args.phase_seconds / 2:
            state["switched"] = True
            switch_model()

    def report() -> None:
        frames, face_rows = window.worker.result_counts()
        say(event="status", fps=round(window.worker.fps, 1), ui_frames=window.frames_shown,
            frames=frames, face_rows=face_rows, none_refs=sys.getrefcount(None),
            models=list(window.last_result.models) if window.last_result else [])

    def finish() -> None:
        timer.stop()
        reporter.stop()
        report()
        window.close()
        say(event="closed", worker_finished=window.worker.isFinished())
        app.quit()

    timer = QTimer()
    timer.timeout.connect(tick)
    timer.start(250)
    reporter = QTimer()
    reporter.timeout.connect(report)
    reporter.start(int(args.report_seconds * 1000))
    tick()
    return app.exec()


# ---- the parent: watching from outside -------------------------------------------------------
class ChildOutput(threading.Thread):
    """Collects the child's JSON lines (and any other output, e.g. a fatal error) as they come."""

    def __init__(self, stream):
        super().__init__(daemon=True)
        self.stream = stream
        self.lines: list[str] = []
        self.events: list[dict] = []

    def run(self) -> None:
        for line in self.stream:
            line = line.rstrip()
            try:
                self.events.append(json.loads(line))
            except ValueError:
                self.lines.append(line)

    def latest(self, event: str) -> dict | None:
        return next((e for e in reversed(self.events) if e.get("event") == event), None)


def run_parent(args) -> int:
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = args.platform
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    command = [sys.executable, "-m", "benchmarks.soak", "--child", "--minutes", str(args.minutes),
               "--phase-seconds", str(args.phase_seconds), "--report-seconds", str(args.report_seconds)]
    if args.video:
        command += ["--video", str(args.video)]
    if args.models_dir:
        command += ["--models-dir", str(args.models_dir)]
    if args.explain:
        command.append("--explain")
    video_note = args.video.name if args.video and args.video.is_file() else "no video found: demo phases only"
    print(f"soak: {args.minutes} min, platform {args.platform}, phases of {args.phase_seconds:.0f} s "
          f"(demo / looped video: {video_note}; one model / compare; model switched halfway"
          f"{'; saliency maps on' if args.explain else ''}), "
          f"{psutil.cpu_count()} CPUs")
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                             cwd=Path(__file__).resolve().parents[1])
    output = ChildOutput(child.stdout)
    output.start()
    process = psutil.Process(child.pid)
    process.cpu_percent(None)
    samples = []
    print(f"{'min':>6} {'phase':<16} {'models':<34} {'FPS':>6} {'CPU%':>6} {'RSS MB':>7} {'frames':>8}")
    deadline = time.monotonic() + args.minutes * 60 + 180  # start-up and shutdown allowance
    while child.poll() is None and time.monotonic() < deadline:
        time.sleep(args.report_seconds)
        if child.poll() is not None:
            break
        try:
            rss = process.memory_info().rss / 2**20
            cpu = process.cpu_percent(None)
        except psutil.NoSuchProcess:
            break
        status, phase = output.latest("status"), output.latest("phase")
        if status is None:
            continue
        phase_name = f"{phase['source']}{' compare' if phase['compare'] else ''}" if phase else "-"
        samples.append({"t": status["t"], "rss": rss, "cpu": cpu, "fps": status["fps"]})
        print(f"{status['t'] / 60:6.1f} {phase_name:<16} {'+'.join(status['models']):<34} {status['fps']:6.1f} "
              f"{cpu:6.0f} {rss:7.0f} {status['frames']:8d}", flush=True)
    if child.poll() is None:
        child.kill()
        print("error: the window did not finish in time; killed")
    code = child.wait()
    output.join(timeout=5)
    return summarise(args, code, output, samples)


def summarise(args, code: int, output: ChildOutput, samples: list[dict]) -> int:
    closed = output.latest("closed")
    status = output.latest("status")
    # Growth is measured from the first sample after the first minute (models loaded, caches warm).
    settled = [s for s in samples if s["t"] >= 60] or samples
    if settled:
        growth = settled[-1]["rss"] - settled[0]["rss"]
        fps = [s["fps"] for s in settled]
        cpu = [s["cpu"] for s in settled]
        print(f"\nRSS {settled[0]['rss']:.0f} MB at {settled[0]['t'] / 60:.1f} min -> {settled[-1]['rss']:.0f} MB at "
              f"{settled[-1]['t'] / 60:.1f} min ({growth:+.0f} MB; peak {max(s['rss'] for s in samples):.0f} MB); "
              f"FPS min/mean {min(fps):.1f}/{sum(fps) / len(fps):.1f}; CPU mean {sum(cpu) / len(cpu):.0f}%")
    if status:
        print(f"session log at the end: {status['frames']} frames, {status['face_rows']} face answers kept "
              f"(exportable); None refcount {status['none_refs']}")
    clean = code == 0 and closed is not None and closed.get("worker_finished")
    print(f"exit code {code}; window closed: {'yes' if closed else 'no'}; worker thread finished: "
          f"{'yes' if closed and closed.get('worker_finished') else 'no'} -> "
          f"{'ENDED CLEANLY' if clean else 'DID NOT END CLEANLY'}")
    if not clean and output.lines:
        print("last output of the window process:\n  " + "\n  ".join(output.lines[-15:]))
    return 0 if clean else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--video", type=Path, default=DEFAULT_VIDEO, help="looped in the video phases")
    parser.add_argument("--phase-seconds", type=float, default=60.0)
    parser.add_argument("--report-seconds", type=float, default=30.0)
    parser.add_argument("--platform", default="offscreen", help="Qt platform: offscreen (default) or xcb")
    parser.add_argument("--models-dir", type=Path)
    parser.add_argument("--explain", action="store_true", help="saliency maps on (View -> Show Why) throughout")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    return run_child(args) if args.child else run_parent(args)


if __name__ == "__main__":
    sys.exit(main())

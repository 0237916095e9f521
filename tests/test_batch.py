"""emotion-desktop batch: archives on a real Dask scheduler and worker processes on 127.0.0.1."""

from __future__ import annotations

import json
import os
import signal
import threading

import cv2
import numpy as np
import pytest

from emotion_desktop.batch.assemble import join_segments
from emotion_desktop.batch.output import OutputFolder
from emotion_desktop.batch.plan import BatchSettings, SegmentTask, discover, split
from emotion_desktop.batch.run import run_batch
from emotion_desktop.batch.tasks import run_task
from emotion_desktop.detectors import DEFAULT_DETECTOR
from tests.conftest import write_video
from tests.test_cli import run_cli

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def two_face_video(session_tmp, astronaut_bgr):
    """60 frames: one face drifting right from the start, a second face joining at frame 30."""
    face = cv2.resize(astronaut_bgr[20:276, 110:366], (150, 150))
    frames = []
    for index in range(60):
        canvas = np.full((240, 480, 3), 90, np.uint8)
        x = 20 + index
        canvas[45:195, x:x + 150] = face
        if index >= 30:
            canvas[45:195, 300:450] = face[:, ::-1]
        frames.append(canvas)
    return write_video(session_tmp / "two_faces.mp4", frames)


@pytest.fixture
def archive(tmp_path, two_face_video, odd_images, bad_files):
    folder = tmp_path / "archive"
    (folder / "day1").mkdir(parents=True)
    (folder / "day1" / "clip.mp4").write_bytes(two_face_video.read_bytes())
    (folder / "photo.png").write_bytes(odd_images["rgba"].read_bytes())
    (folder / "day1" / "gray.png").write_bytes(odd_images["gray"].read_bytes())
    (folder / "broken.jpg").write_bytes(bad_files["truncated"].read_bytes())
    (folder / "notes.txt").write_text("not media: not part of the archive")
    return folder


@pytest.fixture(scope="module")
def cluster():
    """A real scheduler and two worker processes on 127.0.0.1, shared by this module's tests."""
    from distributed import Client

    from emotion_desktop.batch.run import start_local_cluster

    local = start_local_cluster(2)
    client = Client(local)
    yield local, client
    client.close()
    local.close()


def settings_for(models_dir, every=1) -> BatchSettings:
    return BatchSettings(("scratch_cnn",), DEFAULT_DETECTOR, every, models_dir=str(models_dir))


def predicted_frames(path, models_dir, capsys, every=1) -> list[dict]:
    code, out, err = run_cli(["predict", str(path), "--every", str(every), "--full-search", "--json", "-",
                              "--models-dir", str(models_dir)], capsys)
    assert code == 0, err
    return json.loads(out)[0]["frames"]


@pytest.mark.parametrize("every", [1, 2])
def test_a_video_split_in_three_segments_equals_one_pass(two_face_video, tiny_models_dir, capsys, every):
    plan = discover([two_face_video])
    tasks = split(plan.files, {plan.files[0].key: 60}, every=every, segment_frames=20)
    assert len(tasks) == 3 and all(isinstance(t, SegmentTask) for t in tasks)
    settings = settings_for(tiny_models_dir, every)
    parts = [(task, run_task(task, settings)[0][1]) for task in reversed(tasks)]  # any order
    joined = join_segments(parts).as_json()[0]["frames"]

    expected = predicted_frames(two_face_video, tiny_models_dir, capsys, every)
    assert [f["frame"] for f in joined] == [f["frame"] for f in expected] == list(range(0, 60, every))
    assert {len(f["faces"]) for f in expected[-5:]} == {2}  # both faces tracked at the end
    assert joined == expected  # boxes, track ids and every probability


def test_batch_writes_per_file_results_tables_and_failures(archive, tmp_path, tiny_models_dir, cluster, capsys):
    _local, client = cluster
    out = tmp_path / "out"
    report = run_batch([archive], out, settings_for(tiny_models_dir), client, segment_frames=20)
    assert sorted(report.analysed) == ["archive/day1/clip.mp4", "archive/day1/gray.png", "archive/photo.png"]
    assert [name for name, _ in report.failures] == [str(archive / "broken.jpg")]

    clip = json.loads((out / "files/archive/day1/clip.mp4.json").read_text())
    assert clip == [{**clip[0], "frames": predicted_frames(archive / "day1/clip.mp4", tiny_models_dir, capsys)}]
    assert clip[0]["file"] == str(archive / "day1/clip.mp4") and clip[0]["summary"]

    import pyarrow.parquet as pq

    table = pq.read_table(out / "results.parquet")
    csv_rows = sum(len(p.read_text().splitlines()) - 1 for p in (out / "files").rglob("*.csv")
                   if not p.name.endswith(".summary.csv"))
    assert table.num_rows == csv_rows > 60
    assert set(table.column("source").to_pylist()) == {str(archive / n) for n in ("day1/clip.mp4", "day1/gray.png",
                                                                                  "photo.png")}
    summary = (out / "summary.csv").read_text().splitlines()
    assert summary[0].startswith("source,track_id") and len(summary) == 1 + 2 + 1 + 1  # two tracks in the clip
    failures = (out / "failures.csv").read_text().splitlines()
    assert len(failures) == 2 and "broken.jpg" in failures[1] and "not a readable image" in failures[1]


def test_a_second_run_skips_finished_files_and_redoes_changed_ones(archive, tmp_path, tiny_models_dir, cluster):
    _local, client = cluster
    out = tmp_path / "out"
    settings = settings_for(tiny_models_dir)
    run_batch([archive], out, settings, client, segment_frames=20)
    written = (out / "files/archive/photo.png.json").stat().st_mtime_ns

    again = run_batch([archive], out, settings, client, segment_frames=20)
    assert again.analysed == [] and len(again.skipped) == 3
    assert (out / "files/archive/photo.png.json").stat().st_mtime_ns == written

    os.utime(archive / "photo.png", ns=(1, 1))  # the input changed
    assert run_batch([archive], out, settings, client).analysed == ["archive/photo.png"]
    other_settings = run_batch([archive], out, settings_for(tiny_models_dir, every=2), client)
    assert len(other_settings.analysed) == 3 and other_settings.skipped == []
    forced = run_batch([archive], out, settings, client, force=True)
    assert len(forced.analysed) == 3 and forced.skipped == []


def test_a_killed_worker_is_replaced_and_every_file_appears_once(tmp_path, two_face_video, tiny_models_dir, cluster):
    _local, client = cluster
    folder = tmp_path / "videos"
    folder.mkdir()
    for number in range(4):
        (folder / f"clip{number}.mp4").write_bytes(two_face_video.read_bytes())
    out = tmp_path / "out"
    results = {}
    runner = threading.Thread(target=lambda: results.update(report=run_batch(
        [folder], out, settings_for(tiny_models_dir), client, segment_frames=10)))
    runner.start()
    client.wait_for_workers(2)
    pids = client.run(os.getpid)  # worker address -> its process id
    busy = []
    for _ in range(600):  # until a worker is analysing
        busy = [address for address, tasks in client.processing().items() if tasks]
        if busy:
            break
        threading.Event().wait(0.05)
    assert busy, "no task started"
    os.kill(pids[busy[0]], signal.SIGKILL)  # mid-task
    runner.join(timeout=300)
    assert not runner.is_alive()
    report = results["report"]
    assert report.failures == [] and sorted(report.analysed) == [f"videos/clip{n}.mp4" for n in range(4)]
    journal = [json.loads(line)["key"] for line in (out / "journal.jsonl").read_text().splitlines()]
    assert sorted(journal) == sorted(report.analysed)  # each file written exactly once
    assert all(len(json.loads((out / f"files/{key}.json").read_text())[0]["frames"]) == 60 for key in journal)
    client.wait_for_workers(2)  # the nanny restarted the killed worker


def test_cli_batch_through_a_scheduler_address(archive, tmp_path, tiny_models_dir, cluster, capsys):
    local, _client = cluster
    out = tmp_path / "out"
    code, _out, err = run_cli(["batch", str(archive / "day1"), "--out", str(out), "--scheduler",
                               local.scheduler_address, "--models-dir", str(tiny_models_dir)], capsys)
    assert code == 0, err
    assert "2 file(s) analysed" in err and (out / "files/day1/clip.mp4.json").is_file()


def test_cli_batch_says_what_to_do_when_the_scheduler_is_unreachable(tmp_path, archive, capsys):
    code, _out, err = run_cli(["batch", str(archive), "--out", str(tmp_path / "out"),
                               "--scheduler", "tcp://127.0.0.1:9"], capsys)
    assert code == 1
    assert err.strip().startswith("emotion-desktop: cannot reach the Dask scheduler tcp://127.0.0.1:9")


def test_a_partly_written_journal_line_is_ignored(tmp_path, two_face_video):
    plan = discover([two_face_video])
    folder = OutputFolder(tmp_path, "abc")
    (tmp_path / "journal.jsonl").write_text('{"key": "two_faces.mp4", "inp')  # a run killed mid-write
    assert not OutputFolder(tmp_path, "abc").is_done(plan.files[0])
    assert folder.files.is_dir()

"""The one session loop (session.py): the window's worker and ``predict`` run the same code."""

from __future__ import annotations

import json

from emotion_desktop.backends import load_backend
from emotion_desktop.detectors import DEFAULT_DETECTOR, make_detector
from emotion_desktop.pipeline import LIVE_DETECT_EVERY, Pipeline
from emotion_desktop.session import Session
from emotion_desktop.sources import VideoFileSource
from tests.test_cli import run_cli


def _frames(export: list[dict]) -> list[dict]:
    return export[0]["frames"]


def test_worker_and_predict_give_identical_results_for_the_same_video(qtbot, tiny_models_dir, face_video,
                                                                       tmp_path, capsys):
    from emotion_desktop.gui.worker import PipelineWorker

    code, out, err = run_cli(["predict", str(face_video), "--json", "-", "--models-dir", str(tiny_models_dir)],
                             capsys)
    assert code == 0, err
    predicted = json.loads(out)

    # The window's worker with predict's settings (no smoothing), fed the same file.
    pipeline = Pipeline(make_detector(DEFAULT_DETECTOR), [load_backend("scratch_cnn", tiny_models_dir)],
                        smoothing_s=0.0, detect_every=LIVE_DETECT_EVERY)
    worker = PipelineWorker(pipeline)
    worker.start()
    try:
        with qtbot.waitSignal(worker.source_ended, timeout=30_000):
            worker.open_source(face_video.name, lambda: VideoFileSource(face_video))
        exported = tmp_path / "window.json"
        assert worker.export_results(exported, "json") == 24
    finally:
        worker.stop()
        worker.wait(10_000)
    shown = json.loads(exported.read_text())
    assert len(_frames(predicted)) == 24
    assert _frames(shown) == _frames(predicted)  # every box, confidence and probability


def test_analyse_logs_every_nth_frame_and_draws_only_when_asked(tiny_models_dir, face_video):
    backends = [load_backend("scratch_cnn", tiny_models_dir)]
    quiet = Session(Pipeline(make_detector(DEFAULT_DETECTOR), backends), draw=False)
    seen = []
    quiet.events.frame_done.connect(lambda result, frame, annotated: seen.append((frame.index, annotated)))
    analysed = list(quiet.analyse(VideoFileSource(face_video), every=5))
    assert [frame.index for _, frame, _ in analysed] == [0, 5, 10, 15, 20] == [index for index, _ in seen]
    assert all(annotated is None for _, annotated in seen)
    assert all("draw" not in result.timings_ms for result, _, _ in analysed)  # nothing drawn, nothing timed
    assert quiet.result_counts()[0] == 5

    drawing = Session(Pipeline(make_detector(DEFAULT_DETECTOR), backends), draw=True)
    result, frame, annotated = next(drawing.analyse(VideoFileSource(face_video)))
    assert annotated.shape == frame.image.shape and (annotated != frame.image).any()  # a box was drawn
    assert result.timings_ms["total"] >= result.timings_ms["draw"] > 0


def test_analyse_records_the_annotated_video_and_says_so(tiny_models_dir, face_video, tmp_path):
    import cv2

    session = Session(Pipeline(make_detector(DEFAULT_DETECTOR), [load_backend("scratch_cnn", tiny_models_dir)]),
                      draw=False)
    stopped = []
    session.events.recording_stopped.connect(lambda path, frames, seconds: stopped.append((path, frames)))
    target = tmp_path / "out.mp4"
    drawn = [annotated for _, _, annotated in session.analyse(VideoFileSource(face_video), record_to=target)]
    assert all(a is not None for a in drawn)  # recording draws even when the session does not
    assert stopped == [(str(target), 24)]
    capture = cv2.VideoCapture(str(target))
    assert int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) == 24
    capture.release()


def test_a_video_located_ahead_on_a_second_thread_gives_the_results_of_one_frame_after_the_other(
        tiny_models_dir, face_video):
    backends = [load_backend("scratch_cnn", tiny_models_dir)]
    exports = {}
    for overlap in (True, False):
        session = Session(Pipeline(make_detector(DEFAULT_DETECTOR), backends, smoothing_s=0.25,
                                   detect_every=LIVE_DETECT_EVERY), draw=False)
        indices = [frame.index for _, frame, _ in session.analyse(VideoFileSource(face_video), every=2,
                                                                   overlap=overlap)]
        assert indices == list(range(0, 24, 2))
        exports[overlap] = session.log.as_json()
    assert _frames(exports[True]) == _frames(exports[False])  # boxes, tracks, smoothed probabilities


def test_stopping_an_overlapped_analysis_early_closes_the_source(tiny_models_dir, face_video):
    session = Session(Pipeline(make_detector(DEFAULT_DETECTOR), [load_backend("scratch_cnn", tiny_models_dir)]),
                      draw=False)
    source = VideoFileSource(face_video)
    frames = session.analyse(source)
    for _ in range(3):
        next(frames)
    frames.close()  # the consumer stops: the frame located ahead is dropped, the source closed
    assert session.result_counts()[0] == 3
    assert source.read() is None

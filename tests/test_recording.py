"""Annotated video out: frames placed by time, a playable file, clear errors, nothing half-written."""

import cv2
import numpy as np
import pytest

from emotion_desktop.recording import RecordingError, VideoRecorder, unused_path


def read_back(path):
    capture = cv2.VideoCapture(str(path))
    frames = [frame for ok, frame in iter(capture.read, (False, None)) if ok]
    capture.release()
    return frames


def coloured(value: int, size=(160, 120)) -> np.ndarray:
    return np.full((size[1], size[0], 3), value, np.uint8)


def test_frames_are_placed_by_time_so_the_video_plays_in_real_time(tmp_path):
    recorder = VideoRecorder(tmp_path / "out.mp4", fps=10)
    for index in range(10):
        assert recorder.add(coloured(20 * index), index / 10) == 1
    assert recorder.add(coloured(250), 1.5) == 6  # 0.6 s without frames: the last one is held, then the new one
    assert recorder.add(coloured(250), 1.52) == 0  # sooner than the frame rate needs
    path = recorder.close()
    assert path == tmp_path / "out.mp4" and recorder.seconds == pytest.approx(1.6)
    frames = read_back(path)
    assert len(frames) == 16 and frames[0].shape == (120, 160, 3)
    means = [int(frame.mean()) for frame in frames]
    assert abs(means[3] - 60) < 8 and all(abs(m - 180) < 8 for m in means[9:15]) and abs(means[15] - 250) < 8


def test_frames_of_another_size_are_fitted_to_the_first_one(tmp_path):
    recorder = VideoRecorder(tmp_path / "sizes.mp4", fps=5)
    recorder.add(coloured(100), 0.0)
    recorder.add(coloured(200, size=(640, 480)), 0.2)
    frames = read_back(recorder.close())
    assert [f.shape for f in frames] == [(120, 160, 3)] * 2


def test_nothing_recorded_leaves_no_file_and_an_unwritable_folder_says_so(tmp_path):
    assert VideoRecorder(tmp_path / "empty.mp4", fps=30).close() is None
    assert list(tmp_path.iterdir()) == []
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(RecordingError, match="writable"):
        VideoRecorder(blocker / "out.mp4", fps=30).add(coloured(1), 0.0)


def test_a_second_recording_in_the_same_second_gets_its_own_name(tmp_path):
    first = tmp_path / "emotion-recording-20261123-120000.mp4"
    assert unused_path(first) == first
    first.write_bytes(b"x")
    assert unused_path(first).name == "emotion-recording-20261123-120000-2.mp4"
    (tmp_path / "emotion-recording-20261123-120000-2.avi").write_bytes(b"x")  # an MJPEG fallback counts too
    assert unused_path(first).name == "emotion-recording-20261123-120000-3.mp4"

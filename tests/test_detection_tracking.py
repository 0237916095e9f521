import cv2
import numpy as np
import pytest

from emotion_desktop.detectors import detect_or_whole, make_detector
from emotion_desktop.detectors.haar import HaarFaceDetector
from emotion_desktop.geometry import crop, iou
from emotion_desktop.sources import DemoSource
from emotion_desktop.tracking import IouTracker, ProbabilitySmoother


@pytest.fixture(scope="module")
def haar():
    return HaarFaceDetector()


def test_haar_finds_the_astronaut(haar, astronaut_bgr):
    faces = haar.detect(astronaut_bgr)
    assert len(faces) == 1
    x, y, w, h = faces[0].box
    assert 150 < x + w / 2 < 300 and 60 < y + h / 2 < 180  # her face, not the flag or the suit
    assert 0.5 < faces[0].confidence <= 1.0


def test_haar_finds_nothing_in_a_blank_frame(haar):
    assert haar.detect(np.full((480, 640, 3), 127, np.uint8)) == []


def test_demo_frames_have_one_face(haar):
    demo = DemoSource()
    counts = [len(haar.detect(demo.render(i))) for i in range(0, 300, 25)]
    assert counts == [1] * len(counts)


@pytest.fixture(scope="module", params=["haar", "blazeface"])
def follower(request):
    """Each detector that follows faces locally between full searches."""
    return make_detector(request.param)


def test_detect_near_follows_a_moved_face(follower):
    demo = DemoSource()
    before = follower.detect(demo.render(0))[0].box
    later = demo.render(20)  # the demo has panned and zoomed since frame 0
    truth = follower.detect(later)[0].box
    assert iou(before, truth) < 0.9  # the face really moved
    found = follower.detect_near(later, before)
    assert found is not None and iou(found.box, truth) > 0.8 and 0.5 < found.confidence <= 1.0
    if follower.name == "blazeface":  # another model follows: its box must frame the face as the full pass
        assert 0.9 < found.box[2] / truth[2] < 1.1


def test_detect_near_finds_nothing_where_the_face_has_gone(follower, astronaut_bgr):
    box = follower.detect(astronaut_bgr)[0].box
    assert follower.detect_near(np.full_like(astronaut_bgr, 127), box) is None
    assert follower.detect_near(astronaut_bgr, (astronaut_bgr.shape[1] - 5, 0, 40, 40)) is None  # off the edge
    assert follower.detect_near(astronaut_bgr, (100, 100, 0, 0)) is None  # a degenerate box


def test_small_face_crop_is_classified_whole(haar, astronaut_bgr):
    gray48 = cv2.resize(cv2.cvtColor(astronaut_bgr[65:161, 176:272], cv2.COLOR_BGR2GRAY), (48, 48))
    found = detect_or_whole(haar, gray48)
    assert len(found) == 1 and found[0].whole_image and found[0].box == (0, 0, 48, 48)
    blank = detect_or_whole(haar, np.zeros((120, 120, 3), np.uint8))  # small, no face found: whole image
    assert blank[0].whole_image and blank[0].box == (0, 0, 120, 120)
    face_in_small_image = detect_or_whole(haar, cv2.resize(astronaut_bgr, (150, 150)), thorough=True)
    assert len(face_in_small_image) == 1 and not face_in_small_image[0].whole_image
    assert detect_or_whole(haar, np.zeros((400, 400, 3), np.uint8)) == []  # large: no guessing


def test_crop_clips_to_the_frame():
    frame = np.zeros((100, 100, 3), np.uint8)
    assert crop(frame, (90, 90, 30, 30)).shape == (10, 10, 3)
    assert crop(frame, (200, 200, 10, 10)).shape == (1, 1, 3)


def test_mtcnn_gets_rgb_and_finds_the_face(astronaut_bgr):
    from emotion_desktop.detectors.mtcnn_detector import MtcnnFaceDetector

    faces = MtcnnFaceDetector().detect(astronaut_bgr)
    assert len(faces) == 1 and faces[0].confidence > 0.9
    x, y, w, h = faces[0].box
    assert 150 < x + w / 2 < 300 and 60 < y + h / 2 < 180


def test_mtcnn_boxes_are_square_and_framed_like_fer2013(astronaut_bgr):
    """The classifiers get a square crop: MTCNN's tall box would reach them squeezed sideways."""
    from emotion_desktop.detectors.mtcnn_detector import MtcnnFaceDetector

    detector = MtcnnFaceDetector()
    (framed,) = detector.detect(astronaut_bgr)
    raw_face = max(detector.model.detect_faces(astronaut_bgr[:, :, ::-1].copy()), key=lambda f: f["confidence"])
    x, y, w, h = raw_face["box"]
    assert h > 1.1 * w  # what the framing is for
    fx, fy, fw, fh = framed.box
    assert abs(fw - fh) <= 1
    scale, shift = detector.FRAMING
    assert fw == pytest.approx(scale * (w + h) / 2, abs=2)
    assert fy + fh / 2 == pytest.approx(y + h / 2 + shift * (w + h) / 2, abs=2)


def test_iou():
    assert iou((0, 0, 10, 10), (0, 0, 10, 10)) == 1.0
    assert iou((0, 0, 10, 10), (20, 20, 5, 5)) == 0.0
    assert iou((0, 0, 10, 10), (5, 0, 10, 10)) == pytest.approx(50 / 150)


def test_tracker_keeps_ids_while_faces_move_and_swap_order():
    tracker = IouTracker(box_smoothing=0.0)
    first = tracker.update([(0, 0, 50, 50), (200, 0, 50, 50)])
    ids = [t.track_id for t in first]
    assert ids == [1, 2]
    for step in range(1, 10):  # both drift; the detector lists them in the other order
        boxes = [(200 + 3 * step, 0, 50, 50), (3 * step, 0, 50, 50)]
        assert [t.track_id for t in tracker.update(boxes)] == [2, 1]


def test_tracker_forgets_lost_faces_and_gives_new_ids():
    tracker = IouTracker(max_missed=2)
    tracker.update([(0, 0, 50, 50)])
    for _ in range(3):
        tracker.update([])
    assert tracker.update([(0, 0, 50, 50)])[0].track_id == 2
    assert len(tracker.tracks) == 1


def test_tracker_smooths_box_jitter():
    tracker = IouTracker(box_smoothing=0.5)
    tracker.update([(100, 100, 50, 50)])
    jittered = tracker.update([(110, 100, 50, 50)])[0]
    assert jittered.box[0] == 105


def test_smoother_is_bounded_and_passes_a_real_change():
    smoother = ProbabilitySmoother(time_constant_s=0.25)
    happy, sad = np.eye(7)[3], np.eye(7)[4]
    for frame in range(30):
        value = smoother.update(1, "m", happy, frame / 30)
    assert value.argmax() == 3
    # one noisy frame saying "sad" does not flip the label
    flicker = smoother.update(1, "m", sad, 30 / 30)
    assert flicker.argmax() == 3 and 0 < flicker[4] < 0.2
    # a real change, held for half a second, takes over
    for frame in range(31, 46):
        value = smoother.update(1, "m", sad, frame / 30)
    assert value.argmax() == 4
    assert np.isclose(value.sum(), 1.0) and value.min() >= 0


def test_smoother_weight_is_frame_rate_independent():
    smoother = ProbabilitySmoother(0.25)
    two_steps = 1 - (1 - smoother.weight(1 / 30)) ** 2
    assert two_steps == pytest.approx(smoother.weight(2 / 30))
    assert ProbabilitySmoother(0).weight(0.01) == 1.0


def test_smoother_forgets_ended_tracks():
    smoother = ProbabilitySmoother()
    smoother.update(1, "m", np.eye(7)[0], 0.0)
    smoother.update(2, "m", np.eye(7)[0], 0.0)
    smoother.forget({2})
    assert list(smoother._state) == [(2, "m")]


def test_a_detector_that_fails_on_some_frames_does_not_stop_the_stream(astronaut_bgr, caplog):
    from emotion_desktop.backends import load_backend
    from emotion_desktop.detectors.haar import HaarFaceDetector
    from emotion_desktop.pipeline import Pipeline
    from emotion_desktop.sources import Frame

    class Flaky(HaarFaceDetector):
        """The real Haar cascade, raising on every third full search (a broken frame, a driver hiccup)."""

        calls = 0

        def detect(self, frame, thorough=False):
            Flaky.calls += 1
            if Flaky.calls % 3 == 0:
                raise RuntimeError("decoder handed over a corrupt buffer")
            return super().detect(frame, thorough)

    pipeline = Pipeline(Flaky(), [load_backend("scratch_cnn")], detect_every=1)
    results = [pipeline.process(Frame(astronaut_bgr, index, index / 30, "clip")) for index in range(9)]
    failed = [r for r in results if "face detector" in r.errors]
    assert len(failed) == 3 and all(not r.faces for r in failed)
    assert "RuntimeError: decoder handed over a corrupt buffer" in failed[0].errors["face detector"]
    assert all(r.faces and "scratch_cnn" in r.faces[0].probabilities for r in results if r not in failed)
    assert sum("face detector failed" in m for m in caplog.messages) == 1  # said once, not on every frame

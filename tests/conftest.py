"""Shared fixtures: real faces, real (tiny) Keras models with cards, generated videos and bad files.

No network, no camera, no display: Qt runs offscreen, caches and DeepFace's
home point into a temporary folder, so the developer's own files never leak in.
"""

from __future__ import annotations

import atexit
import csv
import json
import os
import shutil
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

_SESSION_TMP = Path(tempfile.mkdtemp(prefix="emotion-desktop-tests-"))
atexit.register(shutil.rmtree, _SESSION_TMP, True)  # caches, models and weights written by the tests
os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ["EMOTION_DESKTOP_CACHE"] = str(_SESSION_TMP / "cache")
os.environ["DEEPFACE_HOME"] = str(_SESSION_TMP / "deepface-home")  # no real weights here
os.environ.pop("EMOTION_DESKTOP_MODELS", None)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import emotion_desktop  # noqa: E402,F401  (sets TF_USE_LEGACY_KERAS before TensorFlow loads)
from emotion_desktop.labels import EMOTIONS  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
FER2013 = SHARED / "fer2013"
MEDIA = SHARED / "media"
# Kaggle's folder order: what a loader that trusts directory listings would use.
ALPHABETICAL = tuple(sorted(EMOTIONS))


@pytest.fixture(scope="session")
def session_tmp() -> Path:
    return _SESSION_TMP


@pytest.fixture(scope="session")
def astronaut_bgr() -> np.ndarray:
    """A real face photo shipped in scikit-image's wheel (512x512)."""
    from skimage import data

    return cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)


@pytest.fixture(scope="session")
def astronaut_face(astronaut_bgr) -> np.ndarray:
    return astronaut_bgr[65:161, 176:272].copy()


def build_tiny_model(peak: int | None = None):
    """A small real Keras 3 CNN on 48x48 gray; with ``peak`` its output always peaks at that unit."""
    import keras
    from keras import layers

    inputs = keras.Input((48, 48, 1))
    x = layers.Conv2D(4, 3, strides=2, activation="relu")(inputs)
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Dense(7, activation="softmax")(x)
    model = keras.Model(inputs, outputs)
    if peak is not None:
        kernel, bias = model.layers[-1].get_weights()
        bias = np.full(7, -2.0, np.float32)
        bias[peak] = 3.0
        model.layers[-1].set_weights([np.zeros_like(kernel), bias])
    return model


def tiny_card(name: str, labels=EMOTIONS, **extra) -> dict:
    card = {"name": name, "labels": list(labels), "input_size": 48, "color": "gray", "normalisation": "unit",
            "architecture": "tiny test CNN", "params": 0, "init": "random", "trained_on": "nothing (test fixture)"}
    card.update(extra)
    return card


def write_model(folder: Path, name: str, model, card: dict) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    model.save(folder / f"{name}.keras")
    card["params"] = int(model.count_params())
    (folder / f"{name}.json").write_text(json.dumps(card))


@pytest.fixture(scope="session")
def tiny_models_dir(session_tmp) -> Path:
    """models/ with a tiny scratch_cnn (no resnet50v2): real Keras files and cards."""
    folder = session_tmp / "models"
    if not (folder / "scratch_cnn.keras").is_file():
        write_model(folder, "scratch_cnn", build_tiny_model(), tiny_card("scratch_cnn"))
    return folder


@pytest.fixture(scope="session")
def _standin_deepface_home(session_tmp) -> Path:
    """A DEEPFACE_HOME holding DeepFace's own architecture with random weights (written once)."""
    from training.deepface_standin import write_standin_weights

    home = session_tmp / "deepface-standin-home"
    write_standin_weights(str(home))
    return home


@pytest.fixture
def deepface_weights(_standin_deepface_home, monkeypatch) -> Path:
    """Stand-in DeepFace weights where DeepFace looks for its real file, for this test only: the
    session's default DEEPFACE_HOME stays empty, so DeepFace is unavailable unless a test asks."""
    monkeypatch.setenv("DEEPFACE_HOME", str(_standin_deepface_home))
    return _standin_deepface_home


def write_video(path: Path, frames: list[np.ndarray], fps: float = 15.0) -> Path:
    fourcc = cv2.VideoWriter_fourcc(*("mp4v" if path.suffix == ".mp4" else "MJPG"))
    height, width = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), fourcc, fps, (width, height))
    assert writer.isOpened(), f"OpenCV cannot write {path}"
    for frame in frames:
        writer.write(frame)
    writer.release()
    return path


@pytest.fixture(scope="session")
def face_video(session_tmp, astronaut_bgr) -> Path:
    """A 24-frame 320x240 video of the astronaut's face drifting slowly to the right."""
    frames = []
    for index in range(24):
        canvas = np.full((240, 320, 3), 90, np.uint8)
        scaled = cv2.resize(astronaut_bgr[20:276, 110:366], (192, 192))
        x = 40 + index * 2
        canvas[24:216, x:x + 192] = scaled
        frames.append(canvas)
    return write_video(session_tmp / "face.mp4", frames)


@pytest.fixture(scope="session")
def bad_files(session_tmp, astronaut_bgr) -> dict[str, Path]:
    """Files a user might throw at the app: broken, empty, wrong type, odd formats."""
    folder = session_tmp / "bad"
    folder.mkdir(exist_ok=True)
    ok, jpeg = cv2.imencode(".jpg", astronaut_bgr)
    files = {
        "empty": folder / "empty.jpg",
        "text": folder / "notes.jpg",
        "truncated": folder / "truncated.jpg",
        "corrupt_video": folder / "broken.mp4",
        "text_video": folder / "notes.avi",
        "unknown": folder / "data.xyz",
    }
    files["empty"].write_bytes(b"")
    files["text"].write_text("this is not an image\n")
    files["truncated"].write_bytes(jpeg.tobytes()[:200])
    files["corrupt_video"].write_bytes(b"\x00\x00\x00\x18ftypmp42" + os.urandom(4000))
    files["text_video"].write_text("not a video either\n")
    files["unknown"].write_bytes(os.urandom(512))
    return files


@pytest.fixture(scope="session")
def odd_images(session_tmp, astronaut_bgr) -> dict[str, Path]:
    """Valid images in formats that trip naive code: 16-bit, RGBA, gray, tiny FER crop, huge."""
    folder = session_tmp / "odd"
    folder.mkdir(exist_ok=True)
    gray = cv2.cvtColor(astronaut_bgr, cv2.COLOR_BGR2GRAY)
    paths = {
        "png16": folder / "sixteen_bit.png",
        "rgba": folder / "alpha.png",
        "gray": folder / "gray.png",
        "crop48": folder / "fer_crop.png",
        "huge": folder / "huge.jpg",
        "noface": folder / "noface.png",
    }
    cv2.imwrite(str(paths["png16"]), astronaut_bgr.astype(np.uint16) * 257)
    cv2.imwrite(str(paths["rgba"]), np.dstack([astronaut_bgr, np.full(gray.shape, 200, np.uint8)]))
    cv2.imwrite(str(paths["gray"]), gray)
    cv2.imwrite(str(paths["crop48"]), cv2.resize(gray[65:161, 176:272], (48, 48), interpolation=cv2.INTER_AREA))
    cv2.imwrite(str(paths["huge"]), cv2.resize(astronaut_bgr, (9000, 9000), interpolation=cv2.INTER_NEAREST),
                [cv2.IMWRITE_JPEG_QUALITY, 60])
    cv2.imwrite(str(paths["noface"]), np.full((300, 400, 3), (30, 160, 60), np.uint8))
    return paths


# Each class gets its own brightness, so a loader that swaps classes is caught.
BRIGHTNESS = {name: 20 + 30 * index for index, name in enumerate(EMOTIONS)}
PER_CLASS = {"Training": 10, "PublicTest": 3, "PrivateTest": 3}


def face_of(label: str, rng) -> np.ndarray:
    image = np.full((48, 48), BRIGHTNESS[label], np.uint8)
    image[10:14, 12:36] = rng.integers(0, 255)  # a little texture
    return image


@pytest.fixture(scope="session")
def kaggle_layout(tmp_path_factory):
    root = tmp_path_factory.mktemp("fer_folders")
    rng = np.random.default_rng(0)
    for split, count in PER_CLASS.items():
        folder = "train" if split == "Training" else "test"
        for label in EMOTIONS:
            target = root / folder / label  # created in EMOTIONS order; listing sorts alphabetically
            target.mkdir(parents=True, exist_ok=True)
            for index in range(count):
                cv2.imwrite(str(target / f"{split}_{label}{index}.jpg"), face_of(label, rng),
                            [cv2.IMWRITE_JPEG_QUALITY, 100])
    return root


@pytest.fixture(scope="session")
def csv_layout(tmp_path_factory):
    path = tmp_path_factory.mktemp("fer_csv") / "fer2013.csv"
    rng = np.random.default_rng(1)
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["emotion", "pixels", "Usage"])
        for split, count in PER_CLASS.items():
            for index, label in enumerate(EMOTIONS):
                for _ in range(count):
                    writer.writerow([index, " ".join(map(str, face_of(label, rng).ravel())), split])
    return path



def requires_dataset():
    return pytest.mark.skipif(not (FER2013 / "test").is_dir(),
                              reason=f"FER2013 not found at {FER2013} (the shared dataset is absent)")


def requires_media():
    return pytest.mark.skipif(not MEDIA.is_dir(), reason=f"shared test media not found at {MEDIA}")


@pytest.fixture
def make_window(qtbot, tmp_path, tiny_models_dir):
    """Real MainWindows (offscreen) with settings in a temporary file; closed after the test."""
    from PySide6.QtCore import QSettings

    from emotion_desktop.gui.main_window import MainWindow

    windows = []

    def make(models_dir=tiny_models_dir, start=None, **kwargs):
        settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(models_dir=models_dir, settings=settings, start=start, **kwargs)
        qtbot.addWidget(window)
        window.show()
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.close()
        assert window.worker.isFinished()


@pytest.fixture(scope="session")
def weights_bytes(_standin_deepface_home) -> bytes:
    return (_standin_deepface_home / ".deepface" / "weights" / "facial_expression_model_weights.h5").read_bytes()


@pytest.fixture
def weights_server(weights_bytes, monkeypatch):
    """A real HTTP server on 127.0.0.1 for DeepFace's weights: http://127.0.0.1:PORT/good.h5 (the
    stand-in weights), truncated.h5 (a third of them), page.h5 (an HTML page), anything else 404."""

    class Handler(BaseHTTPRequestHandler):
        def _send(self, head_only: bool) -> None:
            if self.path == "/good.h5":
                body, status, kind = weights_bytes, 200, "application/octet-stream"
            elif self.path == "/truncated.h5":  # claims the whole file, sends a third
                body, status, kind = weights_bytes, 200, "application/octet-stream"
            elif self.path == "/page.h5":
                body, status, kind = b"<html><body>Please log in to the proxy</body></html>", 200, "text/html"
            else:
                body, status, kind = b"Not Found", 404, "text/plain"
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if not head_only:
                self.wfile.write(body[: len(body) // 3] if self.path == "/truncated.h5" else body)

        def do_HEAD(self):  # noqa: N802 (http.server's name)
            self._send(head_only=True)

        def do_GET(self):  # noqa: N802
            self._send(head_only=False)
            if self.path == "/truncated.h5":
                self.close_connection = True

        def log_message(self, *args):
            pass

    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()

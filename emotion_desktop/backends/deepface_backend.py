"""DeepFace's emotion model, through the real ``deepface`` library.

DeepFace builds the model and loads its weights itself (its own loader,
weights under ``$DEEPFACE_HOME/.deepface/weights``). We take the built Keras
model once and call it through a compiled function on our own face crops:
``DeepFace.analyze`` would run its own detector on every frame, which is what
makes peer tools crawl. Preprocessing is DeepFace's: 48x48 gray in [0, 1].
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from emotion_desktop.backends.base import Backend, as_probabilities, remap_columns
from emotion_desktop.backends.info import BackendInfo
from emotion_desktop.preprocessing import normalise, prepare_faces
from emotion_desktop.settings import DEEPFACE_URL_ENV as MIRROR_ENV
from emotion_desktop.settings import env

# These mirror deepface.models.demography.tf.Emotion (file name and first URL);
# a test checks they still match the installed library.
WEIGHTS_FILE = "facial_expression_model_weights.h5"
WEIGHTS_URL = "https://github.com/serengil/deepface_models/releases/download/v1.0/facial_expression_model_weights.h5"
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
PUBLISHED_ACCURACY = 0.574  # FER2013 test accuracy reported by DeepFace's author (deepface issue #247)


def weights_path() -> Path:
    """Where DeepFace looks for the emotion weights (honours DEEPFACE_HOME, as DeepFace does)."""
    from deepface.commons.folder_utils import get_deepface_home  # light: no TensorFlow import

    return Path(get_deepface_home()) / ".deepface" / "weights" / WEIGHTS_FILE


def missing_weights_reason() -> str | None:
    path = weights_path()
    if path.is_file() and path.stat().st_size > 0:
        return None
    return (f"DeepFace's emotion weights are missing: expected {path}. Use Models -> Download DeepFace's "
            "Weights, or run `emotion-desktop fetch-weights` (DeepFace downloads them itself), or download "
            f"{WEIGHTS_URL} and save it there (set DEEPFACE_HOME to use another folder than your home).")


def library_card() -> dict:
    return {
        "name": "deepface",
        "display_name": "DeepFace",
        "labels": None,
        "input_size": 48,
        "color": "gray",
        "normalisation": "unit",
        "architecture": "DeepFace's facial-expression CNN (3 conv blocks of 64/64/128 filters, "
                        "dense 1024-1024, softmax 7), built by the deepface library",
        "init": "pretrained by DeepFace's author on FER2013",
        "trained_on": "FER2013 (by the deepface project)",
        "weights": str(weights_path()),
        "published_metrics": {"PrivateTest": {"accuracy": PUBLISHED_ACCURACY,
                                              "source": "deepface issue #247 (FER2013 test set)"}},
    }


class DeepFaceBackend(Backend):
    name = "deepface"
    display_name = "DeepFace"

    def __init__(self):
        started = time.perf_counter()
        reason = missing_weights_reason()
        if reason:
            raise FileNotFoundError(reason)
        # Importing DeepFace sets TF_USE_LEGACY_KERAS=1 (tf.keras becomes Keras 2),
        # which its models need; our own models use `import keras` (Keras 3) only.
        from emotion_desktop.environment import import_tensorflow

        tf = import_tensorflow()
        from deepface import DeepFace  # noqa: F401
        from deepface.models.demography.DemographyUtils import EMOTION_LABELS
        from deepface.modules import modeling

        # DeepFace's own class builds the model and loads the weights (its loader); we skip
        # modeling.build_model's process-wide cache so that loading again really re-reads the file.
        client = modeling.get_model_class(task="facial_attribute", model_name="Emotion")()
        self.model = client.model
        self.labels = list(EMOTION_LABELS)
        self._forward = tf.function(lambda batch: self.model(batch, training=False), reduce_retracing=True)
        self.card = library_card()
        self.card["labels"] = self.labels
        self.runtime = f"deepface {__import__('deepface').__version__} on TensorFlow {tf.__version__}"
        self.load_seconds = time.perf_counter() - started

    def predict(self, faces: list[np.ndarray]) -> np.ndarray:
        if len(faces) == 0:
            return np.zeros((0, 7), np.float32)
        batch = normalise(prepare_faces(faces, 48, "gray").astype(np.float32), "unit")
        raw = np.asarray(self._forward(batch))
        return as_probabilities(remap_columns(raw, self.labels))


def weights_urls(url: str | None = None) -> list[str]:
    """Where to download from: `url`, else the mirrors in $EMOTION_DESKTOP_DEEPFACE_URL (comma-separated,
    tried in order), else DeepFace's own host. A mirror replaces the default host (on networks that
    block it, trying it first only adds a timeout); list the default too to keep it as a backup."""
    if url:
        return [url]
    mirrors = [u.strip() for u in env(MIRROR_ENV).split(",") if u.strip()]
    return mirrors or [WEIGHTS_URL]


class WeightsError(RuntimeError):
    """The weights could not be fetched or are not DeepFace's; the message has the manual steps."""


def manual_steps() -> str:
    return (f"Manual steps: on a connected machine download {WEIGHTS_URL} and save it as {weights_path()} "
            f"(or set {MIRROR_ENV} to a mirror's URL and try again).")


def fetch_weights(url: str | None = None) -> Path:
    """Download the weights with DeepFace's own downloader, then check that DeepFace can load them;
    on any failure nothing is left behind (not even the folders made for the file) and WeightsError
    says in one sentence what happened, then what to do. DeepFace's and gdown's own lines stay out of
    the terminal."""
    from deepface.commons import weight_utils

    urls = weights_urls(url)
    # DEEPFACE_HOME, .deepface and weights, where they do not exist yet
    made = [folder for folder in reversed(weights_path().parents[:3]) if not folder.exists()]
    weights_path().parent.mkdir(parents=True, exist_ok=True)  # a fresh DEEPFACE_HOME has no weights folder
    try:
        with _quiet(weight_utils.logger):
            path = Path(weight_utils.download_weights_if_necessary(file_name=WEIGHTS_FILE, source_url=urls))
    except Exception as error:
        _remove_partial_downloads(made)
        raise WeightsError(f"DeepFace's emotion weights could not be downloaded: "
                           f"{download_problem(error, urls)}. {manual_steps()}") from error
    try:
        verify_weights(path)
    except Exception as error:
        _remove_partial_downloads(made)
        raise WeightsError(f"The file downloaded from {', '.join(urls)} is not DeepFace's emotion weights "
                           f"({error}); it was removed. {manual_steps()}") from error
    return path


def download_problem(error: BaseException, urls: list[str]) -> str:
    """What went wrong, in a few words: "no connection to github.com", "github.com answered 404"."""
    import re
    from urllib.parse import urlparse

    hosts = ", ".join(dict.fromkeys(urlparse(u).hostname or u for u in urls))
    chain, cause = [], error
    while cause is not None and len(chain) < 5:
        chain.append(cause)
        cause = cause.__cause__ or cause.__context__
    text = " ".join(f"{type(c).__name__} {c}" for c in chain)
    status = re.search(r"status code (\d{3})", text)
    if status:
        return f"{hosts} answered {status.group(1)}"
    if re.search(r"IncompleteRead|ChunkedEncodingError|ContentDecodingError", text):
        return f"the download from {hosts} broke off"
    if re.search(r"Timeout|timed out", text):
        return f"{hosts} did not answer in time"
    if re.search(r"ConnectionError|NameResolution|resolve|Connection refused|Network is unreachable", text):
        return f"no connection to {hosts}"
    innermost = chain[-1]
    return f"{type(innermost).__name__}: {str(innermost).splitlines()[0] if str(innermost) else ''}".rstrip(": ")


class _quiet:
    """DeepFace's logger and gdown's progress (stderr) silenced while the download runs."""

    def __init__(self, deepface_logger):
        self.logger = deepface_logger

    def __enter__(self):
        import contextlib
        import io
        import logging

        self.level = self.logger.log_level
        self.logger.log_level = logging.CRITICAL + 1
        self.redirect = contextlib.redirect_stderr(io.StringIO())
        self.redirect.__enter__()

    def __exit__(self, *exc):
        self.redirect.__exit__(*exc)
        self.logger.log_level = self.level
        return False


def _remove_partial_downloads(made_folders: list[Path] = ()) -> None:
    """The weights file, gdown's resumable `<file><random>.part` leftovers, and the folders made for
    them when still empty."""
    target = weights_path()
    target.unlink(missing_ok=True)
    for leftover in target.parent.glob(f"{target.name}*.part"):
        leftover.unlink(missing_ok=True)
    for folder in reversed(made_folders):
        try:
            folder.rmdir()
        except OSError:  # something else is in it now: keep it
            pass


def verify_weights(path: Path) -> None:
    """An HDF5 file that DeepFace's own loader reads into its emotion model (raises otherwise)."""
    with open(path, "rb") as handle:
        if handle.read(8) != HDF5_SIGNATURE:
            raise ValueError("not an HDF5 file")
    DeepFaceBackend()  # builds DeepFace's model and loads every layer's weights from the file


INFO = BackendInfo(
    name="deepface", display_name="DeepFace", short_name="DeepFace", color_rgb=(44, 160, 44),
    probe=lambda _models_dir: missing_weights_reason(),
    load=lambda _models_dir, _runtime: DeepFaceBackend(),
    read_card=lambda _models_dir: library_card(),
    repair_hint=lambda _models_dir: "Delete the weights file and fetch it again (`emotion-desktop fetch-weights`).",
    trained_here=False, download=fetch_weights, download_size="about 6 MB", download_target=weights_path)

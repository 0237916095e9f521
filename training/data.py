"""FER2013 loading: the Kaggle folder layout and the original ``fer2013.csv``.

Both loaders return the same thing: for each split ("Training",
"PublicTest", "PrivateTest") a uint8 array of 48x48 gray faces and int labels
in the canonical ``EMOTIONS`` order. Labels are always mapped by name, never
by directory order (Kaggle's folders sort ``neutral`` before ``sad``).
Decoded arrays are cached as ``.npz`` so a second run starts in seconds.
"""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from emotion_desktop.environment import cache_dir as project_cache_dir
from emotion_desktop.labels import EMOTIONS, label_index
from emotion_desktop.preprocessing import prepare_faces

log = logging.getLogger(__name__)

SPLITS = ("Training", "PublicTest", "PrivateTest")
FACE_SIZE = 48


@dataclass
class Split:
    """One split: faces (N, 48, 48) uint8 and labels (N,) int64 in EMOTIONS order."""

    images: np.ndarray
    labels: np.ndarray
    names: np.ndarray  # file names (or CSV row numbers), for sample grids and debugging

    def __len__(self) -> int:
        return len(self.labels)

    def class_counts(self) -> np.ndarray:
        return np.bincount(self.labels, minlength=len(EMOTIONS))

    def subset(self, count: int, seed: int = 0) -> "Split":
        """A fixed, stratification-free random subset (for quick checks)."""
        if count >= len(self):
            return self
        order = np.random.default_rng(seed).permutation(len(self))[:count]
        order.sort()
        return Split(self.images[order], self.labels[order], self.names[order])


def split_of_filename(filename: str, folder: str) -> str:
    """The FER2013 split a Kaggle-layout file belongs to, from its name prefix.

    Files without a ``Training_``/``PublicTest_``/``PrivateTest_`` prefix
    fall back to their top folder: ``train`` -> Training, ``test`` -> PublicTest.
    """
    for split in SPLITS:
        if filename.startswith(split + "_"):
            return split
    return "Training" if folder == "train" else "PublicTest"


def _read_gray(path: Path) -> np.ndarray:
    image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if image is None:
        raise ValueError(f"cannot decode image {path}")
    return prepare_faces([image], FACE_SIZE, "gray")[0, :, :, 0]


def load_folder_layout(root: Path) -> dict[str, Split]:
    """Read ``root/{train,test}/<emotion>/*.{jpg,png}`` into splits."""
    collected: dict[str, tuple[list, list, list]] = {s: ([], [], []) for s in SPLITS}
    for folder in ("train", "test"):
        folder_path = root / folder
        if not folder_path.is_dir():
            continue
        for label_dir in sorted(p for p in folder_path.iterdir() if p.is_dir()):
            label = label_index(label_dir.name)  # by name: never trust directory order
            for path in sorted(label_dir.iterdir()):
                if path.suffix.lower() not in (".jpg", ".jpeg", ".png", ".bmp"):
                    continue
                images, labels, names = collected[split_of_filename(path.name, folder)]
                images.append(_read_gray(path))
                labels.append(label)
                names.append(path.name)
    return _as_splits(collected)


def load_csv(csv_path: Path) -> dict[str, Split]:
    """Read the original ``fer2013.csv`` (columns emotion, pixels, Usage)."""
    import csv

    collected: dict[str, tuple[list, list, list]] = {s: ([], [], []) for s in SPLITS}
    with open(csv_path, newline="") as handle:
        for row_number, row in enumerate(csv.DictReader(handle)):
            usage = row["Usage"].strip()
            if usage not in collected:
                raise ValueError(f"{csv_path}: row {row_number} has unknown Usage {usage!r}")
            pixels = np.array(row["pixels"].split(), dtype=np.uint8)
            if pixels.size != FACE_SIZE * FACE_SIZE:
                raise ValueError(f"{csv_path}: row {row_number} has {pixels.size} pixels, expected 2304")
            images, labels, names = collected[usage]
            images.append(pixels.reshape(FACE_SIZE, FACE_SIZE))
            # The CSV's integer codes are FER2013's own order, which EMOTIONS follows.
            labels.append(int(row["emotion"]))
            names.append(f"row{row_number}")
    return _as_splits(collected)


def _as_splits(collected: dict[str, tuple[list, list, list]]) -> dict[str, Split]:
    splits = {}
    for split, (images, labels, names) in collected.items():
        splits[split] = Split(
            np.stack(images) if images else np.zeros((0, FACE_SIZE, FACE_SIZE), np.uint8),
            np.asarray(labels, dtype=np.int64),
            np.asarray(names),
        )
    return splits


def _fingerprint(source: Path) -> str:
    """Cheap identity of a dataset: path, file count and newest mtime."""
    digest = hashlib.sha1(str(source.resolve()).encode())
    if source.is_file():
        stat = source.stat()
        digest.update(f"{stat.st_size}:{stat.st_mtime_ns}".encode())
    else:
        count, newest = 0, 0
        for dirpath, _dirs, files in os.walk(source):
            count += len(files)
            newest = max(newest, int(os.stat(dirpath).st_mtime_ns))
        digest.update(f"{count}:{newest}".encode())
    return digest.hexdigest()[:16]


def load_fer2013(source: str | Path, cache_dir: Path | None | str = "default") -> dict[str, Split]:
    """Load FER2013 from a Kaggle-layout folder or ``fer2013.csv``, with caching.

    ``source`` may be the CSV file, or a folder holding ``train/``+``test/`` or
    a ``fer2013.csv``. The cache is the project's cache folder unless ``cache_dir`` names
    another; pass ``cache_dir=None`` to skip it.
    """
    source = Path(source)
    if source.is_dir() and not (source / "train").is_dir() and (source / "fer2013.csv").is_file():
        source = source / "fer2013.csv"
    if not source.exists():
        raise FileNotFoundError(f"FER2013 not found at {source}: expected a folder with train/ and test/, "
                                "or fer2013.csv")
    cache_file = None
    if cache_dir == "default":
        cache_dir = project_cache_dir()
    if cache_dir is not None:
        cache_file = Path(cache_dir) / f"fer2013-{_fingerprint(source)}.npz"
        if cache_file.is_file():
            with np.load(cache_file, allow_pickle=False) as cached:
                return {s: Split(cached[f"{s}_x"], cached[f"{s}_y"], cached[f"{s}_n"]) for s in SPLITS}
    if source.is_file():
        splits = load_csv(source)
    else:
        splits = load_folder_layout(source)
    if not any(len(s) for s in splits.values()):
        raise ValueError(f"no FER2013 images found under {source}")
    if cache_file is not None:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        arrays = {}
        for name, split in splits.items():
            arrays.update({f"{name}_x": split.images, f"{name}_y": split.labels, f"{name}_n": split.names})
        tmp = cache_file.with_suffix(".tmp.npz")
        np.savez(tmp, **arrays)
        tmp.replace(cache_file)
        log.info("cached decoded FER2013 at %s", cache_file)
    return splits

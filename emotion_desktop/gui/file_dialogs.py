"""The file dialogs: which files to open, where to save (exports start in the last export folder,
else the user's documents, never in the media folder of the file that was opened)."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QFileDialog, QWidget

from emotion_desktop.sources import IMAGE_SUFFIXES, VIDEO_SUFFIXES


def _patterns(suffixes) -> str:
    return " ".join(f"*{s}" for s in suffixes)


def ask_images(parent: QWidget, folder: str) -> list[Path]:
    files, _ = QFileDialog.getOpenFileNames(parent, "Open images", folder,
                                            f"Images ({_patterns(IMAGE_SUFFIXES)});;All files (*)")
    return [Path(f) for f in files]


def ask_video(parent: QWidget, folder: str) -> list[Path]:
    file, _ = QFileDialog.getOpenFileName(parent, "Open video", folder,
                                          f"Videos ({_patterns(VIDEO_SUFFIXES)});;All files (*)")
    return [Path(file)] if file else []


def ask_folder(parent: QWidget, folder: str, title: str = "Open folder of images") -> list[Path]:
    chosen = QFileDialog.getExistingDirectory(parent, title, folder)
    return [Path(chosen)] if chosen else []


def export_folder(last_export: str) -> Path:
    """Where save dialogs start: the folder of the last export, else the user's documents."""
    if last_export and Path(last_export).is_dir():
        return Path(last_export)
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(documents) if documents and Path(documents).is_dir() else Path.home()


def ask_save(parent: QWidget, title: str, folder: Path, stem: str, suffix: str, kind: str) -> Path | None:
    """A save dialog proposing `folder/stem-<date-time>.suffix`; None when cancelled."""
    default = str(folder / f"{stem}-{time.strftime('%Y%m%d-%H%M%S')}.{suffix}")
    path, _ = QFileDialog.getSaveFileName(parent, title, default, f"{kind} (*.{suffix})")
    return Path(path) if path else None

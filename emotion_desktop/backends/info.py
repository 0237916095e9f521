"""How a classifier describes itself to the rest of the app.

Everything that names, colours, probes, loads or documents a model reads its
``BackendInfo``: the registry, the model selector and menus, the chart, the
frame labels, the Models dialog, the CLI and the training reports. Adding a
model is one module that builds a ``BackendInfo`` plus one line in
``emotion_desktop.backends.REGISTRY`` (see ARCHITECTURE.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from emotion_desktop.backends.base import Backend


@dataclass(frozen=True)
class BackendInfo:
    name: str  # the id used in settings, JSON and on the command line
    display_name: str  # menus, chart legend, dialogs
    short_name: str  # the prefix of a face's label in compare mode ("CNN: happy 87%")
    color_rgb: tuple[int, int, int]  # the model's colour in the compare chart
    # Why the model cannot load from this models folder (missing files or weights), or None. Cheap:
    # no TensorFlow import, so menus can show it before anything loads.
    probe: Callable[[Path], str | None]
    # Build the backend (may import TensorFlow or ONNX Runtime); raises when a present file is broken.
    load: Callable[[Path, str | None], Backend]
    # The model card without loading the model (None when there is none).
    read_card: Callable[[Path], dict | None]
    # What to tell the user when the files are there but loading failed.
    repair_hint: Callable[[Path], str]
    # True for the models this project trains (a .keras file and a card in models/, written by
    # training/); False for a library's model whose weights live elsewhere.
    trained_here: bool = True
    # Downloads missing weights (raising with the manual steps on failure), or None when the model
    # has nothing to download; `download_size` names its size for the offer ("about 6 MB").
    download: Callable[[], Path] | None = None
    download_size: str = ""
    # Where `download` writes, so the window can show the bytes arriving (None: no progress).
    download_target: Callable[[], Path] | None = None

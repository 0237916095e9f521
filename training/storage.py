"""Float16 storage of a float32 Keras model, to keep shipped files small.

A ``.keras`` file is a zip of ``config.json`` and ``model.weights.h5``; this
rewrites the weight arrays as float16 and leaves the architecture float32.
Keras casts each array to its float32 variable on load (``Variable.assign``),
so the file loads with plain ``keras.models.load_model`` and runs in float32.
"""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path

import h5py
import numpy as np

WEIGHTS_ENTRY = "model.weights.h5"


def save_float16(model, path: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        full = Path(tmp) / "full.keras"
        model.save(full)
        weights = Path(tmp) / WEIGHTS_ENTRY
        with zipfile.ZipFile(full) as source:
            weights.write_bytes(source.read(WEIGHTS_ENTRY))
            entries = {name: source.read(name) for name in source.namelist() if name != WEIGHTS_ENTRY}
        with h5py.File(weights, "r+") as store:
            floats = []
            store.visititems(lambda name, item: floats.append(name)
                             if isinstance(item, h5py.Dataset) and item.dtype == np.float32 else None)
            for name in floats:
                values = store[name][()].astype(np.float16)
                attributes = dict(store[name].attrs)
                del store[name]
                store.create_dataset(name, data=values)
                store[name].attrs.update(attributes)
        compact = Path(tmp) / "compact.h5"
        with h5py.File(weights, "r") as source, h5py.File(compact, "w") as target:
            for key in source:  # copying drops the space freed by the deletions above
                source.copy(source[key], target, name=key)
            target.attrs.update(dict(source.attrs))
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as target:
            for name, data in entries.items():
                target.writestr(name, data)
            target.write(compact, WEIGHTS_ENTRY)

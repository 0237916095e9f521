"""Export a .keras model into the ONNX cache, in its own process (see runners.export_in_child).

    python -m emotion_desktop.backends.export_child MODEL.keras

Exit code 0 when the parity-checked export is in the cache; otherwise the reason is the last line
on stderr.
"""

from __future__ import annotations

import sys
from pathlib import Path

from emotion_desktop.backends.runners import cache_checked_export
from emotion_desktop.environment import import_tensorflow


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m emotion_desktop.backends.export_child MODEL.keras", file=sys.stderr)
        return 2
    model_path = Path(args[0])
    try:
        import_tensorflow()  # quietly, before Keras loads it
        import keras

        model = keras.models.load_model(model_path, compile=False)
        print(cache_checked_export(model, model_path))
    except Exception as error:  # the parent falls back to TensorFlow and shows this line
        print(f"ONNX export of {model_path.name} failed: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Emotion Desktop: live facial-emotion recognition (webcam, videos, images) with three classifiers."""

import os

__version__ = "0.1.0"

# DeepFace needs tf.keras to be Keras 2 (tf-keras) and sets this on import; tf2onnx
# resolves tf.keras while exporting our models to ONNX. Setting it before anything
# imports TensorFlow makes the result independent of which model loads first. Our
# own models use `import keras` (Keras 3) and never tf.keras.
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
# 3: TensorFlow's C++ errors too (on a CPU-only machine: "failed call to cuInit"); failures still
# raise Python exceptions, which the app reports. Set 0 to see everything.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# No camera is a normal case the app reports itself; OpenCV's own warnings only clutter the terminal.
os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")

# Before any thread starts: the window reads each source on a new thread, and every new thread got
# its own malloc arena that kept freed frames (see environment.limit_malloc_arenas).
from emotion_desktop.environment import limit_malloc_arenas  # noqa: E402

limit_malloc_arenas()

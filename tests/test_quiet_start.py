"""The terminal stays clean: TensorFlow's CPU-only start-up chatter is hidden, nothing else is."""

import os
import subprocess
import sys

from tests.conftest import REPO


def test_importing_tensorflow_through_the_app_prints_nothing_but_real_messages():
    probe = ("import os, sys\n"
             "from emotion_desktop.environment import import_tensorflow, native_stderr_filtered\n"
             "tf = import_tensorflow()\n"
             "tf.constant(1.0) + 1.0  # first op: where the cuInit error used to appear\n"
             "with native_stderr_filtered():\n"
             "    os.write(2, b'oneDNN custom operations are on (hidden)\\n')\n"
             "    os.write(2, b'a real problem (kept)\\n')\n"
             "print('imported', tf.__version__)\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO, timeout=180,
                          env={k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("imported")
    assert done.stderr == "a real problem (kept)\n"

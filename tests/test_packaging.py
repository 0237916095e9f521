"""A plain `pip install .` must carry models/ and resources/ (ARCHITECTURE.md), not only an editable install."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_wheel_carries_models_resources_and_entry_point(tmp_path):
    import shutil

    source = tmp_path / "src"  # build from a copy: building in place leaves build/ in the checkout
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(".venv*", ".git", "runs", "build", "*.egg-info",
                                                                  "__pycache__", ".pytest_cache", "cache"))
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                            "-w", str(tmp_path), str(source)], capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stderr[-2000:]
    wheel = next(tmp_path.glob("emotion_desktop-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "emotion_desktop/resources/icon.png" in names
    assert "emotion_desktop/resources/blazeface_full_range.onnx" in names  # the default face detector
    assert "emotion_desktop/resources/LICENSE-blazeface.txt" in names  # Apache-2.0 asks for its licence
    for model in sorted(p.name for p in (REPO / "models").glob("*.keras")) + \
            sorted(p.name for p in (REPO / "models").glob("*.json")):
        assert f"emotion_desktop/models/{model}" in names, model
    packages = [p.parent.relative_to(REPO).as_posix() for p in (REPO / "emotion_desktop").rglob("__init__.py")]
    for package in packages:  # every sub-package (detectors/, batch/, ...) is listed in pyproject.toml
        assert f"{package}/__init__.py" in names, package
    entry_points = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert "emotion-desktop = emotion_desktop.cli:main" in entry_points
    assert not any(n.startswith(("training/", "tests/")) for n in names)


def test_registry_finds_the_installed_models_folder(monkeypatch, tmp_path):
    import emotion_desktop.backends as backends

    monkeypatch.delenv("EMOTION_DESKTOP_MODELS", raising=False)
    assert backends.default_models_dir() in (REPO / "models", Path(backends.__file__).parent.parent / "models")
    monkeypatch.setenv("EMOTION_DESKTOP_MODELS", str(tmp_path))
    assert backends.default_models_dir() == tmp_path

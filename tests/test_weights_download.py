"""DeepFace's weights through the real download path (DeepFace's downloader, gdown, requests)
against a real HTTP server on 127.0.0.1: success enables DeepFace; failures say what to do and
leave no file behind."""

import pytest

from emotion_desktop.backends import load_backend, probe
from emotion_desktop.backends.deepface_backend import WEIGHTS_FILE, weights_path
from emotion_desktop.cli import main


@pytest.fixture
def empty_home(tmp_path, monkeypatch):
    monkeypatch.setenv("DEEPFACE_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def weights_files(home):
    folder = home / ".deepface" / "weights"
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def test_a_download_from_a_mirror_enables_deepface(weights_server, empty_home, capsys):
    assert probe("deepface") is not None
    assert main(["fetch-weights", "--url", f"{weights_server}/good.h5"]) == 0
    assert "DeepFace is ready" in capsys.readouterr().out
    assert weights_path().is_file() and probe("deepface") is None
    assert load_backend("deepface").available


@pytest.mark.parametrize("route, says", [("missing.h5", "status code 404"), ("truncated.h5", ""), ("page.h5", "")])
def test_a_failed_download_says_what_to_do_and_leaves_nothing_behind(weights_server, empty_home, capsys, route, says):
    assert main(["fetch-weights", "--url", f"{weights_server}/{route}"]) == 1
    err = capsys.readouterr().err
    assert says in err and f"{weights_server}/{route}" in err and "Manual steps" in err and str(weights_path()) in err
    assert "failed (" in err or "is not DeepFace's emotion weights" in err
    assert weights_files(empty_home) == [] and probe("deepface") is not None


def test_mirrors_from_the_environment_are_tried_in_order(weights_server, empty_home, monkeypatch, capsys):
    monkeypatch.setenv("EMOTION_DESKTOP_DEEPFACE_URL", f"{weights_server}/missing.h5, {weights_server}/good.h5")
    assert main(["fetch-weights"]) == 0
    assert weights_files(empty_home) == [WEIGHTS_FILE]

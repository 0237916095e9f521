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


@pytest.mark.parametrize("route, says", [("missing.h5", "127.0.0.1 answered 404"),
                                         ("truncated.h5", "the download from 127.0.0.1 broke off"),
                                         ("page.h5", "is not DeepFace's emotion weights")])
def test_a_failed_download_says_what_to_do_and_leaves_nothing_behind(weights_server, empty_home, capfd, route, says):
    assert main(["fetch-weights", "--url", f"{weights_server}/{route}"]) == 1
    out, err = capfd.readouterr()
    (line,) = err.splitlines()  # one line: what happened, then the manual steps; DeepFace's own lines stay out
    assert says in line and "Manual steps" in line and str(weights_path()) in line
    assert "will be downloaded" not in out + err and "Traceback" not in err
    assert not empty_home.exists() and probe("deepface") is not None  # not even the folders made for it


def test_offline_is_one_sentence_and_leaves_nothing_behind(empty_home, capfd):
    import socket

    with socket.socket() as probe_socket:  # a port nobody listens on: the connection is refused
        probe_socket.bind(("127.0.0.1", 0))
        port = probe_socket.getsockname()[1]
    assert main(["fetch-weights", "--url", f"http://127.0.0.1:{port}/weights.h5"]) == 1
    out, err = capfd.readouterr()
    assert err.startswith("emotion-desktop: DeepFace's emotion weights could not be downloaded: no connection "
                          "to 127.0.0.1. Manual steps:")
    assert err.count("\n") == 1 and "urllib3" not in err and "HTTPConnectionPool" not in err and out == ""
    assert not empty_home.exists()


def test_mirrors_from_the_environment_are_tried_in_order(weights_server, empty_home, monkeypatch, capsys):
    monkeypatch.setenv("EMOTION_DESKTOP_DEEPFACE_URL", f"{weights_server}/missing.h5, {weights_server}/good.h5")
    assert main(["fetch-weights"]) == 0
    assert weights_files(empty_home) == [WEIGHTS_FILE]

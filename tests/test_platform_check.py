"""The Linux start-up check for the libraries of Qt's xcb plugin."""

import os
import subprocess
import sys

import pytest

from emotion_desktop.gui.platform_check import debian_package, missing_libraries, uses_xcb, xcb_plugin, xcb_problem


@pytest.mark.parametrize("soname, package", [
    ("libxcb-icccm.so.4", "libxcb-icccm4"), ("libxcb-keysyms.so.1", "libxcb-keysyms1"),
    ("libxcb-cursor.so.0", "libxcb-cursor0"), ("libxcb-render-util.so.0", "libxcb-render-util0"),
    ("libxkbcommon-x11.so.0", "libxkbcommon-x11-0"), ("libX11-xcb.so.1", "libx11-xcb1"),
    ("libEGL.so.1", "libegl1"), ("libdbus-1.so.3", "libdbus-1-3")])
def test_debian_package_names(soname, package):
    assert debian_package(soname) == package


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the xcb plugin is Linux's")
@pytest.mark.parametrize("environ, expected", [
    ({}, True), ({"QT_QPA_PLATFORM": "xcb"}, True), ({"QT_QPA_PLATFORM": "offscreen"}, False),
    ({"QT_QPA_PLATFORM": "wayland;xcb"}, False),
    ({"WAYLAND_DISPLAY": "wayland-0", "XDG_SESSION_TYPE": "wayland"}, False),
    ({"WAYLAND_DISPLAY": "wayland-0", "XDG_SESSION_TYPE": "x11"}, True)])
def test_when_qt_would_use_xcb(environ, expected):
    assert uses_xcb(environ) is expected
    if not expected:
        assert xcb_problem(environ) is None  # nothing to check


@pytest.mark.skipif(not sys.platform.startswith("linux") or xcb_plugin() is None, reason="needs PySide6's xcb plugin")
def test_missing_xcb_libraries_give_one_line_with_the_install_command():
    missing = missing_libraries(xcb_plugin())
    environ = {"QT_QPA_PLATFORM": "xcb", "DISPLAY": ":987"}
    if not missing:  # this machine has them all: no complaint
        assert xcb_problem(environ) is None
        return
    env = {**os.environ, **environ}
    done = subprocess.run([sys.executable, "-m", "emotion_desktop.cli", "--demo"], capture_output=True, text=True,
                          env=env, timeout=120)
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert done.returncode == 3
    assert len(errors) == 1 and all(name in errors[0] for name in missing)
    assert "sudo apt-get install " + debian_package(missing[0]) in errors[0]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X displays are Linux's here")
@pytest.mark.parametrize("display", ["", ":987", "localhost:987.0", "garbage"])
def test_no_reachable_display_gives_one_line_and_exit_3_without_a_core_dump(display):
    from emotion_desktop.gui.platform_check import display_problem

    environ = {"QT_QPA_PLATFORM": "xcb", "DISPLAY": display}
    problem = display_problem(environ)
    assert problem.startswith("error: no display") and ("not set" in problem if not display else display in problem)
    assert display_problem({"QT_QPA_PLATFORM": "offscreen"}) is None  # Qt will not ask for one
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
    done = subprocess.run([sys.executable, "-m", "emotion_desktop.cli", "--demo"], capture_output=True, text=True,
                          env={**env, **environ}, timeout=120)
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert done.returncode == 3 and len(errors) == 1 and ("no display" in errors[0] or "X11 (xcb) plugin" in errors[0])
    assert "core dumped" not in done.stderr and "Aborted" not in done.stderr


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X displays are Linux's here")
def test_a_listening_x_socket_counts_as_a_display():
    import socket

    from emotion_desktop.gui.platform_check import display_problem

    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind("\0/tmp/.X11-unix/X986")  # the abstract socket an X server also listens on
        server.listen(1)
        assert display_problem({"QT_QPA_PLATFORM": "xcb", "DISPLAY": ":986"}) is None

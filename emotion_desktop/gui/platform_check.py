"""Before Qt starts on Linux: are the system libraries of Qt's xcb (X11) plugin installed?

When one is missing, Qt aborts with a misleading message ("xcb-cursor0 is needed"
even when it is installed, then "could not load the Qt platform plugin xcb").
Asking the dynamic linker (``ldd``) about the plugin names exactly what is
missing, so the user gets one line with the install command instead.
This module does not import Qt: it only locates PySide6's plugin file.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

# Debian/Ubuntu package of each library the xcb plugin links (others follow the usual naming rule).
DEBIAN_PACKAGES = {
    "libX11-xcb.so.1": "libx11-xcb1",
    "libX11.so.6": "libx11-6",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libOpenGL.so.0": "libopengl0",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libdbus-1.so.3": "libdbus-1-3",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
}


def debian_package(soname: str) -> str:
    """The Debian package that ships ``soname`` (libxcb-icccm.so.4 -> libxcb-icccm4)."""
    if soname in DEBIAN_PACKAGES:
        return DEBIAN_PACKAGES[soname]
    match = re.fullmatch(r"(lib[\w.+-]+?)\.so\.(\d+)", soname)
    if not match:
        return soname
    stem, version = match.group(1).lower(), match.group(2)
    return f"{stem}-{version}" if stem[-1].isdigit() else f"{stem}{version}"


def xcb_plugin() -> Path | None:
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    plugin = Path(next(iter(spec.submodule_search_locations))) / "Qt" / "plugins" / "platforms" / "libqxcb.so"
    return plugin if plugin.is_file() else None


def missing_libraries(library: Path) -> list[str]:
    """Shared libraries ``library`` needs that the dynamic linker cannot find (``ldd``'s "not found")."""
    ldd = shutil.which("ldd")
    if ldd is None:
        return []  # cannot tell; let Qt try
    try:
        output = subprocess.run([ldd, str(library)], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    missing = [line.split("=>")[0].strip() for line in output.splitlines() if "not found" in line]
    return list(dict.fromkeys(missing))  # ldd repeats a library for each dependent


def uses_xcb(environ=os.environ) -> bool:
    """Whether Qt will pick its xcb plugin: on Linux, unless another platform is asked for or a
    Wayland session is running (Qt 6 prefers Wayland there)."""
    if not sys.platform.startswith("linux"):
        return False
    platform = environ.get("QT_QPA_PLATFORM", "").split(";")[0].split(":")[0].strip()
    if platform:
        return platform == "xcb"
    return not (environ.get("WAYLAND_DISPLAY") and environ.get("XDG_SESSION_TYPE") == "wayland")


def xcb_problem(environ=os.environ) -> str | None:
    """One line saying which libraries to install, or None when the window can start."""
    if not uses_xcb(environ):
        return None
    plugin = xcb_plugin()
    if plugin is None:
        return None
    missing = missing_libraries(plugin)
    if not missing:
        return None
    packages = " ".join(dict.fromkeys(debian_package(name) for name in missing))
    return (f"error: Qt cannot open a window: its X11 (xcb) plugin needs {', '.join(missing)}, which "
            f"{'is' if len(missing) == 1 else 'are'} not installed. On Debian/Ubuntu run: "
            f"sudo apt-get install {packages}  (other distributions: the packages providing those files)")


def x_server_reachable(display: str) -> bool:
    """Whether an X server answers at ``display`` (":0", "host:10.0", "unix:1"): its socket in
    /tmp/.X11-unix for a local display, TCP port 6000+N for a remote one."""
    host, _, number = display.rpartition(":")
    try:
        index = int(number.split(".")[0])
    except ValueError:
        return False
    if host in ("", "unix"):
        path = f"/tmp/.X11-unix/X{index}"
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            probe.settimeout(2)
            return probe.connect_ex(path) == 0 or probe.connect_ex("\0" + path) == 0
    try:
        socket.create_connection((host, 6000 + index), timeout=2).close()
        return True
    except OSError:
        return False


def display_problem(environ=os.environ) -> str | None:
    """One line when Qt's xcb plugin would find no X display to open the window on (Qt itself aborts
    with a core dump and a misleading hint), or None."""
    if not uses_xcb(environ):
        return None
    display = environ.get("DISPLAY", "")
    if display and x_server_reachable(display):
        return None
    where = "DISPLAY is not set" if not display else f"no X server answers at DISPLAY={display}"
    return (f"error: no display to open the window on ({where}). Start it from a desktop session (or over "
            "ssh -X); without a display use `emotion-desktop predict` or `evaluate` (see --help).")

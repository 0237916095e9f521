"""The layering rules of ARCHITECTURE.md, checked on the source."""

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
QT_MODULES = ("PySide6", "shiboken6", "pyqtgraph")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def sources(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (REPO / folder).rglob("*.py"))


@pytest.mark.parametrize("path", [p for p in sources("emotion_desktop", "training")
                                  if "gui" not in p.relative_to(REPO).parts], ids=lambda p: str(p.relative_to(REPO)))
def test_only_the_gui_package_imports_qt(path):
    qt = [m for m in imported_modules(path) if m.split(".")[0] in QT_MODULES]
    assert not qt, f"{path.relative_to(REPO)} imports {qt}: only emotion_desktop/gui/ may use Qt"


@pytest.mark.parametrize("path", sources("emotion_desktop"), ids=lambda p: str(p.relative_to(REPO)))
def test_the_app_never_imports_training_or_benchmarks(path):
    upward = [m for m in imported_modules(path) if m.split(".")[0] in ("training", "benchmarks", "tools", "tests")]
    assert not upward, f"{path.relative_to(REPO)} imports {upward}: the app must not depend on them"


@pytest.mark.parametrize("path", sources("training"), ids=lambda p: str(p.relative_to(REPO)))
def test_training_does_not_reach_into_benchmarks(path):
    upward = [m for m in imported_modules(path) if m.split(".")[0] in ("benchmarks", "tools", "tests")]
    assert not upward, f"{path.relative_to(REPO)} imports {upward}"


def layer_map_sections() -> dict[str, str]:
    """The layer map of ARCHITECTURE.md cut into its top-level folders' parts."""
    text = (REPO / "ARCHITECTURE.md").read_text()
    block = text.split("## Layers", 1)[1].split("```")[1]
    sections, folder = {}, None
    for line in block.splitlines():
        if line and not line[0].isspace():
            folder = line.split("/")[0]
        if folder:
            sections[folder] = sections.get(folder, "") + line + "\n"
    return sections


def test_the_architecture_map_names_every_module():
    """ARCHITECTURE.md is where a newcomer looks for a module's job: a new module goes on the map."""
    sections = layer_map_sections()
    missing = [str(p.relative_to(REPO)) for p in sources("emotion_desktop", "training", "benchmarks", "tools")
               if p.name != "__init__.py" and p.name not in sections.get(p.relative_to(REPO).parts[0], "")]
    assert not missing, f"not in ARCHITECTURE.md's layer map: {missing}"

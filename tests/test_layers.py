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


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports_within(path: Path, known: set[str]) -> set[str]:
    """The project modules ``path`` imports, at module level or inside functions (both run eventually)."""
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path).rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in known)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([base] if base else []))
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base)
    return (found & known) - {_module_name(path)}


@pytest.mark.parametrize("folder", ["emotion_desktop", "training"])
def test_no_import_cycles(folder):
    """Modules that import each other cannot be read, tested or moved one at a time."""
    import graphlib

    paths = sources(folder)
    known = {_module_name(p) for p in paths}
    graph = {_module_name(p): _imports_within(p, known) for p in paths}
    try:
        tuple(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as error:
        pytest.fail(f"import cycle: {' -> '.join(error.args[1])}")


GUI_HELPERS = [p for p in sources("emotion_desktop/gui") if p.name not in ("main_window.py", "app.py")]


@pytest.mark.parametrize("path", GUI_HELPERS, ids=lambda p: p.name)
def test_gui_helpers_receive_their_collaborators_not_the_window(path):
    """A helper that holds the whole window depends on its construction order and every attribute."""
    tree = ast.parse(path.read_text(), str(path))
    holds = [node.lineno for node in ast.walk(tree)
             if isinstance(node, ast.Attribute) and node.attr == "window"
             and isinstance(node.value, ast.Name) and node.value.id == "self"]
    takes = [f"{node.name}(window)" for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)
             and any(arg.arg == "window" for arg in node.args.args)]
    assert not holds and not takes, f"{path.name}: self.window at lines {holds}, {takes}"

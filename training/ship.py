"""Ship a finished training run: its model, ONNX file, card and reports into the repository.

    python -m training.ship ~/.cache/emotion_desktop/runs/R/out/models/resnet50v2.keras

Long runs keep their output outside the repository (``--out``/``--reports`` under the
user cache). This copies ``<name>.keras``, ``<name>.onnx`` and the card into
``models/`` and the reports into ``reports/<name>/``, and points the card's
``reports`` at the shipped folder. It refuses a model whose PublicTest accuracy
does not beat the shipped one's: every choice is made on PublicTest, and
PrivateTest is the final score of what ships (``--force`` overrides, e.g. to
ship an older model back). Afterwards regenerate the comparison with
``python -m training.compare``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

from emotion_desktop.backends.runners import file_digest
from emotion_desktop.model_card import ModelCardError, parse_card, save_card


class ShipError(Exception):
    """The run cannot ship as it is; the message says why and what to do."""


def public_accuracy(card: dict) -> float | None:
    return (card.get("metrics") or {}).get("PublicTest", {}).get("accuracy")


def check_onnx(model_path: Path, card: dict) -> Path | None:
    """The run's ONNX file if its card vouches for exactly this .keras file."""
    onnx = card.get("onnx")
    if not onnx:
        return None
    path = model_path.with_name(onnx["file"])
    if not path.is_file() or onnx.get("keras_digest") != file_digest(model_path):
        raise ShipError(f"{path} is missing or was exported from another file than {model_path.name}; "
                        f"run `python -m training.export_onnx --model {model_path}` first")
    return path


def check_improves(card: dict, shipped_card: Path) -> str:
    """A line comparing PublicTest with the shipped model; raises if it is not better."""
    new = public_accuracy(card)
    if new is None:
        raise ShipError("the card has no PublicTest accuracy; only finished runs ship")
    if not shipped_card.is_file():
        return f"PublicTest {new:.2%} (nothing shipped before)"
    old = public_accuracy(json.loads(shipped_card.read_text()))
    if old is not None and new <= old:
        raise ShipError(f"PublicTest {new:.2%} does not beat the shipped model's {old:.2%}; not shipping "
                        "(--force ships it anyway)")
    return f"PublicTest {old:.2%} -> {new:.2%}" if old is not None else f"PublicTest {new:.2%}"


def ship(model_path: Path, models_dir: Path, reports_root: Path, force: bool = False) -> dict:
    """Copy the run into ``models_dir`` and ``reports_root/<name>``; return the shipped card."""
    card_path = model_path.with_suffix(".json")
    if not model_path.is_file() or not card_path.is_file():
        raise ShipError(f"{model_path} and its card {card_path.name} must both exist")
    card = json.loads(card_path.read_text())
    try:
        parse_card(card, str(card_path))  # before anything is copied: the app must accept what ships
    except ModelCardError as error:
        raise ShipError(str(error)) from error
    name = card["name"]
    if model_path.stem != name:
        raise ShipError(f"{model_path.name} holds the card of {name!r}")
    if (models_dir / model_path.name).resolve() == model_path.resolve():
        raise ShipError(f"{model_path} is already the shipped file")  # copying onto itself would lose its reports
    comparison = "PublicTest not compared (--force)" if force else check_improves(card, models_dir / f"{name}.json")
    onnx = check_onnx(model_path, card)
    source_reports = Path(card.get("reports", ""))
    if not source_reports.is_dir():
        raise ShipError(f"its reports folder {source_reports} is missing")

    models_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(model_path, models_dir / model_path.name)
    stale_onnx = models_dir / f"{name}.onnx"
    if onnx:
        shutil.copyfile(onnx, models_dir / onnx.name)
    elif stale_onnx.is_file():
        stale_onnx.unlink()  # it belongs to the model being replaced
    target_reports = reports_root / name
    if target_reports.is_dir():
        shutil.rmtree(target_reports)  # no report of the previous model may stay beside the new ones
    shutil.copytree(source_reports, target_reports)
    card["reports"] = target_reports.as_posix()
    save_card(models_dir / card_path.name, card)
    private = card["metrics"].get("PrivateTest", {}).get("accuracy")
    print(f"shipped {name}: {comparison}" + (f"; PrivateTest {private:.2%}" if private is not None else ""))
    print(f"  {models_dir / model_path.name}{', ' + onnx.name if onnx else ''}, {card_path.name}; "
          f"reports in {target_reports}")
    print("next: python -m training.compare --data ../shared/fer2013 (regenerates docs/model-comparison.md)")
    return card


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", type=Path, help="the run's <name>.keras (its card and ONNX file beside it)")
    parser.add_argument("--models", type=Path, default=Path("models"), help="where models ship")
    parser.add_argument("--reports", type=Path, default=Path("reports"), help="reports ship to REPORTS/<name>/")
    parser.add_argument("--force", action="store_true", help="ship even if PublicTest is not better")
    args = parser.parse_args(argv)
    try:
        ship(args.model, args.models, args.reports, args.force)
    except ShipError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

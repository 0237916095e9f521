"""Model cards as text: the comparison table and a card's summary (Markdown).

The Models dialog, ``training.compare`` and the README all render the
comparison from the cards through these functions, so they cannot disagree.
"""

from __future__ import annotations

import re
from pathlib import Path

from emotion_desktop.backends import DISPLAY_NAMES, backend_names, probe
from emotion_desktop.labels import EMOTIONS


def _percent(value) -> str:
    return f"{value:.1%}" if isinstance(value, (int, float)) else "–"


def _number(value, unit: str = "", digits: int = 1) -> str:
    return f"{value:.{digits}f}{unit}" if isinstance(value, (int, float)) else "–"


def _count(value) -> str:
    if not isinstance(value, int):
        return "–"
    return f"{value / 1e6:.2f} M" if value >= 1e6 else f"{value / 1e3:.1f} k" if value >= 1e3 else str(value)


def comparison_rows(cards: dict[str, dict | None], models_dir: str | Path | None = None) -> list[dict]:
    """One row per backend with the headline figures (measured here, or marked as published)."""
    rows = []
    for name in backend_names():
        card = cards.get(name) or {}
        metrics = card.get("metrics", {})
        published = card.get("published_metrics", {})
        test = metrics.get("PrivateTest", {})
        latency = card.get("latency_ms", {})
        standin = " (stand-in weights)" if str(latency.get("weights", "")).startswith("stand-in") else ""
        reason = probe(name, models_dir)
        if test:
            accuracy = _percent(test.get("accuracy"))
        elif published.get("PrivateTest"):
            accuracy = f"{_percent(published['PrivateTest']['accuracy'])} (published, not measured here)"
        else:
            accuracy = "not measured"
        rows.append({
            "name": name,
            "model": DISPLAY_NAMES[name],
            "init": card.get("init", "–"),
            "public_accuracy": _percent(metrics.get("PublicTest", {}).get("accuracy")),
            "private_accuracy": accuracy,
            "private_tta": _percent(test.get("flip_tta", {}).get("accuracy")),
            "macro_f1": _number(test.get("macro_f1"), digits=3),
            "params": _count(card.get("params")),
            "size": _number(card.get("file_size_mb"), " MB", 2),
            "latency_b1": _number(latency.get("batch1"), " ms", 2) + standin,
            "latency_b8": _number(latency.get("batch8_per_face"), " ms", 2) + standin,
            "load": _number(card.get("load_seconds"), " s"),
            "train_time": _number(training_minutes(card.get("training", {})), " min", 0),
            "status": "available" if reason is None else "unavailable",
            "reason": reason or "",
        })
    return rows


COLUMNS = [("model", "Model"), ("init", "Init"), ("public_accuracy", "PublicTest acc."),
           ("private_accuracy", "PrivateTest acc."), ("private_tta", "PrivateTest + flip TTA"),
           ("macro_f1", "Macro-F1 (PrivateTest)"), ("params", "Params"), ("size", "File"),
           ("latency_b1", "CPU ms/face (batch 1)"), ("latency_b8", "CPU ms/face (batch 8)"),
           ("train_time", "Training time"), ("status", "Status")]


def training_minutes(training: dict):
    """Wall time of a model's whole training: its run and the runs it continued (``--init-from``)."""
    minutes = training.get("wall_time_minutes")
    earlier = (training.get("continued_from") or {}).get("total_wall_time_minutes")
    return minutes + earlier if isinstance(minutes, (int, float)) and isinstance(earlier, (int, float)) else minutes


def _teacher(record: dict) -> str:
    """A teacher as recorded when its run began: the path, and which model that path held then."""
    public = record.get("PublicTest_accuracy")
    facts = [f"PublicTest {public:.1%}" if isinstance(public, (int, float)) else None, record.get("finished"),
             f"file {record['keras_digest'][:8]}" if record.get("keras_digest") else None]
    described = ", ".join(fact for fact in facts if fact)
    return f"`{record.get('model', '–')}`" + (f" ({described})" if described else "")


def distillation_settings(distillation: dict) -> str:
    """How the teachers taught, as a card's ``training.distillation`` records it (also the training log's words)."""
    weights = distillation.get("weights") or []
    weighted = f", weighted {' : '.join(f'{w:g}' for w in weights)}" if len(set(weights)) > 1 else ""
    asked = ", asked once per face" if distillation.get("cached") else ""
    return f"alpha {distillation.get('alpha', '–')}, T {distillation.get('temperature', '–')}{weighted}{asked}"


def _distillation(distillation: dict) -> str:
    records = distillation.get("teacher_records") or [
        {"model": t} for t in distillation.get("teachers") or [distillation.get("teacher", "–")]]
    return (f"- **Distilled from:** {', '.join(_teacher(record) for record in records)}"
            f"{' with mirrored faces' if distillation.get('flip') else ''} ({distillation_settings(distillation)})")


def _lineage(training: dict) -> list[str]:
    """Lines for each earlier run a model continued from, newest first."""
    lines = []
    parent = training.get("continued_from")
    while parent:
        earlier = parent.get("training", {})
        public = (parent.get("metrics") or {}).get("PublicTest", {}).get("accuracy")
        lines.append(f"- **Continued from:** `{parent.get('model', '–')}` (init: {parent.get('init', '–')}; "
                     f"PublicTest {_percent(public)}), trained by `{earlier.get('command', '–')}`: "
                     f"{_epochs(earlier.get('epochs_run'))} epochs, {earlier.get('wall_time_minutes', '–')} min "
                     f"on {earlier.get('hardware', '–')}")
        parent = earlier.get("continued_from")
    return lines


def _epochs(epochs_run) -> str:
    """Epochs per training stage as words ({'train': 32} -> "32"; two stages -> "frozen_backbone 3, fine_tune 11")."""
    if isinstance(epochs_run, dict):
        if len(epochs_run) == 1:
            return str(next(iter(epochs_run.values())))
        return ", ".join(f"{stage} {count}" for stage, count in epochs_run.items())
    return "–" if epochs_run is None else str(epochs_run)


def model_summary(name: str, card: dict | None) -> str:
    """One line about a model, from its card: what it is, how it was initialised, how it scores."""
    title = DISPLAY_NAMES.get(name, name)
    if not card:
        return f"{title}: no model card"
    private = card.get("metrics", {}).get("PrivateTest", {})
    published = card.get("published_metrics", {}).get("PrivateTest", {})
    score = (f"{_percent(private.get('accuracy'))} on FER2013 PrivateTest" if private
             else f"{_percent(published.get('accuracy'))} on FER2013 test (published)" if published else "not measured")
    architecture = re.split(r":| \(|;", str(card.get("architecture", "")))[0]  # its headline only
    return f"{title}: {architecture}; initialisation: {card.get('init', 'unknown')}; {score}"


def comparison_markdown(rows: list[dict]) -> str:
    lines = ["| " + " | ".join(title for _key, title in COLUMNS) + " |",
             "|" + "|".join("---" for _ in COLUMNS) + "|"]
    for row in rows:
        lines.append("| " + " | ".join(str(row[key]) for key, _title in COLUMNS) + " |")
    # The home folder is written as ~: the table is published, and a build machine's paths mean nothing to readers.
    notes = [f"- **{row['model']}** is unavailable here: {row['reason'].replace(str(Path.home()), '~')}"
             for row in rows if row["reason"]]
    return "\n".join(lines + ([""] + notes if notes else []))


def card_markdown(name: str, card: dict | None, runtime: str = "", reason: str | None = None) -> str:
    """A human-readable summary of one model card."""
    title = DISPLAY_NAMES.get(name, name)
    if not card:
        return f"## {title}\n\nNo model card found.\n\n{reason or ''}"
    lines = [f"## {title}", ""]
    if reason:
        lines += [f"**Unavailable:** {reason}", ""]
    for key, label in (("architecture", "Architecture"), ("init", "Initialisation"), ("trained_on", "Trained on"),
                       ("params", "Parameters"), ("file_size_mb", "File size (MB)"),
                       ("weights_dtype", "Stored weights"), ("input_size", "Input size"), ("color", "Input colour"),
                       ("normalisation", "Normalisation"), ("backbone_input_size", "Backbone input size"),
                       ("weights", "Weights file")):
        if card.get(key) not in (None, ""):
            value = f"{card[key]:,}" if isinstance(card[key], int) and key == "params" else card[key]
            lines.append(f"- **{label}:** {value}")
    if runtime:
        lines.append(f"- **Runs on:** {runtime}")
    latency = card.get("latency_ms")
    if latency:
        lines.append(f"- **CPU latency:** {latency.get('batch1', '–')} ms/face at batch 1, "
                     f"{latency.get('batch8_per_face', '–')} ms/face at batch 8 ({latency.get('hardware', '')})")
    calibration = card.get("calibration")
    if calibration:
        private = calibration.get("PrivateTest", {})
        lines.append(f"- **Confidence calibration:** {calibration.get('method', '')} with T = "
                     f"{calibration.get('temperature', '–')} (fitted on {calibration.get('fitted_on', '–')}); "
                     f"expected calibration error on PrivateTest {_percent(private.get('ece_before'))} → "
                     f"{_percent(private.get('ece_after'))}")
    training = card.get("training")
    if training:
        lines += ["", "### Training", f"- **Command:** `{training.get('command', '–')}`"]
        lines += [f"- **Resumed with:** `{command}`" for command in training.get("resumed_with", [])]
        if training.get("distillation"):
            lines.append(_distillation(training["distillation"]))
        lines += [
                  f"- **Seed:** {training.get('seed', '–')}; **epochs:** {_epochs(training.get('epochs_run'))} "
                  f"(best {training.get('best_epoch', '–')})",
                  f"- **Wall time:** {training.get('wall_time_minutes', '–')} min on {training.get('hardware', '–')}"]
        if training.get("continued_from"):
            lines += _lineage(training) + [f"- **Whole training:** {_number(training_minutes(training), ' min', 0)}"]
    for split in ("PublicTest", "PrivateTest"):
        metrics = card.get("metrics", {}).get(split)
        if not metrics:
            continue
        lines += ["", f"### {split}" + (" (validation)" if split == "PublicTest" else " (test)"),
                  f"Accuracy **{metrics['accuracy']:.2%}**, macro-F1 **{metrics['macro_f1']:.3f}**"
                  + (f", with flip TTA {metrics['flip_tta']['accuracy']:.2%}" if "flip_tta" in metrics else ""),
                  "", "| " + " | ".join(EMOTIONS) + " |", "|" + "---|" * len(EMOTIONS),
                  "| " + " | ".join(f"{metrics['per_class_recall'][e]:.2f}" for e in EMOTIONS) + " |",
                  "", "(per-class recall)"]
    for split, metrics in card.get("published_metrics", {}).items():
        lines += ["", f"### {split} (published)", f"Accuracy {metrics['accuracy']:.1%} — {metrics.get('source', '')}; "
                  "not measured here because DeepFace's weights cannot be downloaded in this environment."]
    return "\n".join(lines)

"""The end of a training run: score the best checkpoint, write model, card and reports."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import numpy as np

from emotion_desktop.backends import DISPLAY_NAMES
from emotion_desktop.labels import EMOTIONS
from emotion_desktop.model_card import save_card
from training import reports
from training.calibrate import calibrate_model
from training.evaluate import predict_faces
from training.export_onnx import ship_onnx
from training.metrics import format_summary, summarise
from training.storage import save_float16

ARCHITECTURES = {
    "scratch_cnn": "VGG-style CNN from scratch: 4 stages of 2x(3x3 conv-BN-ReLU) + 2x2 max-pool "
                   "(widths {w}), flatten, dropout, dense 256-BN-ReLU, dropout, dense 7 softmax",
    "resnet50v2": "keras.applications.ResNet50V2 backbone (include_top=False, avg pooling) on the 48x48 gray "
                  "face upscaled in-graph to {size}x{size} and replicated to 3 channels; head: BN, dropout 0.5, "
                  "dense 256-BN-ReLU, dropout 0.5, dense 7 softmax",
}


def score(model, splits, normalisation: str) -> tuple[dict, dict]:
    """Metrics on PublicTest and PrivateTest, plain and with flip TTA, and the plain probabilities."""
    metrics, probabilities = {}, {}
    for split in ("PublicTest", "PrivateTest"):
        data = splits[split]
        probabilities[split] = predict_faces(model, data.images, normalisation)
        plain = summarise(data.labels, probabilities[split])
        flipped = summarise(data.labels, predict_faces(model, data.images, normalisation, tta=True))
        print(format_summary(f"{split}", plain), flush=True)
        print(f"{split} with flip TTA: accuracy {flipped['accuracy']:.2%}, macro-F1 {flipped['macro_f1']:.3f}",
              flush=True)
        metrics[split] = {key: plain[key] for key in ("count", "accuracy", "macro_f1", "per_class_recall",
                                                      "confusion_matrix")}
        metrics[split]["flip_tta"] = {"accuracy": flipped["accuracy"], "macro_f1": flipped["macro_f1"]}
        metrics[split]["report"] = plain["report"]
    return metrics, probabilities


def finish_run(args, splits, spec, augment, weights_per_class, hardware: str) -> dict:
    import keras

    run_dir: Path = args.run_dir
    state = json.loads((run_dir / "state.json").read_text())
    best = keras.models.load_model(run_dir / "best.keras", compile=False)
    if getattr(args, "precision", "float32") != "float32":
        best = as_float32(best, args)
    metrics, probabilities = score(best, splits, spec.normalisation)

    args.out.mkdir(parents=True, exist_ok=True)
    model_path = args.out / f"{args.model}.keras"
    if args.float16:
        save_float16(best, model_path)
    else:
        best.save(model_path)  # loaded uncompiled, so no optimizer state is shipped

    history = reports.read_history(run_dir / "history.csv")
    report_dir: Path = args.reports
    report_dir.mkdir(parents=True, exist_ok=True)
    title = f"{args.model}: PrivateTest accuracy {metrics['PrivateTest']['accuracy']:.1%}"
    reports.plot_curves(history, report_dir / "curves.png", f"{args.model} training curves")
    for split in ("PublicTest", "PrivateTest"):
        reports.plot_confusion(metrics[split]["confusion_matrix"], report_dir / f"confusion_{split}.png",
                               f"{args.model} on {split} (row-normalised)")
    reports.plot_class_distribution({name: split.class_counts() for name, split in splits.items()},
                                    report_dir / "class_distribution.png")
    test = splits["PrivateTest"]
    reports.plot_samples(test.images, test.labels, probabilities["PrivateTest"], report_dir / "samples.png", title)
    reports.write_json(report_dir / "classification_report.json",
                       {split: metrics[split]["report"] for split in metrics})

    width = args.width
    card = {
        "name": args.model,
        "display_name": DISPLAY_NAMES[args.model],
        "labels": list(EMOTIONS),
        "input_size": spec.input_size,
        "color": spec.color,
        "normalisation": spec.normalisation,
        "architecture": ARCHITECTURES[args.model].format(w=(width, width * 2, width * 4, width * 8),
                                                          size=args.input_size),
        "params": int(best.count_params()),
        "file_size_mb": round(model_path.stat().st_size / 1e6, 2),
        "weights_dtype": "float16" if args.float16 else "float32",
        "init": init_description(args),
        "trained_on": "FER2013 Training split (28,709 faces; Kaggle layout), validation on PublicTest",
        "training": {
            **commands(run_dir),
            "seed": args.seed,
            "epochs_run": state.get("epochs_done", {}),
            "best_epoch": int(np.argmax(history.get("val_accuracy", [0]))) + 1,
            "batch_size": args.batch_size,
            "optimizer": f"AdamW, cosine decay from peak lr {args.lr} after {args.warmup_epochs} warm-up epochs, "
                         f"weight decay {args.weight_decay}",
            "loss": f"categorical cross-entropy, label smoothing {args.label_smoothing}",
            "continued_from": lineage(args),
            "distillation": distillation(args),
            "class_weights": {e: round(float(w), 3) for e, w in zip(EMOTIONS, weights_per_class)},
            "class_weight_power": args.class_weight_power,
            "augmentation": augment.describe() if augment else None,
            "wall_time_minutes": round(state.get("train_seconds", 0) / 60, 1),
            "hardware": hardware,
            "precision": getattr(args, "precision", "float32"),
            "finished": datetime.date.today().isoformat(),
        },
        "metrics": {split: {k: v for k, v in metrics[split].items() if k != "report"} for split in metrics},
        "reports": str(report_dir),
    }
    if args.model == "resnet50v2":
        card["backbone_input_size"] = args.input_size
    calibrate_model(best, card, splits, report_dir, probabilities)  # the confidence the app shows
    ship_onnx(model_path, card)  # the app starts it without TensorFlow
    save_card(model_path.with_suffix(".json"), card)
    print(f"wrote {model_path} ({card['file_size_mb']} MB), its card and reports in {report_dir}", flush=True)
    return card


PARENT_CARD = "parent_card.json"
TEACHER_RECORDS = "teachers.json"


def commands(run_dir: Path) -> dict:
    """The command that started the run, and those that resumed it (if any)."""
    lines = [line for line in (run_dir / "command.txt").read_text().splitlines() if line.strip()]
    return {"command": lines[0], **({"resumed_with": lines[1:]} if len(lines) > 1 else {})}


def parent_card(args) -> dict:
    """The --init-from model's card as it was when the run began (train.keep_parent_card kept it)."""
    return json.loads((args.run_dir / PARENT_CARD).read_text())


def lineage(args) -> dict | None:
    """What the --init-from model was and how it was trained: the new card must describe the whole training."""
    if not getattr(args, "init_from", None):
        return None
    from emotion_desktop.model_info import training_minutes

    parent = parent_card(args)
    return {"model": str(args.init_from), "init": parent["init"], "training": parent["training"],
            "total_wall_time_minutes": round(training_minutes(parent["training"]) or 0, 1),
            "metrics": parent.get("metrics")}


def distillation(args) -> dict | None:
    """The teachers and how they were mixed in (``teacher`` names the first, as cards always did)."""
    if not args.distill_from:
        return None
    teachers = [str(path) for path in args.distill_from]
    records = args.run_dir / TEACHER_RECORDS  # written at the start (train.keep_teacher_records)
    return {"teacher": teachers[0], "teachers": teachers, "flip": args.distill_flip,
            "alpha": args.distill_alpha, "temperature": args.distill_temperature,
            "weights": args.distill_weights or [1.0] * len(teachers), "cached": args.distill_cached,
            **({"teacher_records": json.loads(records.read_text())} if records.is_file() else {})}


def as_float32(model, args):
    """The same weights in a float32 model: what ships runs in float32 on every CPU (and exports to ONNX)."""
    import keras

    from training.build import build_model

    keras.mixed_precision.set_global_policy("float32")
    plain = build_model(args)
    plain.set_weights(model.get_weights())
    return plain


def init_description(args) -> str:
    if getattr(args, "init_from", None):
        return parent_card(args)["init"]  # continuing keeps the original start (random or pretrained)
    if args.model == "scratch_cnn" or args.weights == "none":
        return "random"
    if args.weights == "imagenet":
        return "imagenet"
    return f"local weights file {Path(args.weights).name}"

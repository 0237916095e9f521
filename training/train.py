"""Train one of the project's models on FER2013 and write it, its card and its reports.

    python -m training.train --model scratch_cnn --data ../shared/fer2013 --out models/
    python -m training.train --model resnet50v2 --data ../shared/fer2013 --out models/ \
        --weights imagenet|none|PATH.h5 --input-size 96

Validation, checkpointing and early stopping use PublicTest; PrivateTest is
scored once, at the end, on the best checkpoint. ``--resume`` continues an
interrupted run from its last finished epoch (same ``--run-dir``).
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from emotion_desktop.environment import cpu_name
from emotion_desktop.labels import EMOTIONS
from training.build import build_model
from training.data import load_fer2013
from training.models import SPECS
from training.pipeline import AugmentConfig, class_weights, make_dataset

DEFAULTS = {
    # epochs, batch, peak learning rate, weight decay
    "scratch_cnn": dict(epochs=50, batch_size=128, lr=2e-3, weight_decay=5e-3),
    "resnet50v2": dict(epochs=14, batch_size=64, lr=1e-3, weight_decay=5e-3),
}


@dataclass
class Stage:
    """One fit() call: epochs at a peak learning rate with some backbone layers trainable."""

    name: str
    epochs: int
    lr: float
    trainable_top_layers: int | None  # None: everything trainable (scratch CNN, random-init ResNet)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, choices=sorted(SPECS))
    parser.add_argument("--data", required=True, type=Path, help="FER2013 folder (Kaggle layout) or fer2013.csv")
    parser.add_argument("--out", type=Path, default=Path("models"), help="where <model>.keras and its card go")
    parser.add_argument("--run-dir", type=Path, help="checkpoints, history and backups (default runs/<model>)")
    parser.add_argument("--reports", type=Path, help="report folder (default reports/<model>)")
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--lr", type=float, help="peak learning rate (cosine decay after warm-up)")
    parser.add_argument("--weight-decay", type=float)
    parser.add_argument("--warmup-epochs", type=float, default=2.0)
    parser.add_argument("--label-smoothing", type=float,
                        help="default 0.1, or 0 with --distill-from (soft targets already smooth)")
    parser.add_argument("--class-weight-power", type=float, default=0.5,
                        help="class weights (1/frequency)**power: 1 fully balanced, 0 off")
    parser.add_argument("--no-augment", action="store_true")
    parser.add_argument("--erasing", type=float, default=0.25, help="random-erasing probability")
    parser.add_argument("--mixup", type=float, default=0.0, help="mixup alpha (0: off)")
    parser.add_argument("--zoom", type=float, default=0.15, help="crop scale jitter: zoom in [1-z, 1+z]")
    parser.add_argument("--shift", type=float, default=0.1, help="crop shift jitter (fraction of the face)")
    parser.add_argument("--brightness", type=float, default=0.0, help="brightness gain jitter (0.4: +-40%%)")
    parser.add_argument("--contrast", type=float, default=0.0, help="contrast jitter around the face's mean")
    parser.add_argument("--low-res", type=float, default=0.0,
                        help="share of faces first shrunk to 12-36 px (blur, far faces)")
    parser.add_argument("--detector-crops", choices=("blazeface", "haar"),
                        help="also train on each training face as the app crops it with this detector "
                        "(the face in a frame, the detector's box, the app's framing)")
    parser.add_argument("--patience", type=int, default=10, help="early stopping on PublicTest accuracy")
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--limit", type=int, help="use only this many training images (smoke tests)")
    parser.add_argument("--resume", action="store_true", help="continue the interrupted run in --run-dir")
    parser.add_argument("--threads", type=int, help="TensorFlow intra-op threads (default: all cores)")
    parser.add_argument("--width", type=int, default=32, help="scratch_cnn: channels of the first stage")
    # ResNet50V2 transfer recipe
    parser.add_argument("--weights", default="none", help="resnet50v2: imagenet, none, or a local .h5 file")
    parser.add_argument("--input-size", type=int, default=96, help="resnet50v2: backbone input size")
    parser.add_argument("--stage1-epochs", type=int, help="resnet50v2: epochs with the backbone frozen "
                        "(default 3 with pretrained weights, 0 from random init)")
    parser.add_argument("--trainable-layers", type=int, help="resnet50v2: top backbone layers trained in stage 2 "
                        "(default 50 with pretrained weights, all from random init)")
    parser.add_argument("--precision", choices=("float32", "mixed_bfloat16"), default="float32",
                        help="training compute precision; mixed_bfloat16 pays only on CPUs with avx512_bf16/amx_bf16 "
                             "(check lscpu). The shipped model is float32 either way")
    parser.add_argument("--float16", action="store_true", help="store the shipped weights as float16")
    parser.add_argument("--init-from", type=Path,
                        help="start from the weights of a model this project trained with the same architecture "
                             "(e.g. the shipped one) instead of fresh ones: a warm restart of the schedule that "
                             "lets training continue across sessions; its card's lineage goes into the new card")
    parser.add_argument("--distill-from", type=Path, nargs="+", help="trained .keras models (with their cards) "
                        "whose soft predictions are mixed into the targets (knowledge distillation; several "
                        "are averaged as an ensemble)")
    parser.add_argument("--distill-flip", action="store_true",
                        help="teachers also answer on the mirrored face, averaged in (flip test-time augmentation)")
    parser.add_argument("--distill-alpha", type=float, default=0.5, help="weight of the teacher's soft targets")
    parser.add_argument("--distill-temperature", type=float, default=2.0)
    parser.add_argument("--distill-weights", type=float, nargs="+",
                        help="one weight per teacher in the ensemble average (default: equal)")
    parser.add_argument("--distill-cached", action="store_true",
                        help="teachers answer once per un-augmented training face (kept in the run directory) "
                        "instead of on every augmented batch: a large teacher such as the ResNet50V2 costs "
                        "minutes once instead of minutes every epoch")
    args = parser.parse_args(argv)
    for key, value in DEFAULTS[args.model].items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if args.label_smoothing is None:
        args.label_smoothing = 0.0 if args.distill_from else 0.1
    if args.distill_weights and len(args.distill_weights) != len(args.distill_from or []):
        parser.error("--distill-weights needs one weight per --distill-from model")
    args.run_dir = args.run_dir or Path("runs") / args.model
    args.reports = args.reports or Path("reports") / args.model
    return args


def plan_stages(args) -> list[Stage]:
    if args.model == "scratch_cnn":
        return [Stage("train", args.epochs, args.lr, None)]
    pretrained = args.weights != "none"
    stage1 = args.stage1_epochs if args.stage1_epochs is not None else (3 if pretrained else 0)
    top = args.trainable_layers if args.trainable_layers is not None else (50 if pretrained else None)
    stages = []
    if stage1 > 0:
        stages.append(Stage("frozen_backbone", stage1, args.lr, 0))
    # Fine-tuning a pretrained backbone wants a lower rate (the recipe's stage 2).
    stages.append(Stage("fine_tune", args.epochs - stage1, args.lr / 10 if pretrained else args.lr, top))
    return [s for s in stages if s.epochs > 0]


def compile_model(model, stage: Stage, steps_per_epoch: int, args) -> None:
    import keras

    from training.models import set_backbone_trainable

    if args.model == "resnet50v2":
        set_backbone_trainable(model, stage.trainable_top_layers)
    total = max(1, stage.epochs * steps_per_epoch)
    warmup = min(int(args.warmup_epochs * steps_per_epoch), total // 2)
    schedule = keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=stage.lr / 20, decay_steps=total - warmup, alpha=0.01,
        warmup_target=stage.lr, warmup_steps=warmup)
    optimizer = keras.optimizers.AdamW(learning_rate=schedule, weight_decay=args.weight_decay)
    model.compile(optimizer=optimizer,
                  loss=keras.losses.CategoricalCrossentropy(label_smoothing=args.label_smoothing),
                  metrics=["accuracy"])


class EpochReport:
    """Prints one progress line per epoch and accumulates wall time across resumes."""

    def __init__(self, state_path: Path, stage: Stage):
        import keras

        self.state_path = state_path
        self.stage = stage
        outer = self

        class Callback(keras.callbacks.Callback):
            def on_epoch_begin(self, epoch, logs=None):
                outer.started = time.time()

            def on_epoch_end(self, epoch, logs=None):
                elapsed = time.time() - outer.started
                state = outer.load()
                state["train_seconds"] = state.get("train_seconds", 0.0) + elapsed
                state.setdefault("epochs_done", {})[outer.stage.name] = epoch + 1
                outer.save(state)
                remaining = (outer.stage.epochs - epoch - 1) * elapsed
                print(f"[{outer.stage.name}] epoch {epoch + 1}/{outer.stage.epochs} {elapsed:.0f}s  "
                      f"loss {logs['loss']:.4f} acc {logs['accuracy']:.4f}  "
                      f"val_loss {logs['val_loss']:.4f} val_acc {logs['val_accuracy']:.4f}  "
                      f"~{remaining / 60:.0f} min left in stage", flush=True)

        self.callback = Callback()

    def load(self) -> dict:
        return json.loads(self.state_path.read_text()) if self.state_path.is_file() else {}

    def save(self, state: dict) -> None:
        self.state_path.write_text(json.dumps(state, indent=2))


def best_so_far(history_csv: Path) -> float | None:
    from training.reports import read_history

    if not history_csv.is_file():
        return None
    values = read_history(history_csv).get("val_accuracy", [])
    return max(values) if values else None


def run_stage(model, stage: Stage, train_ds, val_ds, steps, args) -> None:
    import keras

    stage_dir = args.run_dir / stage.name
    stage_dir.mkdir(parents=True, exist_ok=True)
    history_csv = args.run_dir / "history.csv"
    compile_model(model, stage, steps, args)
    best_path = args.run_dir / "best.keras"
    callbacks = [
        # Restores weights, optimizer and epoch after an interruption (--resume).
        keras.callbacks.BackupAndRestore(str(stage_dir / "backup")),
        keras.callbacks.ModelCheckpoint(str(best_path), monitor="val_accuracy", mode="max", save_best_only=True,
                                        initial_value_threshold=best_so_far(history_csv)),
        keras.callbacks.EarlyStopping(monitor="val_accuracy", mode="max", patience=args.patience),
        keras.callbacks.CSVLogger(str(history_csv), append=True),
        EpochReport(args.run_dir / "state.json", stage).callback,
    ]
    model.fit(train_ds, validation_data=val_ds, epochs=stage.epochs, callbacks=callbacks, verbose=0)
    model.save_weights(str(stage_dir / "final.weights.h5"))


def load_teacher(args):
    import keras

    from emotion_desktop.model_card import load_card
    from emotion_desktop.model_info import distillation_settings
    from training.pipeline import Distillation

    teachers = []
    for path in args.distill_from:
        card = load_card(path.with_suffix(".json"))
        if list(card.labels) != list(EMOTIONS) or card.input_size != 48 or card.color != "gray":
            raise SystemExit(f"error: teacher {path} must take 48x48 gray faces and output EMOTIONS order")
        teacher = keras.models.load_model(path, compile=False)
        teacher.trainable = False
        teachers.append((teacher, card.normalisation))
    weights = tuple(args.distill_weights) if args.distill_weights else None
    how = distillation_settings({"alpha": args.distill_alpha, "temperature": args.distill_temperature,
                                 "weights": weights, "cached": args.distill_cached})
    print(f"distilling from {', '.join(map(str, args.distill_from))}{' with flips' if args.distill_flip else ''} "
          f"({how})", flush=True)
    return Distillation(tuple(teachers), args.distill_alpha, args.distill_temperature, args.distill_flip, weights)


TEACHER_TARGETS = "teacher_targets.npy"


def cached_targets(distill, images, labels, run_dir: Path):
    """One-hot labels mixed with the teachers' answers on each un-augmented face, asked once per run
    (the answers are kept in the run directory for --resume)."""
    import numpy as np

    from training.pipeline import one_hot

    kept = run_dir / TEACHER_TARGETS
    answers = np.load(kept) if kept.is_file() else None
    if answers is None or len(answers) != len(images):
        started = time.time()
        answers = distill.answer_once(images)
        np.save(kept, answers)
        print(f"teachers answered {len(images)} faces once in {time.time() - started:.0f}s", flush=True)
    return distill.mix(one_hot(labels), answers)


def with_detector_crops(train, detector_name: str):
    """The training split plus each face the detector finds, as the app would crop it."""
    import numpy as np

    from emotion_desktop.environment import cache_dir
    from training.data import Split
    from training.detector_crops import cached_detector_crops

    crops, index = cached_detector_crops(train.images, cache_dir(), detector_name)
    print(f"training on {len(train)} faces and {len(index)} {detector_name} crops of them", flush=True)
    return Split(np.concatenate([train.images, crops]), np.concatenate([train.labels, train.labels[index]]),
                 np.concatenate([train.names, train.names[index]]))


def load_init_weights(model, path: Path) -> None:
    """Copy a saved model's weights into ``model`` (float16-stored weights become float32)."""
    import keras

    if not path.is_file():
        raise SystemExit(f"error: --init-from {path}: no such file")
    source = keras.models.load_model(path, compile=False)
    values = source.get_weights()
    shapes = [tuple(v.shape) for v in values]
    if shapes != [tuple(w.shape) for w in model.get_weights()]:
        raise SystemExit(f"error: --init-from {path}: its architecture differs from --model {model.name}")
    model.set_weights([v.astype("float32") for v in values])  # the input size does not change any weight
    print(f"initialised from {path}", flush=True)


def keep_parent_card(args) -> None:
    """Copy the --init-from model's card into the run directory at the start: the new card's lineage
    must describe the weights this run began from, even if the file is replaced while it trains."""
    from training.finish import PARENT_CARD

    source, kept = args.init_from.with_suffix(".json"), args.run_dir / PARENT_CARD
    if kept.is_file():
        return  # resumed: the card was kept when the run began
    if not source.is_file():
        raise SystemExit(f"error: --init-from {args.init_from}: its card {source} is missing")
    shutil.copyfile(source, kept)


def keep_teacher_records(args) -> None:
    """Record at the start which files taught this run: a path such as models/scratch_cnn.keras names
    another model after every shipment, so the card keeps each teacher's digest and scores too."""
    from emotion_desktop.backends.runners import file_digest
    from training.finish import TEACHER_RECORDS

    kept = args.run_dir / TEACHER_RECORDS
    if kept.is_file():  # resumed: the rest of the run must learn from the same files
        check_same_teachers(args, json.loads(kept.read_text()))
        return
    if not args.distill_from:
        return
    records = []
    for path in args.distill_from:
        card_path = path.with_suffix(".json")
        if not path.is_file() or not card_path.is_file():
            raise SystemExit(f"error: --distill-from {path}: the model or its card {card_path.name} is missing")
        card = json.loads(card_path.read_text())
        metrics = card.get("metrics") or {}
        records.append({"model": str(path), "keras_digest": file_digest(path),
                        "finished": (card.get("training") or {}).get("finished"),
                        **{f"{split}_accuracy": metrics[split]["accuracy"]
                           for split in ("PublicTest", "PrivateTest") if "accuracy" in metrics.get(split, {})}})
    kept.write_text(json.dumps(records, indent=2) + "\n")


def check_same_teachers(args, records: list[dict]) -> None:
    from emotion_desktop.backends.runners import file_digest

    began_with = [record["model"] for record in records]
    if began_with != [str(path) for path in args.distill_from or []]:
        raise SystemExit(f"error: this run began with --distill-from {' '.join(began_with)}; resume it with "
                         "the same teachers")
    for record in records:
        path = Path(record["model"])
        if not path.is_file() or file_digest(path) != record["keras_digest"]:
            raise SystemExit(f"error: the teacher {path} is not the file this run began with (digest "
                             f"{record['keras_digest']}); put that file back or start a new run")


RUN_SETTINGS = "settings.json"
# Flags that do not change what a run learns: where things go, the thread count, the resume switch.
# Teachers are checked by file digest (keep_teacher_records).
NOT_SETTINGS = {"data", "out", "run_dir", "reports", "resume", "threads", "distill_from"}


def keep_run_settings(args) -> None:
    """Record the run's settings at the start and refuse a resume with other ones: BackupAndRestore
    restores weights and epoch, but the schedule, augmentation and loss come from today's flags."""
    settings = {key: str(value) if isinstance(value, Path) else value
                for key, value in sorted(vars(args).items()) if key not in NOT_SETTINGS}
    kept = args.run_dir / RUN_SETTINGS
    if not kept.is_file():  # a new run (or one begun before settings were recorded)
        kept.write_text(json.dumps(settings, indent=2) + "\n")
        return
    began = json.loads(kept.read_text())
    changed = [f"--{key.replace('_', '-')} {began[key]} (now {value})"  # flags newer than the run are not in it
               for key, value in settings.items() if key in began and began[key] != value]
    if changed:
        first = (args.run_dir / "command.txt").read_text().splitlines()[0]
        if "--resume" not in first.split():
            first += " --resume"
        raise SystemExit("error: this run began with other settings: " + ", ".join(changed)
                         + f". Resume it with its first command plus --resume:\n  {first}")


def hardware_description(precision: str = "float32") -> str:
    import os

    import tensorflow as tf

    return f"{cpu_name()}, {os.cpu_count()} cores, no GPU (TensorFlow {tf.__version__}, {precision}, oneDNN)"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    import keras
    import tensorflow as tf

    if args.threads:
        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    keras.mixed_precision.set_global_policy(args.precision)
    keras.utils.set_random_seed(args.seed)
    if not args.resume and args.run_dir.exists():
        shutil.rmtree(args.run_dir)
    if args.resume and not args.run_dir.exists():
        print(f"note: nothing to resume in {args.run_dir}; starting a new run", file=sys.stderr)
    args.run_dir.mkdir(parents=True, exist_ok=True)
    if args.init_from:
        keep_parent_card(args)
    keep_teacher_records(args)
    keep_run_settings(args)
    with open(args.run_dir / "command.txt", "a") as commands:  # a resumed run keeps its first command
        commands.write(command_line(sys.argv[1:] if argv is None else argv) + "\n")

    started = time.time()
    splits = load_fer2013(args.data)
    train, val = splits["Training"], splits["PublicTest"]
    if args.limit:
        train = train.subset(args.limit, seed=args.seed)
    if args.detector_crops:
        train = with_detector_crops(train, args.detector_crops)
    print(f"data: {len(train)} training, {len(val)} PublicTest, {len(splits['PrivateTest'])} PrivateTest faces "
          f"(loaded in {time.time() - started:.1f}s)", flush=True)

    spec = SPECS[args.model]
    weights_per_class = class_weights(train.labels, args.class_weight_power)
    augment = None if args.no_augment else AugmentConfig(
        zoom=args.zoom, shift=args.shift, erasing=args.erasing, mixup=args.mixup, brightness=args.brightness,
        contrast=args.contrast, low_res=args.low_res)
    distill = load_teacher(args) if args.distill_from else None
    targets = None
    if distill is not None and args.distill_cached:
        targets, distill = cached_targets(distill, train.images, train.labels, args.run_dir), None
    train_ds = make_dataset(train.images, train.labels, batch_size=args.batch_size, normalisation=spec.normalisation,
                            augment=augment, sample_weights=weights_per_class[train.labels], shuffle=True,
                            seed=args.seed, distill=distill, targets=targets)
    val_ds = make_dataset(val.images, val.labels, batch_size=256, normalisation=spec.normalisation)
    steps = len(train) // args.batch_size

    model = build_model(args)
    if args.init_from:
        load_init_weights(model, args.init_from)
    print(f"model: {args.model}, {model.count_params():,} parameters; class weights "
          + ", ".join(f"{e} {w:.2f}" for e, w in zip(EMOTIONS, weights_per_class)), flush=True)
    stages = plan_stages(args)
    state = EpochReport(args.run_dir / "state.json", stages[0]).load()
    for stage in stages:
        done = state.get("epochs_done", {}).get(stage.name, 0)
        stage_final = args.run_dir / stage.name / "final.weights.h5"
        if stage_final.is_file() and done >= stage.epochs:
            model.load_weights(str(stage_final))  # finished before an interruption
            continue
        run_stage(model, stage, train_ds, val_ds, steps, args)

    from training.finish import finish_run

    finish_run(args, splits, spec, augment, weights_per_class, hardware_description(args.precision))
    return 0


def command_line(argv: list[str]) -> str:
    return "python -m training.train " + " ".join(shlex.quote(a) for a in argv)


if __name__ == "__main__":
    sys.exit(main())

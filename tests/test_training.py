"""The training package on tiny data the tests generate (both FER2013 layouts, the label trap)."""

import json
import os

import numpy as np
import pytest

from emotion_desktop.labels import EMOTIONS
from tests.conftest import BRIGHTNESS, PER_CLASS
from training.data import load_fer2013, split_of_filename
from training.pipeline import AugmentConfig, class_weights, make_dataset


@pytest.mark.parametrize("layout", ["kaggle_layout", "csv_layout"])
def test_both_layouts_map_labels_by_name(layout, request, tmp_path):
    splits = load_fer2013(request.getfixturevalue(layout), cache_dir=tmp_path)
    for split, count in PER_CLASS.items():
        data = splits[split]
        assert len(data) == count * 7
        assert list(data.class_counts()) == [count] * 7
        for image, label in zip(data.images, data.labels):
            # the class brightness survives JPEG: the label must be the class the image came from
            assert abs(int(np.median(image)) - BRIGHTNESS[EMOTIONS[label]]) <= 3


def test_directory_order_is_not_trusted(kaggle_layout, tmp_path):
    listing = sorted(p.name for p in (kaggle_layout / "train").iterdir())
    assert listing.index("neutral") != EMOTIONS.index("neutral")  # the trap is real
    splits = load_fer2013(kaggle_layout, cache_dir=tmp_path)
    neutral = splits["Training"].labels == EMOTIONS.index("neutral")
    assert np.all(np.abs(np.median(splits["Training"].images[neutral], axis=(1, 2)) - BRIGHTNESS["neutral"]) <= 3)


def test_split_from_file_prefix():
    assert split_of_filename("PublicTest_123.jpg", "test") == "PublicTest"
    assert split_of_filename("PrivateTest_9.jpg", "test") == "PrivateTest"
    assert split_of_filename("Training_1.jpg", "train") == "Training"
    assert split_of_filename("img_1.jpg", "train") == "Training"


def test_second_load_comes_from_the_cache(kaggle_layout, tmp_path):
    first = load_fer2013(kaggle_layout, cache_dir=tmp_path)
    assert len(list(tmp_path.glob("fer2013-*.npz"))) == 1
    again = load_fer2013(kaggle_layout, cache_dir=tmp_path)
    assert np.array_equal(first["PublicTest"].images, again["PublicTest"].images)


def test_class_weights_lift_rare_classes():
    labels = np.array([3] * 90 + [1] * 10)
    weights = class_weights(labels, power=1.0)
    assert weights[1] / weights[3] == pytest.approx(9.0)
    assert (weights[labels]).mean() == pytest.approx(1.0)
    assert np.allclose(class_weights(labels, power=0.0)[[1, 3]], 1.0)


def test_augmented_batches_keep_shape_range_and_labels():
    images = np.random.default_rng(0).integers(0, 255, (16, 48, 48), dtype=np.uint8)
    labels = np.arange(16) % 7
    dataset = make_dataset(images, labels, batch_size=8, normalisation="unit", augment=AugmentConfig(),
                           sample_weights=np.ones(16), shuffle=True)
    x, y, w = next(iter(dataset))
    assert x.shape == (8, 48, 48, 1) and 0 <= float(np.min(x)) and float(np.max(x)) <= 1.0
    assert y.shape == (8, 7) and np.allclose(np.sum(y, axis=1), 1)
    assert w.shape == (8,)


def test_distillation_mixes_the_teachers_softened_predictions_into_the_targets():
    from tests.conftest import build_tiny_model
    from training.pipeline import Distillation

    teacher = build_tiny_model(peak=3)  # always "happy", about 0.97
    images = np.random.default_rng(0).integers(0, 255, (8, 48, 48), dtype=np.uint8)
    labels = np.zeros(8, dtype=np.int64)  # all "angry"
    distill = Distillation(((teacher, "unit"),), alpha=0.5, temperature=2.0)
    _x, y = next(iter(make_dataset(images, labels, batch_size=8, normalisation="unit", distill=distill)))
    y = np.asarray(y)
    assert np.allclose(y.sum(axis=1), 1.0, atol=1e-5)
    assert np.all(y[:, 0] > 0.5) and np.all(y[:, 3] > 0.3)  # half the label, most of the teacher's half
    assert np.all(y[:, 3] < 0.5)  # temperature 2 softened the teacher's 0.97


def test_an_ensemble_of_teachers_with_flips_is_averaged():
    import keras

    from tests.conftest import build_tiny_model
    from training.pipeline import Distillation

    # A teacher that answers by which half of the face is brighter: "angry" when the left, "fear" when
    # the right (so its mirror image disagrees), and a second teacher that always says "happy".
    face = keras.Input((48, 48, 1))
    halves = keras.layers.Lambda(lambda x: keras.ops.stack(
        [keras.ops.mean(x[:, :, :24], axis=(1, 2, 3)), keras.ops.mean(x[:, :, 24:], axis=(1, 2, 3))], axis=1))(face)
    logits = keras.layers.Dense(7, use_bias=False)(halves)
    sided = keras.Model(face, keras.layers.Softmax()(logits))
    weights = np.zeros((2, 7), np.float32)
    weights[0, 0] = weights[1, 2] = 40.0
    sided.layers[-2].set_weights([weights])
    images = np.zeros((4, 48, 48), np.uint8)
    images[:, :, :24] = 200  # bright on the left
    labels = np.zeros(4, dtype=np.int64)

    def soft_targets(teachers, flip):
        distill = Distillation(teachers, alpha=1.0, temperature=1.0, flip=flip)
        return np.asarray(next(iter(make_dataset(images, labels, batch_size=4, normalisation="unit",
                                                 distill=distill)))[1])

    alone = soft_targets(((sided, "unit"),), flip=False)
    assert np.all(alone[:, 0] > 0.95)
    flipped = soft_targets(((sided, "unit"),), flip=True)
    assert np.allclose(flipped[:, 0], 0.5, atol=0.03) and np.allclose(flipped[:, 2], 0.5, atol=0.03)
    ensemble = soft_targets(((sided, "unit"), (build_tiny_model(peak=3), "unit")), flip=False)
    assert np.all(ensemble[:, 0] > 0.4) and np.all(ensemble[:, 3] > 0.4)
    weighted = Distillation(((sided, "unit"), (build_tiny_model(peak=3), "unit")), alpha=1.0, temperature=1.0,
                            weights=(3.0, 1.0))
    leaning = weighted.answer_once(images, batch_size=3)  # asked once, without augmentation, in two batches
    assert leaning.shape == (4, 7) and np.allclose(leaning[:, 0], 0.75, atol=0.03)
    assert np.allclose(leaning[:, 3], 0.25, atol=0.03)


def test_cached_distillation_mixes_the_teachers_answers_once_and_keeps_them_for_resume(tmp_path):
    from tests.conftest import build_tiny_model
    from training.pipeline import Distillation
    from training.train import TEACHER_TARGETS, cached_targets

    images = np.random.default_rng(0).integers(0, 255, (6, 48, 48), dtype=np.uint8)
    labels = np.zeros(6, dtype=np.int64)
    distill = Distillation(((build_tiny_model(peak=3), "unit"),), alpha=0.5, temperature=1.0)
    targets = cached_targets(distill, images, labels, tmp_path)
    assert np.allclose(targets.sum(axis=1), 1.0, atol=1e-5)
    assert np.all(targets[:, 0] >= 0.5) and np.all(targets[:, 3] > 0.4)  # half the label, half "happy"
    kept = np.load(tmp_path / TEACHER_TARGETS)
    np.save(tmp_path / TEACHER_TARGETS, np.full_like(kept, 1 / 7))  # a resume reads the kept answers
    assert np.allclose(cached_targets(distill, images, labels, tmp_path)[:, 3], 0.5 / 7)
    _x, y = next(iter(make_dataset(images, labels, batch_size=6, normalisation="unit", targets=targets)))
    assert np.allclose(np.asarray(y), targets)


def test_the_log_says_how_the_teachers_are_weighted_and_asked(capsys):
    from training.train import load_teacher, parse_args

    teacher = "models/scratch_cnn.keras"
    distill = load_teacher(parse_args(["--model", "scratch_cnn", "--data", "x", "--distill-from", teacher, teacher,
                                       "--distill-weights", "0.7", "0.3", "--distill-cached"]))
    assert distill.weights == (0.7, 0.3)
    assert "(alpha 0.5, T 2.0, weighted 0.7 : 0.3, asked once per face)" in capsys.readouterr().out


def test_identity_augmentation_is_the_identity():
    from training.pipeline import random_affine

    images = np.random.default_rng(0).random((4, 48, 48, 1)).astype(np.float32)
    same = random_affine(images, AugmentConfig(rotation_deg=0, shift=0, shear=0, zoom=0, flip=False))
    assert np.allclose(np.asarray(same), images, atol=1e-5)


def test_photometric_jitter_changes_light_contrast_and_sharpness_within_range(astronaut_face):
    import cv2
    import tensorflow as tf

    from training.pipeline import photometric

    face = cv2.resize(cv2.cvtColor(astronaut_face, cv2.COLOR_BGR2GRAY), (48, 48)).astype("float32")
    batch = tf.constant(np.repeat(face[None, :, :, None], 64, axis=0))
    off = photometric(batch, AugmentConfig()).numpy()
    assert np.array_equal(off, batch.numpy())  # every jitter off: the faces are untouched
    lit = photometric(batch, AugmentConfig(brightness=0.4)).numpy()
    gains = lit.reshape(64, -1).mean(1) / face.mean()
    assert 0 <= lit.min() and lit.max() <= 255 and gains.min() < 0.9 and gains.max() > 1.1
    blurred = photometric(batch, AugmentConfig(low_res=1.0)).numpy()
    sharpness = [cv2.Laplacian(image[:, :, 0], cv2.CV_32F).var() for image in blurred]
    assert max(sharpness) < cv2.Laplacian(face, cv2.CV_32F).var()  # every face seen at a lower resolution


def test_one_epoch_smoke_training_writes_model_card_and_reports(kaggle_layout, tmp_path, astronaut_face):
    from training.train import main as train

    out, reports = tmp_path / "models", tmp_path / "reports"
    code = train(["--model", "scratch_cnn", "--data", str(kaggle_layout), "--out", str(out), "--run-dir",
                  str(tmp_path / "run"), "--reports", str(reports), "--epochs", "1", "--batch-size", "16",
                  "--width", "4", "--warmup-epochs", "0"])
    assert code == 0
    card = json.loads((out / "scratch_cnn.json").read_text())
    assert card["labels"] == list(EMOTIONS) and card["init"] == "random"
    assert card["training"]["seed"] == 1234 and "python -m training.train" in card["training"]["command"]
    for split in ("PublicTest", "PrivateTest"):
        metrics = card["metrics"][split]
        assert 0 <= metrics["accuracy"] <= 1 and set(metrics["per_class_recall"]) == set(EMOTIONS)
        assert np.array(metrics["confusion_matrix"]).sum() == PER_CLASS[split] * 7
    calibration = card["calibration"]
    assert calibration["fitted_on"] == "PublicTest" and 0.05 <= calibration["temperature"] <= 20
    assert 0 <= calibration["PrivateTest"]["ece_after"] <= 1
    for name in ("curves.png", "confusion_PublicTest.png", "confusion_PrivateTest.png", "class_distribution.png",
                 "samples.png", "classification_report.json", "reliability.png"):
        assert (reports / name).is_file(), name
    # The written model loads in the app through the registry.
    from emotion_desktop.backends import load_backend

    backend = load_backend("scratch_cnn", out)
    assert backend.available and backend.predict([astronaut_face]).shape == (1, 7)
    # Resume: a finished run resumes to the same result without training again.
    assert train(["--model", "scratch_cnn", "--data", str(kaggle_layout), "--out", str(out), "--run-dir",
                  str(tmp_path / "run"), "--reports", str(reports), "--epochs", "1", "--batch-size", "16",
                  "--width", "4", "--warmup-epochs", "0", "--resume"]) == 0
    resumed = json.loads((out / "scratch_cnn.json").read_text())["training"]
    assert resumed["command"] == card["training"]["command"] and "--resume" not in resumed["command"]
    assert len(resumed["resumed_with"]) == 1 and resumed["resumed_with"][0].endswith("--resume")
    # Continue: a second run starts from the written model's weights and its card records the lineage.
    import keras

    from training.build import build_model
    from training.train import load_init_weights, parse_args

    parent = keras.models.load_model(out / "scratch_cnn.keras", compile=False)
    child = build_model(parse_args(["--model", "scratch_cnn", "--data", "x", "--width", "4"]))
    load_init_weights(child, out / "scratch_cnn.keras")
    assert all(np.array_equal(a, b) for a, b in zip(child.get_weights(), parent.get_weights()))
    wider = build_model(parse_args(["--model", "scratch_cnn", "--data", "x", "--width", "8"]))
    with pytest.raises(SystemExit, match="architecture differs"):
        load_init_weights(wider, out / "scratch_cnn.keras")
    continued = tmp_path / "continued"
    assert train(["--model", "scratch_cnn", "--data", str(kaggle_layout), "--out", str(continued), "--run-dir",
                  str(tmp_path / "run2"), "--reports", str(tmp_path / "reports2"), "--epochs", "1",
                  "--batch-size", "16", "--width", "4", "--warmup-epochs", "0",
                  "--init-from", str(out / "scratch_cnn.keras"),
                  "--distill-from", str(out / "scratch_cnn.keras"), "--distill-flip"]) == 0
    child_card = json.loads((continued / "scratch_cnn.json").read_text())
    lineage = child_card["training"]["continued_from"]
    assert child_card["init"] == "random" and lineage["model"] == str(out / "scratch_cnn.keras")
    assert lineage["training"]["command"] == card["training"]["command"]
    assert lineage["metrics"]["PublicTest"]["accuracy"] == card["metrics"]["PublicTest"]["accuracy"]
    from emotion_desktop.backends.runners import file_digest

    teacher_digest = file_digest(out / "scratch_cnn.keras")
    assert child_card["training"]["distillation"] == {
        "teacher": str(out / "scratch_cnn.keras"), "teachers": [str(out / "scratch_cnn.keras")], "flip": True,
        "alpha": 0.5, "temperature": 2.0, "weights": [1.0], "cached": False, "teacher_records": [
            {"model": str(out / "scratch_cnn.keras"), "keras_digest": teacher_digest,
             "finished": card["training"]["finished"], "PublicTest_accuracy": card["metrics"]["PublicTest"]["accuracy"],
             "PrivateTest_accuracy": card["metrics"]["PrivateTest"]["accuracy"]}]}
    # The lineage is the parent as it was when the run began, even if its card is replaced meanwhile.
    (out / "scratch_cnn.json").write_text(json.dumps({**card, "metrics": {}, "init": "replaced"}))
    resume = ["--model", "scratch_cnn", "--data", str(kaggle_layout), "--out", str(continued), "--run-dir",
              str(tmp_path / "run2"), "--reports", str(tmp_path / "reports2"), "--epochs", "1", "--batch-size", "16",
              "--width", "4", "--warmup-epochs", "0", "--init-from", str(out / "scratch_cnn.keras"), "--resume"]
    with pytest.raises(SystemExit, match="began with --distill-from"):
        train(resume)  # without its teacher the rest of the run would learn something else
    with pytest.raises(SystemExit, match=r"began with other settings: --lr 0.002 \(now 0.0005\)"):
        train(resume + ["--distill-from", str(out / "scratch_cnn.keras"), "--distill-flip", "--lr", "5e-4"])
    resume += ["--distill-from", str(out / "scratch_cnn.keras"), "--distill-flip"]
    assert train(resume) == 0
    again = json.loads((continued / "scratch_cnn.json").read_text())
    assert again["init"] == "random" and again["training"]["continued_from"]["metrics"] == lineage["metrics"]
    # ...and so are its teachers: the file was replaced, the record still names the one that taught.
    assert again["training"]["distillation"]["teacher_records"][0]["keras_digest"] == teacher_digest
    import shutil

    shutil.copyfile(continued / "scratch_cnn.keras", out / "scratch_cnn.keras")  # another model at that path
    with pytest.raises(SystemExit, match="is not the file this run began with"):
        train(resume)


def test_evaluate_prints_the_metrics(kaggle_layout, tmp_path, capsys):
    from tests.conftest import build_tiny_model, tiny_card, write_model
    from training.evaluate import main as evaluate

    write_model(tmp_path, "scratch_cnn", build_tiny_model(peak=3), tiny_card("scratch_cnn"))
    code = evaluate(["--model", str(tmp_path / "scratch_cnn.keras"), "--data", str(kaggle_layout),
                     "--split", "PrivateTest", "--tta", "--json", str(tmp_path / "m.json")])
    out = capsys.readouterr().out
    assert code == 0
    assert "accuracy 14.29%" in out  # always "happy": 3 of 21
    assert "recall" in out and "confusion matrix" in out and "flip TTA" in out
    metrics = json.loads((tmp_path / "m.json").read_text())
    assert metrics["per_class_recall"]["happy"] == 1.0 and metrics["per_class_recall"]["sad"] == 0.0


def test_evaluate_remaps_a_permuted_card(kaggle_layout, tmp_path, capsys):
    from tests.conftest import ALPHABETICAL, build_tiny_model, tiny_card, write_model
    from training.evaluate import main as evaluate

    # Unit 5 means ALPHABETICAL[5] == "sad" under this card: every face is called sad.
    write_model(tmp_path, "scratch_cnn", build_tiny_model(peak=5), tiny_card("scratch_cnn", ALPHABETICAL))
    evaluate(["--model", str(tmp_path / "scratch_cnn.keras"), "--data", str(kaggle_layout),
              "--json", str(tmp_path / "m.json")])
    recall = json.loads((tmp_path / "m.json").read_text())["per_class_recall"]
    assert recall["sad"] == 1.0 and recall["surprise"] == 0.0


# ---- ResNet50V2 transfer recipe (issue 4) -----------------------------------------------------

@pytest.fixture(scope="module")
def small_resnet():
    from training.models import build_resnet50v2

    return build_resnet50v2(backbone_size=32, weights=None, trainable_top_layers=50)


def test_resnet_recipe_freezes_all_but_the_top_layers(small_resnet):
    from training.models import backbone_of, set_backbone_trainable

    backbone = backbone_of(small_resnet)
    trainable = [layer.trainable for layer in backbone.layers]
    assert sum(trainable) == 50 and all(trainable[-50:])
    set_backbone_trainable(small_resnet, 0)
    assert not any(layer.trainable for layer in backbone.layers)
    set_backbone_trainable(small_resnet, None)
    assert all(layer.trainable for layer in backbone.layers)
    assert small_resnet.input_shape[1:] == (48, 48, 1)  # upscaling and gray->RGB happen in-graph


def test_resnet_trains_a_step_and_round_trips_in_float16(small_resnet, tmp_path):
    import keras

    from training.storage import save_float16

    small_resnet.compile(optimizer=keras.optimizers.AdamW(1e-3), loss="categorical_crossentropy")
    x = np.random.default_rng(0).uniform(-1, 1, (8, 48, 48, 1)).astype(np.float32)
    y = np.eye(7, dtype=np.float32)[np.arange(8) % 7]
    before = [w.copy() for w in small_resnet.get_weights()]
    small_resnet.train_on_batch(x, y)
    assert any(not np.array_equal(a, b) for a, b in zip(before, small_resnet.get_weights()))
    full, half = tmp_path / "full.keras", tmp_path / "half.keras"
    small_resnet.save(full)
    save_float16(small_resnet, half)
    assert half.stat().st_size < 0.6 * full.stat().st_size
    restored = keras.models.load_model(half, compile=False)
    assert restored.weights[0].dtype == "float32"  # loads as a float32 model
    expected = small_resnet(x, training=False).numpy()
    assert np.abs(restored(x, training=False).numpy() - expected).max() < 2e-2


def test_missing_or_mismatched_local_weights_are_clear_errors(tmp_path):
    from training.build import build_model
    from training.train import parse_args

    args = parse_args(["--model", "resnet50v2", "--data", str(tmp_path), "--weights", str(tmp_path / "no.h5"),
                       "--input-size", "32"])
    with pytest.raises(SystemExit, match="no such file"):
        build_model(args)
    wrong = tmp_path / "wrong.h5"
    from tests.conftest import build_tiny_model

    build_tiny_model().save_weights(str(tmp_path / "wrong.weights.h5"))
    os.replace(tmp_path / "wrong.weights.h5", wrong)
    args.weights = str(wrong)
    with pytest.raises(SystemExit, match="does not fit ResNet50V2"):
        build_model(args)


def test_resnet_stage_plan_follows_the_recipe(tmp_path):
    from training.train import parse_args, plan_stages

    pretrained = plan_stages(parse_args(["--model", "resnet50v2", "--data", str(tmp_path), "--weights", "imagenet",
                                         "--epochs", "10", "--lr", "1e-3"]))
    assert [(s.name, s.epochs, s.trainable_top_layers) for s in pretrained] == [("frozen_backbone", 3, 0),
                                                                                ("fine_tune", 7, 50)]
    assert pretrained[1].lr == pytest.approx(1e-4)  # stage 2 at a lower learning rate
    scratch = plan_stages(parse_args(["--model", "resnet50v2", "--data", str(tmp_path), "--epochs", "10"]))
    assert [(s.name, s.epochs, s.trainable_top_layers) for s in scratch] == [("fine_tune", 10, None)]


def test_a_finished_run_ships_with_its_reports_and_only_if_publictest_improves(tmp_path, capsys):
    from emotion_desktop.backends import load_backend
    from emotion_desktop.backends.runners import file_digest
    from tests.conftest import build_tiny_model, tiny_card, write_model
    from training.ship import main as ship

    def finished_run(folder, public, private, peak):
        reports = folder / "reports"
        reports.mkdir(parents=True)
        (reports / "curves.png").write_bytes(b"png of " + folder.name.encode())
        write_model(folder / "models", "scratch_cnn", build_tiny_model(peak=peak), tiny_card(
            "scratch_cnn", reports=str(reports),
            metrics={"PublicTest": {"accuracy": public}, "PrivateTest": {"accuracy": private}}))
        return folder / "models" / "scratch_cnn.keras"

    models, reports = tmp_path / "repo" / "models", tmp_path / "repo" / "reports"
    first = finished_run(tmp_path / "run1", 0.60, 0.61, peak=3)
    assert ship([str(first), "--models", str(models), "--reports", str(reports)]) == 0
    shipped = json.loads((models / "scratch_cnn.json").read_text())
    assert shipped["reports"] == (reports / "scratch_cnn").as_posix()
    assert (reports / "scratch_cnn" / "curves.png").read_bytes() == b"png of run1"
    assert file_digest(models / "scratch_cnn.keras") == file_digest(first)
    (reports / "scratch_cnn" / "old_only.png").write_bytes(b"from an older model")

    worse = finished_run(tmp_path / "run2", 0.59, 0.70, peak=4)  # better PrivateTest must not tempt it
    assert ship([str(worse), "--models", str(models), "--reports", str(reports)]) == 1
    assert "59.00% does not beat the shipped model's 60.00%" in capsys.readouterr().err
    assert file_digest(models / "scratch_cnn.keras") == file_digest(first)  # nothing was touched

    (models / "scratch_cnn.onnx").write_bytes(b"the ONNX file of a model shipped earlier")
    better = finished_run(tmp_path / "run3", 0.62, 0.63, peak=5)
    assert ship([str(better), "--models", str(models), "--reports", str(reports)]) == 0
    assert "PublicTest 60.00% -> 62.00%; PrivateTest 63.00%" in capsys.readouterr().out
    assert (reports / "scratch_cnn" / "curves.png").read_bytes() == b"png of run3"
    assert not (reports / "scratch_cnn" / "old_only.png").exists()
    assert not (models / "scratch_cnn.onnx").exists()  # the new run has none: the old one must not stay
    assert ship([str(models / "scratch_cnn.keras"), "--models", str(models), "--force"]) == 1  # onto itself
    assert "already the shipped file" in capsys.readouterr().err
    assert (reports / "scratch_cnn" / "curves.png").read_bytes() == b"png of run3"
    backend = load_backend("scratch_cnn", models)  # the app loads what shipped: it says "surprise" (unit 5)
    assert backend.available and int(np.argmax(backend.predict([np.zeros((48, 48), np.uint8)]))) == 5


def test_shipping_refuses_an_onnx_file_of_another_model(tmp_path, capsys):
    from tests.conftest import build_tiny_model, tiny_card, write_model
    from training.ship import main as ship

    (tmp_path / "reports").mkdir()
    write_model(tmp_path, "scratch_cnn", build_tiny_model(), tiny_card(
        "scratch_cnn", reports=str(tmp_path / "reports"), metrics={"PublicTest": {"accuracy": 0.6}},
        onnx={"file": "scratch_cnn.onnx", "keras_digest": "not this file"}))
    (tmp_path / "scratch_cnn.onnx").write_bytes(b"stale")
    assert ship([str(tmp_path / "scratch_cnn.keras"), "--models", str(tmp_path / "repo")]) == 1
    assert "was exported from another file" in capsys.readouterr().err
    assert not (tmp_path / "repo").exists()

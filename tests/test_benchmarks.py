"""The benchmark scripts run end to end on small generated inputs (their figures come from real runs)."""

import pytest

from benchmarks import face_following, live, model_costs
from emotion_desktop.backends import load_backend
from tests.conftest import requires_dataset, requires_media


def test_face_following_reports_the_followed_face(face_video, capsys):
    assert face_following.main(["--video", str(face_video)]) == 0
    line = capsys.readouterr().out
    assert "same face 23, missed 0" in line and "found where the full pass found none 0" in line


def test_live_benchmark_runs_the_pipeline(face_video, tiny_models_dir):
    backend = load_backend("scratch_cnn", tiny_models_dir)
    stats = live.run_pipeline(face_video, [backend], seconds=60, detect_every=6, max_frames=40)
    assert stats["frames"] == 40 and stats["faces_per_frame"] == 1.0 and stats["fps"] > 0
    assert stats["p95"]["total"] >= stats["p50"]["total"] > 0 and stats["size"] == (320, 240)
    assert "Scratch CNN" in live.format_row("Scratch CNN", stats)


def test_model_costs_measures_the_scratch_cnn_at_the_width_training_builds(capsys):
    from training.models import build_scratch_cnn

    assert model_costs.main(["--sizes", "--widths", "8", "--batch", "4", "--steps", "1"]) == 0
    line = capsys.readouterr().out.splitlines()[-1]
    params = build_scratch_cnn(widths=(8, 16, 32, 64)).count_params()  # what `train --width 8` trains
    assert line.startswith(f"scratch CNN width   8 float32 ({params:,} parameters): train step ")
    assert "per-face batch 1: ONNX Runtime " in line and " min/epoch" in line


def test_detection_matching_counts_each_face_once_and_frames_differ_in_framing():
    from benchmarks.detection import match

    truth = [(100, 100, 50, 50), (300, 100, 60, 60)]
    tall = (95, 90, 60, 75)  # an MTCNN-style taller box around the first face
    assert match([tall, (101, 101, 48, 48), (500, 400, 40, 40)], truth) == (1, 2)  # a duplicate and a stray
    assert match([], truth) == (0, 0)


@requires_media()
def test_detection_benchmark_scores_the_verified_faces_with_haar(capsys):
    from benchmarks.detection import main

    assert main(["--only", "haar", "--fer-limit", "10"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# ") and "cores" in out.splitlines()[0]  # which CPU the times come from
    row, crops = [line for line in out.splitlines() if line.startswith("| haar")]
    found, faces = row.split("|")[2].strip().split("/")
    assert faces == "39" and 30 <= int(found) <= 39
    assert float(row.split("|")[7]) > 0  # detection ms per frame of a real clip through the pipeline
    tight_crops = [float(cell) for cell in crops.split("|")[6:8]]  # crop x1.0 and x1.2, percent found
    assert all(0 < share <= 100 for share in tight_crops)


@requires_dataset()
@requires_media()
def test_robustness_suite_scores_every_model_per_condition(tmp_path, capsys):
    import json

    from benchmarks.robustness import main

    report = tmp_path / "robustness.json"
    assert main(["--limit", "20", "--only", "direct", "whole 400 px", "blur", "--json", str(report)]) == 0
    table = json.loads(report.read_text())
    assert set(table["accuracy"]) == {"direct", "whole 400 px", "blur"}
    assert {"scratch_cnn", "face_expression_net"} <= set(table["mean"])
    assert all(0 <= share <= 1 for row in table["accuracy"].values() for share in row.values())
    assert table["accuracy"]["direct"]["found"] == 1.0  # a 48 px crop is a face by definition
    assert 0 < table["agreement_with_face_expression_net"]["scratch_cnn"] < 1
    assert "| **mean** |" in capsys.readouterr().out


def test_crop_framing_levels_a_tilted_face_with_blazefaces_eyes(astronaut_bgr):
    import cv2

    from benchmarks.crop_framing import crop_levelled
    from emotion_desktop.detectors.blazeface import BlazeFaceDetector

    detector = BlazeFaceDetector()
    centre = (astronaut_bgr.shape[1] / 2, astronaut_bgr.shape[0] / 2)
    tilted = cv2.warpAffine(astronaut_bgr, cv2.getRotationMatrix2D(centre, -25, 1.0), astronaut_bgr.shape[1::-1],
                            borderMode=cv2.BORDER_REPLICATE)
    face = detector.detect(tilted)[0]
    levelled = crop_levelled(tilted, face.box, face.roll)
    assert levelled.shape[:2] == (face.box[3], face.box[2])
    again = detector.detect(cv2.copyMakeBorder(levelled, 80, 80, 80, 80, cv2.BORDER_REPLICATE))
    assert abs(face.roll) > 20 and len(again) == 1 and abs(again[0].roll) < abs(face.roll) / 3


@pytest.mark.parametrize(("vendor", "family", "model", "expected"), [
    ("AuthenticAMD", 25, 1, "Zen 3"), ("AuthenticAMD", 25, 0x11, "Zen 4"), ("AuthenticAMD", 25, 0x61, "Zen 4"),
    ("AuthenticAMD", 26, 2, "Zen 5"), ("GenuineIntel", 6, 143, None)])
def test_benchmark_headers_tell_amd_generations_apart(vendor, family, model, expected):
    """A virtual machine calls every EPYC "AMD EPYC"; speed figures need the generation."""
    from emotion_desktop.environment import cpu_generation

    first_cpu = f"processor\t: 0\nvendor_id\t: {vendor}\ncpu family\t: {family}\nmodel\t\t: {model}\nmodel name\t: X\n"
    assert cpu_generation(first_cpu + "\nprocessor\t: 1\nvendor_id\t: other\n") == expected


@requires_media()
def test_live_cost_measures_this_checkout_against_an_earlier_one(capsys):
    import shutil
    import subprocess

    from benchmarks.live_cost import REPO, main
    from tests.conftest import MEDIA

    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("the benchmark checks out earlier revisions: needs git and a git checkout")

    def worktrees() -> list[str]:
        return subprocess.run(["git", "worktree", "list"], cwd=REPO, capture_output=True, text=True).stdout.splitlines()

    before = worktrees()
    assert main(["--against", "HEAD", "--rounds", "1", "--media", str(MEDIA)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# ") and "cores" in out.splitlines()[0]
    rows = [line.split("|")[2:4] for line in out.splitlines() if line.startswith(("| one face", "| audience",
                                                                                   "| no face"))]
    assert len(rows) == 3
    assert all(0 < float(low) <= float(high) for cells in rows for low, high in (cell.split("–") for cell in cells))
    assert worktrees() == before  # the temporary checkout is gone

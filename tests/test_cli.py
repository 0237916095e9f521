import json
import shutil
import subprocess
import sys

import numpy as np

from emotion_desktop.cli import main
from emotion_desktop.labels import EMOTIONS


def run_cli(args, capsys):
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_predict_image_writes_deepface_shaped_json(tiny_models_dir, odd_images, tmp_path, capsys):
    out = tmp_path / "out.json"
    code, _, err = run_cli(["predict", str(odd_images["rgba"]), "--model", "scratch_cnn", "--json", str(out),
                            "--models-dir", str(tiny_models_dir)], capsys)
    assert code == 0, err
    data = json.loads(out.read_text())
    assert len(data) == 1 and data[0]["file"].endswith("alpha.png") and data[0]["type"] == "image"
    faces = data[0]["frames"][0]["faces"]
    assert len(faces) == 1 and faces[0]["model"] == "scratch_cnn"
    assert list(faces[0]["emotion"]) == list(EMOTIONS)


def test_predict_to_stdout_and_video_every_nth_frame(tiny_models_dir, face_video, capsys):
    code, out, err = run_cli(["predict", str(face_video), "--every", "5", "--json", "-",
                              "--models-dir", str(tiny_models_dir)], capsys)
    assert code == 0, err
    data = json.loads(out)
    frames = [f["frame"] for f in data[0]["frames"]]
    assert data[0]["type"] == "video" and frames == [0, 5, 10, 15, 20]
    assert all(len(f["faces"]) == 1 for f in data[0]["frames"])


def test_folder_expands_to_one_entry_per_image(tiny_models_dir, odd_images, tmp_path, capsys):
    folder = tmp_path / "imgs"
    folder.mkdir()
    for key in ("gray", "crop48", "noface"):
        shutil.copy(odd_images[key], folder)
    code, out, err = run_cli(["predict", str(folder), "--json", "-", "--models-dir", str(tiny_models_dir)], capsys)
    assert code == 0, err
    data = {entry["file"].rsplit("/", 1)[1]: entry for entry in json.loads(out)}
    assert set(data) == {"gray.png", "fer_crop.png", "noface.png"}
    assert data["fer_crop.png"]["frames"][0]["faces"][0]["whole_image"] is True
    assert data["noface.png"]["frames"][0]["faces"] == []


def test_unreadable_input_fails_with_one_line_and_keeps_other_results(tiny_models_dir, bad_files, odd_images,
                                                                      capsys):
    code, out, err = run_cli(["predict", str(bad_files["truncated"]), str(odd_images["gray"]), "--json", "-",
                              "--models-dir", str(tiny_models_dir)], capsys)
    assert code == 1
    assert err.strip().count("\n") == 0 and "truncated.jpg" in err
    data = json.loads(out)
    assert {e.get("file", "").rsplit("/", 1)[-1] for e in data} == {"truncated.jpg", "gray.png"}
    assert any("error" in entry for entry in data)


def test_unavailable_model_exits_non_zero(tmp_path, odd_images, capsys):
    code, out, err = run_cli(["predict", str(odd_images["gray"]), "--model", "resnet50v2",
                              "--models-dir", str(tmp_path)], capsys)
    assert code == 2 and out == ""
    (line,) = err.splitlines()  # one line: which model, what is missing
    assert line.startswith("emotion-desktop: ResNet50V2") and str(tmp_path) in line


def test_a_file_error_is_said_once_in_terminal_words(tmp_path, odd_images, bad_files, tiny_models_dir, capsys):
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    code, out, err = run_cli(["predict", str(bad_files["truncated"]), str(empty), str(odd_images["gray"]),
                              "--models-dir", str(tiny_models_dir)], capsys)
    assert code == 1
    lines = err.splitlines()
    assert [line.count("truncated.jpg") for line in lines if "truncated" in line] == [1]  # no path, then name again
    assert any("empty.mp4 is empty" in line for line in lines)
    assert "choose" not in err and "Models ->" not in err  # not the window's wording
    assert "truncated.jpg: not analysed" in out and "gray.png" in out


def test_model_all_names_the_unavailable_and_runs_the_rest(tiny_models_dir, odd_images, capsys):
    code, out, err = run_cli(["predict", str(odd_images["gray"]), "--model", "all", "--json", "-",
                              "--models-dir", str(tiny_models_dir)], capsys)
    assert code == 0
    assert "ResNet50V2 is skipped" in err and "DeepFace is skipped" in err and "Models ->" not in err
    models = {face["model"] for face in json.loads(out)[0]["frames"][0]["faces"]}
    assert models == {"scratch_cnn"}


def test_annotate_writes_side_by_side_panels_and_csv(tiny_models_dir, deepface_weights, odd_images, tmp_path,
                                                     capsys):
    import cv2

    outdir = tmp_path / "annotated"
    code, _, err = run_cli(["predict", str(odd_images["gray"]), "--model", "all", "--json", str(tmp_path / "o.json"),
                            "--annotate", str(outdir), "--models-dir", str(tiny_models_dir)], capsys)
    assert code == 0, err
    panel = cv2.imread(str(outdir / "gray.annotated.png"))
    source = cv2.imread(str(odd_images["gray"]))
    assert panel.shape[0] == source.shape[0] and panel.shape[1] == 2 * source.shape[1]  # CNN | DeepFace
    rows = (outdir / "results.csv").read_text().splitlines()
    assert len(rows) == 3 and rows[0].startswith("source,frame")


def test_annotate_writes_an_annotated_video_frame_for_frame(tiny_models_dir, face_video, tmp_path, capsys):
    import cv2

    outdir = tmp_path / "annotated"
    code, _, err = run_cli(["predict", str(face_video), "--model", "scratch_cnn", "--annotate", str(outdir),
                            "--models-dir", str(tiny_models_dir)], capsys)
    assert code == 0, err
    written = outdir / "face.annotated.mp4"
    assert f"annotated video {written}" in err
    source, annotated = cv2.VideoCapture(str(face_video)), cv2.VideoCapture(str(written))
    count = int(source.get(cv2.CAP_PROP_FRAME_COUNT))
    assert int(annotated.get(cv2.CAP_PROP_FRAME_COUNT)) == count == 24
    assert annotated.get(cv2.CAP_PROP_FPS) == source.get(cv2.CAP_PROP_FPS)
    (_ok, original), (_ok2, drawn) = source.read(), annotated.read()
    assert drawn.shape == original.shape
    assert np.abs(drawn.astype(int) - original.astype(int)).max() > 100  # the box and label are drawn on it
    summary = json.loads((outdir / "results.json").read_text())[0]["summary"]
    assert summary[0]["frames"] == count


def test_annotate_without_json_keeps_stdout_clean_and_names_unavailable_models_once(tiny_models_dir, odd_images,
                                                                                 tmp_path, capsys):
    outdir = tmp_path / "annotated"
    code, out, err = run_cli(["predict", str(odd_images["gray"]), "--model", "all", "--annotate", str(outdir),
                              "--models-dir", str(tiny_models_dir)], capsys)
    assert code == 0, err
    assert out == ""  # the JSON goes beside the annotated images, not into the terminal
    assert json.loads((outdir / "results.json").read_text())[0]["frames"]
    assert err.count("DeepFace is skipped") == 1 and err.count("ResNet50V2 is skipped") == 1


def test_video_analysis_follows_faces_like_a_full_search(tiny_models_dir, face_video, tmp_path, capsys):
    """Every frame analysed either way; following finds the face wherever the full search does."""
    results = {}
    for label, extra in (("follow", []), ("full", ["--full-search"])):
        out = tmp_path / f"{label}.json"
        code, _, err = run_cli(["predict", str(face_video), "--json", str(out), "--models-dir", str(tiny_models_dir),
                                *extra], capsys)
        assert code == 0, err
        results[label] = json.loads(out.read_text())[0]["frames"]
    assert len(results["follow"]) == len(results["full"]) == 24
    for followed, searched in zip(results["follow"], results["full"]):
        assert len(followed["faces"]) == len(searched["faces"]) == 1


def test_models_command_lists_every_backend(tiny_models_dir, capsys):
    code, out, _ = run_cli(["models", "--models-dir", str(tiny_models_dir)], capsys)
    assert code == 0
    assert "scratch_cnn" in out and "available" in out and "resnet50v2" in out and "unavailable" in out


def test_console_entry_point_runs():
    result = subprocess.run([sys.executable, "-m", "emotion_desktop.cli", "predict", "--help"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and "--model" in result.stdout


def test_predict_prints_a_short_table_unless_json_is_asked_for(tiny_models_dir, odd_images, face_video, capsys):
    code, out, err = run_cli(["predict", str(odd_images["gray"]), str(face_video), "--models-dir",
                              str(tiny_models_dir)], capsys)
    assert code == 0, err
    lines = out.splitlines()
    # the tiny test model is never sure: its answers carry the reason (the shipped one's mostly do not)
    assert lines[0].startswith("gray.png: face 1 of 1 at x=") and "CNN: " in lines[0]
    assert lines[0].endswith("% (uncertain: model unsure)")
    assert lines[1] == "face.mp4: 24 frames analysed, 1 face(s) tracked"
    assert lines[2].startswith("  face #1, seen 0.0-1.5 s: CNN: mostly ")
    assert lines[2].endswith("of the answered time; uncertain 100% of the time)")
    assert len(lines) == 3 and "{" not in out  # no JSON unless asked for


def test_a_failing_annotate_run_writes_nothing_and_a_photo_says_where_its_png_went(tiny_models_dir, odd_images,
                                                                                    bad_files, tmp_path, capsys):
    outdir = tmp_path / "annotated"
    code, out, err = run_cli(["predict", str(bad_files["truncated"]), str(tmp_path / "missing.jpg"),
                              "--annotate", str(outdir), "--models-dir", str(tiny_models_dir)], capsys)
    assert code == 1 and out == ""
    assert not outdir.exists()  # no folder of header-only CSVs for a run that analysed nothing
    code, _out, err = run_cli(["predict", str(odd_images["gray"]), "--annotate", str(outdir),
                               "--models-dir", str(tiny_models_dir)], capsys)
    assert code == 0 and f"annotated image {outdir / 'gray.annotated.png'}" in err

import json

from tests.conftest import build_tiny_model, tiny_card, write_model


def test_compare_on_tiny_data_with_two_tiny_models(kaggle_layout, tmp_path, monkeypatch):
    from training.compare import README_END, README_START
    from training.compare import main as compare

    models = tmp_path / "models"
    write_model(models, "scratch_cnn", build_tiny_model(peak=3),
                tiny_card("scratch_cnn", metrics={"PrivateTest": {"accuracy": 3 / 21}}))
    write_model(models, "resnet50v2", build_tiny_model(peak=4), tiny_card("resnet50v2"))
    monkeypatch.setenv("DEEPFACE_HOME", str(tmp_path / "no-deepface"))  # DeepFace's weights are absent
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{README_START}\nold table\n{README_END}\noutro\n")
    out = tmp_path / "docs"
    code = compare(["--data", str(kaggle_layout), "--models-dir", str(models), "--out", str(out),
                    "--readme", str(readme)])
    assert code == 0
    document = (out / "model-comparison.md").read_text()
    table = [line for line in document.splitlines() if line.startswith("|")]
    assert len(table) == 2 + 4  # header, rule, one row per backend
    assert "| Scratch CNN |" in table[2] and "| ResNet50V2 |" in table[3] and "| DeepFace |" in table[4]
    assert "| FaceExpressionNet |" in table[5] and "unavailable" in table[5]  # not in this models folder
    # each constant model scores 3 of 21 on the balanced tiny split; a card without figures takes them
    assert "| 14.3% |" in table[2] and "| 14.3% |" in table[3]
    card = json.loads((models / "resnet50v2.json").read_text())
    assert card["metrics"]["PrivateTest"]["accuracy"] == round(3 / 21, 4)
    assert "| 75 |" in table[3] and " MB |" in table[3]  # parameters and file size measured too
    assert "57.4% (published, not measured here)" in table[4] and "stand-in weights" in table[4]
    assert "DeepFace** is unavailable here" in document and "facial_expression_model_weights.h5" in document
    for name in ("comparison_confusion.png", "comparison_recall.png", "model-comparison.json"):
        assert (out / name).is_file()
    readme_text = readme.read_text()
    assert "old table" not in readme_text and "| Scratch CNN |" in readme_text and readme_text.endswith("outro\n")
    card = json.loads((models / "scratch_cnn.json").read_text())
    assert card["latency_ms"]["batch1"] > 0 and card["load_seconds"] > 0  # measured speed goes into the card


def test_compare_flags_a_card_that_disagrees_with_the_measurement(kaggle_layout, tmp_path, monkeypatch, capsys):
    from training.compare import main as compare

    models = tmp_path / "models"
    write_model(models, "scratch_cnn", build_tiny_model(peak=3),
                tiny_card("scratch_cnn", metrics={"PrivateTest": {"accuracy": 0.9}}))
    monkeypatch.setenv("DEEPFACE_HOME", str(tmp_path / "no-deepface"))
    code = compare(["--data", str(kaggle_layout), "--models-dir", str(models), "--out", str(tmp_path / "docs"),
                    "--readme", str(tmp_path / "none.md")])
    assert code == 1
    assert "card says 90.00%" in capsys.readouterr().err


def test_the_readme_table_and_the_models_dialog_show_the_card_figure(tmp_path, monkeypatch):
    """One source: a card that says 63.25 % reads the same in the README table and in the window."""
    from emotion_desktop.model_info import comparison_rows
    from training.compare import README_END, README_START
    from training.compare import main as compare

    models = tmp_path / "models"
    write_model(models, "resnet50v2", build_tiny_model(peak=4),
                tiny_card("resnet50v2", metrics={"PublicTest": {"accuracy": 0.6325},
                                                 "PrivateTest": {"accuracy": 0.6453}}))
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "model-comparison.json").write_text(json.dumps([
        {"name": "resnet50v2", "latency_ms": {"batch1": 10.3, "batch8_per_face": 5.41},
         "metrics": {"PublicTest": {"accuracy": 0.6326}}}]))  # the last measurement differs in the 4th digit
    monkeypatch.setenv("DEEPFACE_HOME", str(tmp_path / "no-deepface"))
    readme = tmp_path / "README.md"
    readme.write_text(f"{README_START}\nold\n{README_END}\n")
    assert compare(["--cards-only", "--models-dir", str(models), "--out", str(tmp_path / "docs"),
                    "--readme", str(readme)]) == 0
    row = next(line for line in readme.read_text().splitlines() if line.startswith("| ResNet50V2 |"))
    dialog_row = next(r for r in comparison_rows({"resnet50v2": json.loads((models / "resnet50v2.json").read_text())},
                                                 models) if r["name"] == "resnet50v2")
    assert f"| {dialog_row['public_accuracy']} |" in row and dialog_row["public_accuracy"] == "63.2%"
    assert "| 10.30 ms |" in row  # speed from the last measurement

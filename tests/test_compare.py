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
    # each constant model scores 3 of 21 on the balanced tiny split, measured (not read from a card)
    assert "| 14.3% |" in table[2] and "| 14.3% |" in table[3]
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

"""Rough edges a new user hit in the window: each has a test here."""

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from tests.test_gui import photo_folder, wait_for_faces


def test_a_broken_image_in_a_folder_shows_nothing_of_the_previous_one(make_window, qtbot, tmp_path, odd_images,
                                                                      bad_files):
    folder = photo_folder(tmp_path, {"1.png": odd_images["gray"], "2.jpg": bad_files["truncated"],
                                     "3.png": odd_images["rgba"]})
    window = make_window(start=("path", folder))
    wait_for_faces(qtbot, window)
    window.menus.next.trigger()
    qtbot.waitUntil(lambda: "2.jpg" in window.banner.label.text() and window.banner.isVisible(), timeout=10_000)
    assert window.video.image is None and "2.jpg" in window.video.placeholder  # not the previous photo
    assert not window.last_result.faces and window.last_image is None  # nothing to export as this file's
    assert "No result" in window.panel.face_label.text()
    assert all(not values.any() for values in window.panel.chart.values().values())
    assert "2.jpg" in window.log_view.toPlainText()  # per-file errors reach the log
    window.menus.next.trigger()
    qtbot.waitUntil(lambda: window.last_result.image_name == "3.png", timeout=10_000)
    assert not window.banner.isVisible()  # the next good image clears the error


def test_switching_back_to_a_loaded_model_logs_nothing_new(make_window, qtbot, odd_images):
    window = make_window(start=("path", odd_images["gray"]))
    wait_for_faces(qtbot, window)
    ready_lines = window.log_view.toPlainText().count("ready (")
    for checked in (True, False, True, False):
        window.panel.compare_box.setChecked(checked)
        qtbot.wait(100)
    assert window.log_view.toPlainText().count("ready (") == ready_lines == 1


def test_recent_files_that_no_longer_exist_are_dropped(make_window, tmp_path, odd_images):
    window = make_window()
    gone = tmp_path / "gone.png"
    window.state.recent = (str(gone), str(odd_images["gray"]))
    assert window.state.recent_files() == [str(odd_images["gray"])]
    window.menus.fill_recent_menu()
    assert [a.text() for a in window.menus.recent_menu.actions()] == [str(odd_images["gray"])]


def test_exports_start_in_documents_then_where_the_last_export_went(make_window, qtbot, odd_images, tmp_path):
    window = make_window(start=("path", odd_images["gray"]))
    wait_for_faces(qtbot, window)
    assert window.output.export_folder() != odd_images["gray"].parent  # not the media folder of the opened file
    target = tmp_path / "exports"
    target.mkdir()
    assert window.output.write_results(target / "r.json", "json")
    assert window.output.export_folder() == target


def test_models_dialog_table_keeps_words_whole_and_epochs_read_as_numbers(make_window, qtbot):
    from emotion_desktop.gui.models_dialog import ModelsDialog
    from emotion_desktop.model_info import card_markdown

    window = make_window()
    dialog = ModelsDialog(window.models, window)
    qtbot.addWidget(dialog)
    assert not dialog.table.wordWrap()
    header = dialog.table.horizontalHeader()
    assert all(header.sectionSize(c) >= header.sectionSizeHint(c) for c in range(dialog.table.columnCount()))
    text = card_markdown("scratch_cnn", {"training": {"epochs_run": {"train": 32}, "best_epoch": 30}})
    assert "**epochs:** 32 (best 30)" in text and "{" not in text


def test_a_continued_model_describes_every_run_it_took():
    from emotion_desktop.model_info import card_markdown, training_minutes

    first = {"command": "python -m training.train --epochs 10", "epochs_run": {"fine_tune": 10},
             "wall_time_minutes": 94.6, "hardware": "CPU A"}
    training = {"command": "python -m training.train --epochs 16 --init-from models/resnet50v2.keras",
                "resumed_with": ["python -m training.train --epochs 10 --init-from models/resnet50v2.keras --resume"],
                "distillation": {"teacher": "models/scratch_cnn.keras", "alpha": 0.5, "temperature": 2.0},
                "epochs_run": {"fine_tune": 16}, "best_epoch": 15, "wall_time_minutes": 120.0, "hardware": "CPU B",
                "continued_from": {"model": "models/resnet50v2.keras", "init": "random", "training": first,
                                   "total_wall_time_minutes": 94.6,
                                   "metrics": {"PublicTest": {"accuracy": 0.503}}}}
    assert training_minutes(training) == 214.6 and training_minutes(first) == 94.6
    text = card_markdown("resnet50v2", {"init": "random", "training": training})
    assert "**Continued from:** `models/resnet50v2.keras` (init: random; PublicTest 50.3%)" in text
    assert "`python -m training.train --epochs 10`: 10 epochs, 94.6 min on CPU A" in text
    assert "**Whole training:** 215 min" in text
    assert "**Distilled from:** `models/scratch_cnn.keras` (alpha 0.5, T 2.0)" in text
    assert "**Resumed with:** `python -m training.train --epochs 10 --init-from models/resnet50v2.keras --resume`" \
        in text
    training["distillation"]["teacher_records"] = [
        {"model": "models/scratch_cnn.keras", "keras_digest": "0123456789abcdef0123", "finished": "2026-12-01",
         "PublicTest_accuracy": 0.6799}, {"model": "v2.keras"}]
    text = card_markdown("resnet50v2", {"init": "random", "training": training})
    assert ("**Distilled from:** `models/scratch_cnn.keras` (PublicTest 68.0%, 2026-12-01, file 01234567), "
            "`v2.keras` (alpha 0.5, T 2.0)") in text
    training["distillation"].update(weights=[0.65, 0.35], cached=True)
    text = card_markdown("resnet50v2", {"init": "random", "training": training})
    assert "`v2.keras` (alpha 0.5, T 2.0, weighted 0.65 : 0.35, asked once per face)" in text


def test_about_box_describes_each_model_from_its_card():
    from emotion_desktop.backends import read_cards
    from emotion_desktop.model_info import model_summary

    repo_models = Path(__file__).resolve().parent.parent / "models"
    cards = read_cards(repo_models)
    for name, card in cards.items():
        assert card is not None, name
        assert f"initialisation: {card['init']}" in model_summary(name, card)
    assert "transfer" not in model_summary("resnet50v2", cards["resnet50v2"])


def test_fps_readout_counts_frames_and_says_when_paused(make_window, qtbot):
    window = make_window(start=("demo",))  # paced at 30 FPS
    wait_for_faces(qtbot, window)
    qtbot.wait(2500)
    window.update_status()
    # About the source's rate: the 35-50 FPS once shown for this 30 FPS source is impossible; 31.1 was
    # seen in CI under load, when the paced reader caught up a late frame within the 1 s window.
    assert 24 <= window.worker.fps <= 33, window.worker.fps
    window.toggle_pause(True)
    qtbot.wait(1300)
    window.update_status()
    assert window.status.fps_label.text() == "paused" and window.worker.fps == 0.0


def test_frames_reach_qt_with_their_colours_and_their_own_pixels(qtbot):
    import numpy as np
    from PySide6.QtGui import QColor

    from emotion_desktop.gui.worker import to_qimage

    frame = np.zeros((6, 9, 3), np.uint8)
    frame[:, :3] = (0, 0, 255)  # BGR red
    frame[:, 3:6] = (255, 0, 0)  # BGR blue
    image = to_qimage(frame)
    frame[:] = 0  # the QImage owns a copy: the worker reuses its buffers
    assert (image.width(), image.height()) == (9, 6)
    assert image.pixelColor(1, 1) == QColor(255, 0, 0) and image.pixelColor(4, 4) == QColor(0, 0, 255)
    assert image.pixelColor(8, 5) == QColor(0, 0, 0)


def test_evaluate_on_a_folder_runs_off_the_ui_thread_and_shows_scores_and_matrices(make_window, qtbot, tmp_path,
                                                                                   astronaut_bgr):
    import cv2

    face = cv2.resize(astronaut_bgr[40:200, 150:310], (48, 48))
    for emotion in ("happiness", "Sad"):
        (tmp_path / "photos" / emotion).mkdir(parents=True)
        cv2.imwrite(str(tmp_path / "photos" / emotion / "face.png"), face)
    window = make_window()
    dialog = window.evaluate_folder(tmp_path / "photos")
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=60_000)
    assert dialog.table.rowCount() == len(window.state.available_models) >= 1
    assert dialog.table.item(0, 0).text() == "Scratch CNN" and dialog.table.item(0, 1).text().endswith("%")
    assert dialog.table.item(0, 4).text() == "–"  # no angry photos: no recall to show
    assert not dialog.matrices.pixmap().isNull() and dialog.matrices.original.width() > 400
    matrices = dialog.matrices

    def shrunk_to_a_narrow_dialog() -> bool:
        # Narrower than the matrices: they shrink whole instead of scrolling. Asked again on every
        # poll: a geometry change of the dialog's first show can arrive after the first request.
        dialog.resize(520, 700)
        return matrices.pixmap().width() <= matrices.width() < matrices.original.width()

    qtbot.waitUntil(shrunk_to_a_narrow_dialog, timeout=20_000)
    shown, original = matrices.pixmap(), matrices.original
    assert shown.height() <= matrices.height()
    assert abs(shown.width() / shown.height() - original.width() / original.height()) < 0.02
    assert "2 images" in dialog.status.text()
    assert "Evaluation of" in window.log_view.toPlainText() and "Scratch CNN" in window.log_view.toPlainText()
    dialog.show_progress(1, 2)
    assert "1 of 2 images" in dialog.status.text() and dialog.bar.value() == 1
    dialog.show_progress(2, 2)  # every image searched, the models still working: not "searching" at 100 %
    assert "classifying" in dialog.status.text() and dialog.bar.maximum() == 0
    dialog.activateWindow()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=2_000)

    empty = window.evaluate_folder(tmp_path)  # no emotion subfolders: a clear message, the app goes on
    qtbot.waitUntil(lambda: "could not run" in empty.status.text(), timeout=30_000)
    assert "No images in emotion subfolders" in empty.status.text()
    empty.close()


def test_deepface_weights_download_from_the_window_enables_it_without_a_restart(make_window, qtbot, tmp_path,
                                                                              weights_server, monkeypatch):
    monkeypatch.setenv("DEEPFACE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("EMOTION_DESKTOP_DEEPFACE_URL", f"{weights_server}/missing.h5")
    window = make_window()
    download = window.menus.download_actions["deepface"]
    deepface_item = window.panel.model_combo.model().item(window.panel.model_combo.findData("deepface"))
    assert download.isVisible() and not deepface_item.isEnabled()

    download.trigger()  # the mirror answers 404: a clear message, a retry button, the app goes on
    qtbot.waitUntil(lambda: window.banner.isVisible() and "Manual steps" in window.banner.label.text(),
                    timeout=60_000)
    assert "404" in window.banner.label.text()
    assert [b.text() for b in window.banner.buttons if b.isVisible()] == ["Try again"]
    assert not (tmp_path / "home" / ".deepface" / "weights" / "facial_expression_model_weights.h5").exists()

    monkeypatch.setenv("EMOTION_DESKTOP_DEEPFACE_URL", f"{weights_server}/good.h5")
    download.trigger()
    qtbot.waitUntil(lambda: "deepface" in window.state.available_models, timeout=60_000)
    assert deepface_item.isEnabled() and not download.isVisible()
    assert "DeepFace is ready" in window.banner.label.text()
    window.panel.model_combo.setCurrentIndex(window.panel.model_combo.findData("deepface"))
    qtbot.waitUntil(lambda: "DeepFace ready (" in window.log_view.toPlainText(), timeout=60_000)


def test_closing_the_evaluation_dialog_stops_the_run_at_once(make_window, qtbot, tmp_path, astronaut_bgr):
    import time

    import cv2

    folder = tmp_path / "many" / "happy"
    folder.mkdir(parents=True)
    for index in range(300):  # photos: each gets the thorough face search (tens of ms)
        cv2.imwrite(str(folder / f"{index}.jpg"), astronaut_bgr)
    window = make_window()
    dialog = window.evaluate_folder(tmp_path / "many")
    qtbot.waitUntil(lambda: dialog.bar.value() > 0, timeout=30_000)
    started = time.monotonic()
    dialog.close()
    assert time.monotonic() - started < 2.0 and dialog.job.isFinished() and dialog.report is None


def test_the_empty_timeline_has_a_percentage_axis(qtbot):
    from emotion_desktop.gui.timeline_plot import TimelinePlot

    plot = TimelinePlot()
    qtbot.addWidget(plot)
    plot.show_message("The timeline follows videos, cameras and the demo")
    low, high = plot.getPlotItem().viewRange()[1]
    assert -5 <= low <= 0 and 100 <= high <= 105


@pytest.mark.parametrize("broken", ["unreadable image", "missing file"])
def test_a_file_that_cannot_open_leaves_nothing_of_the_previous_one_on_screen(make_window, qtbot, odd_images,
                                                                               bad_files, tmp_path, broken):
    window = make_window(start=("path", odd_images["gray"]))
    wait_for_faces(qtbot, window)
    assert odd_images["gray"].name in window.windowTitle()
    path = bad_files["text"] if broken == "unreadable image" else tmp_path / "gone.mp4"
    window.open_paths([path])
    qtbot.waitUntil(lambda: window.banner.isVisible() and path.name in window.banner.label.text(), timeout=10_000)
    assert window.video.image is None and path.name in window.video.placeholder
    assert odd_images["gray"].name not in window.windowTitle()
    assert not (window.last_result and window.last_result.faces)
    if broken == "missing file":  # nothing is open at all
        assert window.windowTitle() == "Emotion Desktop"
        assert window.panel.face_label.text().startswith("Nothing open")


def test_a_finished_video_offers_replay_and_plays_again(make_window, qtbot, face_video):
    window = make_window(start=("path", face_video))
    qtbot.waitUntil(lambda: window.banner.isVisible() and "ended" in window.banner.label.text(), timeout=60_000)
    frames = window.worker.result_counts()[0]
    replay = window.banner.buttons[0]
    assert replay.isVisible() and replay.text() == "Replay"
    window.banner.hide()
    replay.click()
    qtbot.waitUntil(lambda: window.banner.isVisible() and "ended" in window.banner.label.text(), timeout=60_000)
    assert window.worker.result_counts()[0] == 2 * frames == 48  # every frame analysed again


def test_first_start_without_a_camera_does_not_keep_saying_opening_camera(make_window, qtbot):
    window = make_window(start=("camera", 9))
    qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=10_000)
    assert "camera" not in window.video.placeholder.lower()  # the demo is what is being opened


def test_a_video_face_label_and_chart_show_the_same_smoothed_answer_and_say_so(make_window, qtbot, face_video):
    window = make_window(start=("path", face_video))
    qtbot.waitUntil(lambda: window.banner.isVisible() and "ended" in window.banner.label.text(), timeout=60_000)
    qtbot.wait(200)  # the throttled chart shows the last frame's answer
    face = window.last_result.largest_face()
    label, probability = face.top("scratch_cnn", smoothed=True)
    text = window.panel.face_label.text()
    assert text.startswith(f"{label} {probability:.0%}") and "smoothed 0.25 s" in text
    assert window.panel.chart.values()["scratch_cnn"] == pytest.approx(face.smoothed["scratch_cnn"] * 100)
    window.state.smoothing_s = 0.0
    window.panel.show_answer(window.last_result, window.timeline)
    assert "smoothed" not in window.panel.face_label.text()


def test_summary_says_one_frame_for_a_brief_video_face_and_opens_without_sideways_scrolling(qtbot):
    from emotion_desktop.gui.summary_dialog import SummaryDialog
    from emotion_desktop.labels import EMOTIONS
    from emotion_desktop.results import SourceSummary
    from emotion_desktop.summary import FaceSummary

    def face(track, frames, visible_s):
        return FaceSummary(track, "scratch_cnn", frames, 0.0, visible_s, visible_s,
                           dict.fromkeys(EMOTIONS, 1 / 7), dict.fromkeys(EMOTIONS, 100 / 7))
    dialog = SummaryDialog([SourceSummary("a rather long interview recording name.mp4", "video",
                                          [face(1, 120, 4.0), face(2, 1, 0.0)]),
                            SourceSummary("photos", "images", [face(3, 1, 0.0)])])
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    cells = [[dialog.table.item(row, 2).text() if dialog.table.item(row, 2) else "" for row in range(5)]]
    assert cells == [["", "4.0 s", "1 frame", "", "still"]]
    assert dialog.table.horizontalScrollBar().maximum() == 0, dialog.width()


def test_help_has_a_quick_guide_that_lists_every_key_of_the_window(make_window, qtbot):
    from PySide6.QtGui import QAction, QKeySequence

    window = make_window()
    help_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Help")
    assert [a.text() for a in help_menu.actions()] == ["&Quick Guide", "&About"]
    window.menus.guide.trigger()
    dialog = next(w for w in window.findChildren(QWidget) if w.windowTitle() == "Quick Guide")
    guide = dialog.text.toPlainText()
    assert "Keys" in guide and "Compare all models" in guide
    arrows = {"Left": "←", "Right": "→"}
    keys = {arrows.get(k, k) for action in window.findChildren(QAction) for shortcut in action.shortcuts()
            for k in [shortcut.toString(QKeySequence.SequenceFormat.PortableText)] if k}
    assert keys and all(key in guide for key in keys), sorted(k for k in keys if k not in guide)


@pytest.mark.parametrize("size", [(1024, 600), (1280, 680)])
@pytest.mark.parametrize("compare", [False, True])
def test_the_layout_holds_in_small_windows(make_window, qtbot, odd_images, deepface_weights, size, compare):
    """Everything in view and nothing on top of anything else, from a 1024x600 screen up."""
    window = make_window(start=("path", odd_images["gray"]))
    window.resize(*size)
    window.show()
    window.panel.compare_box.setChecked(compare)
    wait_for_faces(qtbot, window, models=("scratch_cnn", "deepface") if compare else ("scratch_cnn",))
    qtbot.wait(100)
    assert (window.width(), window.height()) == size  # no minimum larger than the screen

    def rect(widget):
        return widget.geometry().translated(widget.parentWidget().mapTo(window, widget.parentWidget().rect().topLeft()))

    panel = window.panel
    parts = [panel.face_label, panel.chart, panel.timeline_title, panel.timeline_plot]
    for upper, lower in zip(parts, parts[1:]):
        assert rect(upper).bottom() < rect(lower).top(), (upper, lower)
    status = rect(window.statusBar())
    assert status.bottom() < size[1] and rect(panel.timeline_plot).bottom() < status.top()
    plot = panel.chart.getPlotItem()
    label = plot.getAxis("bottom").label  # "probability (%)": its text, inside the text item's margins
    margin = round(label.document().documentMargin())
    for item, inset in ((label, margin), (plot.getViewBox(), 0)):  # the axis words, and the 7 rows of bars
        shown = panel.chart.mapFromScene(item.mapToScene(item.boundingRect()).boundingRect()).boundingRect()
        shown = shown.adjusted(0, inset, 0, -inset)
        assert shown.top() >= 0 and shown.bottom() <= panel.chart.height(), (item, shown, panel.chart.height())


def test_presentation_mode_shows_the_video_full_screen_with_large_labels_and_esc_leaves(make_window, qtbot,
                                                                                          odd_images):
    window = make_window(start=("path", odd_images["gray"]))
    window.show()
    wait_for_faces(qtbot, window)
    normal_width = window.video.image.width()
    window.menus.presentation.trigger()  # F11
    assert window.state.presentation and window.isFullScreen()
    assert not window.panel.isVisible() and not window.menuBar().isVisible() and not window.statusBar().isVisible()
    overlay = window.presentation.overlay
    shown = window.frames_shown
    qtbot.waitUntil(lambda: window.worker.session.text_size > 1 and overlay.isVisible(), timeout=5_000)
    qtbot.waitUntil(lambda: window.frames_shown > shown, timeout=10_000)  # the still redrawn, larger labels
    assert overlay.values()["scratch_cnn"] == pytest.approx(window.panel.chart.values()["scratch_cnn"])
    assert overlay.geometry().right() <= window.video.width() and overlay.width() > 100
    assert window.video.image.width() == normal_width
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert not window.state.presentation and not window.isFullScreen() and not overlay.isVisible()
    assert window.panel.isVisible() and window.menuBar().isVisible()
    qtbot.waitUntil(lambda: window.worker.session.text_size == 1.0, timeout=5_000)

"""The window's Qt-free view state: choices, their events, persistence and the recent files."""

from emotion_desktop.settings import MAX_RECENT
from emotion_desktop.view_state import ViewState


class DictStore:
    """Stands in for QSettings: the same two methods over a dict."""

    def __init__(self, values=None):
        self.values = dict(values or {})

    def value(self, key, default=None):
        return self.values.get(key, default)

    def setValue(self, key, value):  # noqa: N802 (QSettings' name)
        self.values[key] = value


def test_compare_mode_runs_the_primary_model_first_then_every_other_available_one():
    state = ViewState(primary_model="resnet50v2", available_models=("scratch_cnn", "resnet50v2", "deepface"))
    assert state.wanted_models() == ["resnet50v2"]
    state.compare = True
    assert state.wanted_models() == ["resnet50v2", "scratch_cnn", "deepface"]


def test_a_change_is_announced_once_and_setting_the_same_value_is_silent():
    state = ViewState()
    seen = []
    state.events.compare.connect(seen.append)
    state.compare = True
    state.compare = True
    state.compare = False
    assert seen == [True, False]


def test_restore_falls_back_to_an_available_model_and_reads_the_old_keys():
    store = DictStore({"model": "deepface", "compare": "true", "smoothing": "0.5", "still_tta": "flip",
                       "recent": "/only/one/entry.png", "export_folder": "/tmp"})
    state = ViewState(available_models=("scratch_cnn",))
    state.restore(store)
    chosen = (state.primary_model, state.compare, state.smoothing_s, state.still_tta)
    assert chosen == ("scratch_cnn", True, 0.5, "flip")
    assert state.recent == ("/only/one/entry.png",) and state.export_folder == "/tmp"
    state.restore(store, initial_model="scratch_cnn")
    assert state.primary_model == "scratch_cnn"


def test_choices_are_saved_as_they_change_under_the_keys_restore_reads(tmp_path):
    store = DictStore()
    state = ViewState(available_models=("scratch_cnn", "resnet50v2"))
    state.persist_to(store)
    state.primary_model = "resnet50v2"
    state.smoothing_s = 0.1
    state.remember(tmp_path)
    state.detector = "mtcnn"
    assert store.values == {"model": "resnet50v2", "smoothing": 0.1, "recent": [str(tmp_path)], "detector": "mtcnn"}
    again = ViewState(available_models=("scratch_cnn", "resnet50v2"))
    assert again.detector == "blazeface"  # the default
    again.restore(store)
    assert (again.primary_model, again.smoothing_s, again.recent_files()) == ("resnet50v2", 0.1, [str(tmp_path)])
    assert again.detector == "mtcnn"
    again.restore(DictStore({"detector": "retired-detector"}))  # a name from another version
    assert again.detector == "blazeface"


def test_recent_files_put_the_newest_first_drop_missing_ones_and_keep_a_few(tmp_path):
    state = ViewState()
    files = []
    for index in range(MAX_RECENT + 2):
        path = tmp_path / f"photo{index}.png"
        path.write_bytes(b"x")
        files.append(path)
        state.remember(path)
    state.remember(files[3])  # opened again: moves to the front, not listed twice
    recent = state.recent_files()
    assert recent[0] == str(files[3]) and len(recent) == MAX_RECENT and len(set(recent)) == MAX_RECENT
    files[-1].unlink()
    assert str(files[-1]) not in state.recent_files()
    assert state.last_folder() == str(tmp_path)


def test_a_new_source_forgets_the_selected_face():
    state = ViewState()
    state.selected_track = 4
    state.source_opened("images", "group.jpg")
    assert state.selected_track is None and state.stills
    state.source_opened("demo", "the built-in demo")
    assert not state.stills


def test_a_damaged_or_out_of_range_saved_setting_falls_back_to_its_default_with_one_log_line(caplog):
    from emotion_desktop import settings

    store = DictStore({"smoothing": "fast", "timeline_s": "9999", "compare": "maybe", "still_tta": "twentycrop",
                       "recent": 42, "detector": "haar"})
    state = ViewState(available_models=("scratch_cnn",))
    with caplog.at_level("WARNING", logger="emotion_desktop.settings"):
        state.restore(store)
    assert (state.smoothing_s, state.timeline_s) == (settings.DEFAULT_SMOOTHING_S, settings.DEFAULT_TIMELINE_S)
    assert (state.compare, state.still_tta, state.recent) == (False, settings.DEFAULT_STILL_TTA, ())
    assert state.detector == "haar"  # the valid one is kept
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 5 and all(w.startswith("saved setting ") for w in warnings)
    assert any("smoothing='fast'" in w for w in warnings) and any("timeline_s='9999'" in w for w in warnings)

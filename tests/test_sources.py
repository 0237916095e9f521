import numpy as np
import pytest

from emotion_desktop.sources import (
    CameraSource,
    DemoSource,
    ImageSource,
    PrefetchedSource,
    SourceError,
    VideoFileSource,
    open_path,
    read_image,
)


def test_video_file_frames_and_end(face_video):
    with VideoFileSource(face_video) as source:
        assert source.info.kind == "video" and source.info.fps == pytest.approx(15, abs=0.5)
        frames = []
        while (frame := source.read()) is not None:
            frames.append(frame)
    assert len(frames) == 24
    assert frames[0].image.shape == (240, 320, 3) and frames[0].image.dtype == np.uint8
    assert frames[3].time_s == pytest.approx(3 / 15, abs=1e-6)
    assert source.read() is None  # stays ended


def test_looped_video_starts_over_on_one_timeline(face_video):
    with VideoFileSource(face_video, loop=True) as source:
        frames = [source.read() for _ in range(60)]  # 24-frame clip: two and a half rounds
    assert all(f is not None for f in frames)
    assert [f.index for f in frames] == list(range(60))
    assert frames[30].time_s == pytest.approx(30 / 15, abs=1e-6)
    assert np.abs(frames[24].image.astype(int) - frames[0].image).mean() < 2  # back at the first frame
    assert np.abs(frames[12].image.astype(int) - frames[0].image).mean() > 2


def test_prefetched_video_gives_the_same_frames_in_order(face_video):
    with VideoFileSource(face_video) as plain:
        expected = []
        while (frame := plain.read()) is not None:
            expected.append(frame)
    with PrefetchedSource(VideoFileSource(face_video), depth=3) as prefetched:
        frames = []
        while (frame := prefetched.read()) is not None:
            frames.append(frame)
        assert prefetched.read() is None  # stays ended
    assert [f.index for f in frames] == [f.index for f in expected]
    assert all(np.array_equal(a.image, b.image) for a, b in zip(frames, expected))


def test_prefetched_source_reports_a_decoder_failure_on_read(face_video):
    class FailsAfterThree(VideoFileSource):
        def read(self):
            if self._index >= 3:
                raise SourceError("the disk went away")
            return super().read()

    with PrefetchedSource(FailsAfterThree(face_video)) as source:
        assert [source.read().index for _ in range(3)] == [0, 1, 2]
        with pytest.raises(SourceError, match="disk went away"):
            source.read()


def test_paced_sources_say_so(face_video):
    with VideoFileSource(face_video) as video:
        assert video.info.paced  # a file can be read faster than real time: the reader paces it
    assert DemoSource().info.paced


def test_video_skip_keeps_frame_numbers(face_video):
    with VideoFileSource(face_video) as source:
        source.read()
        assert source.skip(4) == 4
        assert source.read().index == 5


@pytest.mark.parametrize("key", ["empty", "corrupt_video", "text_video"])
def test_broken_videos_say_what_happened(bad_files, key):
    with pytest.raises(SourceError) as error:
        VideoFileSource(bad_files[key])
    message = str(error.value)
    assert bad_files[key].name in message
    assert any(word in message for word in ("empty", "Convert", "damaged"))


@pytest.mark.parametrize("key", ["empty", "text", "truncated"])
def test_broken_images_say_what_happened(bad_files, key):
    with pytest.raises(SourceError, match=bad_files[key].name):
        read_image(bad_files[key])


def test_unknown_file_type(bad_files):
    with pytest.raises(SourceError, match="neither a readable image nor a video"):
        open_path(bad_files["unknown"])


def test_missing_paths(tmp_path):
    with pytest.raises(SourceError, match="not found"):
        open_path(tmp_path / "nope.jpg")
    with pytest.raises(SourceError, match="No images"):
        ImageSource.from_folder(tmp_path)


@pytest.mark.parametrize("key", ["png16", "rgba", "gray", "crop48"])
def test_odd_image_formats_load_as_bgr(odd_images, key):
    image = read_image(odd_images[key])
    assert image.ndim == 3 and image.shape[2] == 3 and image.dtype == np.uint8
    assert image.mean() > 10


def test_huge_image_is_downscaled(odd_images):
    image = read_image(odd_images["huge"])
    assert image.shape[0] * image.shape[1] <= 50_000_000
    assert image.shape[0] > 5000


def test_folder_of_images_steps_and_reports_bad_files(tmp_path, odd_images, bad_files):
    import shutil

    shutil.copy(odd_images["gray"], tmp_path / "a.png")
    shutil.copy(bad_files["text"], tmp_path / "b.jpg")
    shutil.copy(odd_images["rgba"], tmp_path / "c.png")
    source = open_path(tmp_path)
    assert isinstance(source, ImageSource) and source.info.frame_count == 3
    assert source.read().name == "a.png" and source.read  # first image fine
    with pytest.raises(SourceError, match="b.jpg"):
        source.read()
    third = source.read()
    assert third.name == "c.png" and third.still
    assert source.read() is None
    source.seek(0)
    assert source.read().name == "a.png"


def test_missing_camera_is_a_clear_error():
    with pytest.raises(SourceError, match="No camera found at index 7"):
        CameraSource(7)


def test_demo_is_a_real_face_that_moves():
    demo = DemoSource()
    first, later = demo.read(), None
    for _ in range(15):
        later = demo.read()
    assert first.image.shape == (480, 640, 3)
    assert later.index == 15 and later.time_s == pytest.approx(0.5)
    assert np.abs(first.image.astype(int) - later.image.astype(int)).mean() > 1

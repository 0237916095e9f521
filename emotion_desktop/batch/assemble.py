"""One video's results from its segments: frames in order, track ids linked across segments.

Each segment was analysed from a few frames before its own first frame (plan.OVERLAP_FRAMES); on
those overlap frames both it and the previous segment saw the same faces, so a track of the new
segment takes the id of the earlier track whose boxes it overlaps most (IoU, as the tracker
matches faces). A face that appears in the new segment gets a new id.
"""

from __future__ import annotations

from emotion_desktop.batch.plan import SegmentTask
from emotion_desktop.geometry import iou
from emotion_desktop.results import SessionLog

MIN_LINK_IOU = 0.3  # the tracker's own matching threshold (tracking.IouTracker)


def join_segments(parts: list[tuple[SegmentTask, SessionLog]]) -> SessionLog:
    """The whole video's log from its segments' logs (any order)."""
    parts = sorted(parts, key=lambda part: part[0].start)
    joined = SessionLog()
    joined.start_source(str(parts[0][0].file.path), "video")
    models = [m for _task, part in parts for m in part.models]
    for model in models:
        joined.model_index(model)
    whole, next_id = joined.sources[0], 1
    previous: dict[int, list] | None = None  # the previous segment's faces by frame, with their joined ids
    for task, part in parts:
        if not part.sources:
            continue
        segment = part.sources[0]
        faces = segment.faces_by_frame()
        local_ids = sorted({track for found in faces.values() for track, _box in found})
        if previous is None:  # the first segment keeps its tracker's ids, as a single pass would
            ids = {track: track for track in local_ids}
        else:
            links = _links(previous, faces, task.start)
            ids = {}
            for track in local_ids:
                ids[track] = links.get(track, next_id)
                next_id += track not in links
        next_id = max([next_id, *(i + 1 for i in ids.values())])
        whole.append_from(segment, part.models, joined.models, task.start, ids)
        previous = {frame: [(ids[track], box) for track, box in found] for frame, found in faces.items()}
    return joined


def _links(earlier: dict, later: dict, start: int) -> dict[int, int]:
    """Later segment's track id -> earlier segment's, from their boxes on the overlap frames."""
    votes: dict[tuple[int, int], float] = {}
    for frame in (f for f in later if f < start and f in earlier):
        for new_id, new_box in later[frame]:
            best = max(earlier[frame], key=lambda face: iou(face[1], new_box), default=None)
            if best is not None and iou(best[1], new_box) >= MIN_LINK_IOU:
                votes[(new_id, best[0])] = votes.get((new_id, best[0]), 0.0) + iou(best[1], new_box)
    links: dict[int, int] = {}
    taken: set[int] = set()
    for (new_id, old_id), _score in sorted(votes.items(), key=lambda item: -item[1]):
        if new_id not in links and old_id not in taken:
            links[new_id] = old_id
            taken.add(old_id)
    return links

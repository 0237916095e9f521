"""Annotating frames: a box per face, coloured by emotion, with "happy 87%" labels.

Drawing happens on the worker thread (the UI thread only paints the
finished image), and the CLI's ``--annotate`` and snapshots use the same code.

Labels are sized for the image as it is seen, fitted to a screen, not for its
pixels: a 10,000-pixel photo gets proportionally larger text. Each face's
label (one line per model in compare mode) is placed where it overlaps no
other label and no other face: above the box, below it, beside it, or inside
its top edge, whichever fits first (``layout_labels``).
"""

from __future__ import annotations

import cv2
import numpy as np

from emotion_desktop.backends import SHORT_NAMES
from emotion_desktop.labels import EMOTION_COLORS_BGR
from emotion_desktop.results import FrameResult
from emotion_desktop.saliency import heat_overlay

FONT = cv2.FONT_HERSHEY_SIMPLEX
VIEW_SIDE = 900  # the long side of a frame as typically shown; labels are sized for that view
MAX_DRAW_SIDE = 2560  # larger stills are drawn downscaled: no screen shows more, and copying 100 MP is slow
Rect = tuple[int, int, int, int]  # x, y, w, h
UNCERTAIN_BGR = (150, 150, 150)  # grey: an answer withheld (quality.py)
AGREE_BGR, SPLIT_BGR = (90, 160, 60), (60, 60, 200)  # compare mode: every model's top emotion the same, or not


def _text_color(background: tuple[int, int, int]) -> tuple[int, int, int]:
    b, g, r = background
    return (0, 0, 0) if 0.299 * r + 0.587 * g + 0.114 * b > 140 else (255, 255, 255)


def label_scale(image_shape) -> float:
    """Font scale for an image, so that text is about the same size on screen whatever its resolution."""
    return max(0.4, 0.6 * max(image_shape[:2]) / VIEW_SIDE)


def _metrics(scale: float) -> tuple[int, int]:
    """Stroke thickness and padding for a font scale."""
    return max(1, int(round(scale * 1.6))), max(2, int(round(3 * scale)))


def label_size(lines: list[str], scale: float) -> tuple[int, int]:
    """Width and height of a block of label lines drawn at ``scale``."""
    thickness, pad = _metrics(scale)
    width, height = 0, 0
    for text in lines:
        (w, h), baseline = cv2.getTextSize(text, FONT, scale, thickness)
        width, height = max(width, w + 2 * pad), height + h + baseline + 2 * pad
    return width, height


def draw_label(image: np.ndarray, text: str, x: int, y: int, color, scale: float) -> int:
    """A filled label with its top-left at (x, y), kept inside the image; returns its height."""
    thickness, pad = _metrics(scale)
    (width, height), baseline = cv2.getTextSize(text, FONT, scale, thickness)
    box_h = height + baseline + 2 * pad
    x = int(np.clip(x, 0, max(0, image.shape[1] - width - 2 * pad)))
    y = int(np.clip(y, 0, max(0, image.shape[0] - box_h)))
    cv2.rectangle(image, (x, y), (x + width + 2 * pad, y + box_h), color, cv2.FILLED)
    cv2.putText(image, text, (x + pad, y + pad + height), FONT, scale, _text_color(color), thickness, cv2.LINE_AA)
    return box_h


def _overlap(a: Rect, b: Rect) -> int:
    width = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    height = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    return max(0, width) * max(0, height)


def layout_labels(boxes: list[Rect], sizes: list[tuple[int, int]], image_size: tuple[int, int],
                  obstacles: list[Rect] = ()) -> list[Rect]:
    """Where each face's label block goes: a rect per box, inside the image, overlapping no other
    label and no other face where any candidate allows it (else the least-overlapping candidate).

    Faces are placed from the top of the image down. Candidates sit above or below the box (left-,
    centre- or right-aligned, or slid just past a label already placed), beside it, or inside its
    top edge; the free one nearest the box's top edge wins. ``obstacles`` (e.g. a panel title) are
    avoided like faces.
    """
    width, height = image_size
    gap = 2
    placed: list[Rect | None] = [None] * len(boxes)
    for index in sorted(range(len(boxes)), key=lambda i: (boxes[i][1], boxes[i][0])):
        x, y, w, h = boxes[index]
        label_w, label_h = sizes[index]
        others = ([box for i, box in enumerate(boxes) if i != index] + [r for r in placed if r is not None]
                  + list(obstacles))
        xs = [x, x + w - label_w, x + (w - label_w) // 2]
        xs += [r[0] + r[2] + gap for r in others] + [r[0] - label_w - gap for r in others]
        ys = [y, y + h - label_h] + [r[1] + r[3] + gap for r in others] + [r[1] - label_h - gap for r in others]
        candidates = ([(cx, y - label_h - gap) for cx in xs] + [(cx, y + h + gap) for cx in xs]
                      + [(x + w + gap, cy) for cy in ys] + [(x - label_w - gap, cy) for cy in ys]
                      + [(x + gap, y + gap)])
        anchor = (x + w / 2, y)
        best, best_key = None, None
        for cx, cy in candidates:
            cx = int(np.clip(cx, 0, max(0, width - label_w)))
            cy = int(np.clip(cy, 0, max(0, height - label_h)))
            rect = (cx, cy, label_w, label_h)
            # Covering another face or label is worst; covering the face's own box is tolerated last.
            cost = sum(_overlap(rect, other) for other in others) + 0.5 * _overlap(rect, boxes[index])
            distance = abs(cx + label_w / 2 - anchor[0]) + abs(cy + label_h / 2 - anchor[1])
            key = (cost, distance)
            if best_key is None or key < best_key:
                best, best_key = rect, key
        placed[index] = best
    return [rect for rect in placed if rect is not None]


def display_copy(image: np.ndarray) -> tuple[np.ndarray, float]:
    """The image to draw on (downscaled when huge) and the factor from frame to drawing pixels."""
    side = max(image.shape[:2])
    if side <= MAX_DRAW_SIDE:
        return image.copy(), 1.0
    factor = MAX_DRAW_SIDE / side
    return cv2.resize(image, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA), factor


def place_title(size: tuple[int, int], boxes: list[Rect], image_size: tuple[int, int]) -> Rect:
    """A corner for a title block that covers no face (the least face area if every corner does)."""
    width, height = image_size
    w, h = size
    corners = [(0, 0), (width - w, 0), (0, height - h), (width - w, height - h)]
    rects = [(max(0, x), max(0, y), w, h) for x, y in corners]
    return min(rects, key=lambda rect: sum(_overlap(rect, box) for box in boxes))


def draw_explanations(canvas: np.ndarray, boxes: list[Rect], result: FrameResult, scale: float) -> list[Rect]:
    """Each face's saliency map: the first model's over the face itself; in compare mode, below the
    box, a small copy of the face with each model's map, named. Returns the rects the copies cover."""
    height, width = canvas.shape[:2]
    covered = []
    for face, (x, y, w, h) in zip(result.faces, boxes):
        models = [m for m in result.models if m in face.explanations]
        x0, y0, x1, y1 = max(0, x), max(0, y), min(width, x + w), min(height, y + h)
        if not models or x1 - x0 < 4 or y1 - y0 < 4:
            continue
        original = canvas[y0:y1, x0:x1].copy()
        canvas[y0:y1, x0:x1] = heat_overlay(original, face.explanations[models[0]].heat)
        if len(models) < 2:
            continue
        side = int(np.clip(w / len(models), 40, 110))
        top = y1 + 4
        for index, model in enumerate(models):
            left = x0 + index * (side + 4)
            if left + side > width or top + side > height:
                break
            canvas[top:top + side, left:left + side] = heat_overlay(
                cv2.resize(original, (side, side)), face.explanations[model].heat)
            name = SHORT_NAMES.get(model, model)
            name_scale = scale * 0.6  # shrunk until the name fits under its copy
            while name_scale > 0.25 and label_size([name], name_scale)[0] > side:
                name_scale *= 0.85
            draw_label(canvas, name, left, top + side - label_size([name], name_scale)[1], (40, 40, 40), name_scale)
            covered.append((left, top, side, side))
    return covered


def annotate(image: np.ndarray, result: FrameResult, selected_track: int | None = None,
             smoothed: bool = True, title: str | None = None, text_size: float = 1.0,
             explain: bool = False) -> np.ndarray:
    """A copy of ``image`` (downscaled if larger than MAX_DRAW_SIDE) with every face's box and each
    model's top label drawn on it, labels laid out so that none covers another or another face.
    ``title`` (e.g. the model's name on a CLI panel) goes in a corner that covers no face or label;
    ``text_size`` enlarges the labels (presentation mode: readable across a room); ``explain`` lays
    the faces' saliency maps (``FaceResult.explanations``) over them."""
    canvas, factor = display_copy(image)
    scale = label_scale(canvas.shape) * text_size
    compare = len(result.models) > 1
    boxes, blocks = [], []
    for face in result.faces:
        boxes.append(tuple(int(round(v * factor)) for v in face.box))
        models = [m for m in result.models if m in face.probabilities]
        lines = []
        for model in models:
            label, probability = face.top(model, smoothed)
            prefix = f"{SHORT_NAMES.get(model, model)}: " if compare else ""
            if face.uncertain_reason(model):  # the reason is in the chart's header and the exports
                lines.append((f"{prefix}uncertain", UNCERTAIN_BGR))
            else:
                lines.append((f"{prefix}{label} {probability:.0%}", EMOTION_COLORS_BGR[label]))
        if compare and len(models) > 1:  # agreement at a glance
            tops = {face.top(model, smoothed)[0] for model in models}
            lines.append(("all agree" if len(tops) == 1 else "split", AGREE_BGR if len(tops) == 1 else SPLIT_BGR))
        blocks.append(lines or [("face", (200, 200, 200))])
    explained = draw_explanations(canvas, boxes, result, scale) if explain else []  # under the boxes
    for face, (x, y, w, h), lines in zip(result.faces, boxes, blocks):
        color = lines[0][1]
        selected = face.track_id == selected_track
        thickness = max(2, int(round(scale * (4 if selected else 2.5))))
        cv2.rectangle(canvas, (x, y), (x + w, y + h), color, thickness, cv2.LINE_AA)
        if selected:  # a white outline marks the face the chart shows
            cv2.rectangle(canvas, (x - thickness, y - thickness), (x + w + thickness, y + h + thickness),
                          (255, 255, 255), max(1, thickness // 2), cv2.LINE_AA)
    sizes = [label_size([text for text, _ in lines], scale) for lines in blocks]
    image_size = (canvas.shape[1], canvas.shape[0])
    obstacles = list(explained)
    if title:
        title_rect = place_title(label_size([title], scale), boxes, image_size)
        draw_label(canvas, title, title_rect[0], title_rect[1], (40, 40, 40), scale)
        obstacles.append(title_rect)
    for (x, y, _w, _h), lines in zip(layout_labels(boxes, sizes, image_size, obstacles), blocks):
        for text, line_color in lines:
            y += draw_label(canvas, text, x, y, line_color, scale)
    return canvas

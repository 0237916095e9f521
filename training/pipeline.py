"""tf.data input pipelines: augmentation, class weights, batching.

The augmentations are those of the classic FER2013 recipes (rotation, shift,
shear, zoom, horizontal flip), composed into a single affine warp per image
so a 48x48 face is resampled once rather than blurred four times, plus
random erasing. Pixel scaling is ``emotion_desktop.preprocessing.normalise``,
the function the app uses.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import keras
import numpy as np
import tensorflow as tf

from emotion_desktop.labels import NUM_EMOTIONS
from emotion_desktop.preprocessing import normalise


@dataclass(frozen=True)
class AugmentConfig:
    rotation_deg: float = 15.0
    shift: float = 0.1  # fraction of the image size
    shear: float = 0.1  # shear factor
    zoom: float = 0.15  # scale in [1 - zoom, 1 + zoom]
    flip: bool = True
    erasing: float = 0.25  # probability of random erasing; 0 disables it
    mixup: float = 0.0  # mixup alpha; 0 disables it
    # Photometric jitter for faces outside FER2013 (webcams, phone photos): brightness gain in
    # [1 - b, 1 + b], contrast in [1 - c, 1 + c] around the face's mean, and the share of faces seen
    # at a lower resolution first (blur of a small or out-of-focus face). 0 disables each.
    brightness: float = 0.0
    contrast: float = 0.0
    low_res: float = 0.0

    def describe(self) -> dict:
        return asdict(self)


NO_AUGMENTATION = AugmentConfig(rotation_deg=0, shift=0, shear=0, zoom=0, flip=False, erasing=0, mixup=0)


def class_weights(labels: np.ndarray, power: float = 0.5) -> np.ndarray:
    """Per-class loss weights (inverse frequency)**power, scaled to a mean sample weight of 1.

    ``power=1`` is fully balanced (what sklearn calls "balanced"), 0 disables
    weighting; 0.5 lifts rare classes (disgust is ~1.5% of FER2013) without
    letting them dominate.
    """
    counts = np.bincount(labels, minlength=NUM_EMOTIONS).astype(np.float64)
    weights = np.where(counts > 0, (counts.sum() / np.maximum(counts, 1) / NUM_EMOTIONS) ** power, 0.0)
    mean_sample_weight = (weights * counts).sum() / counts.sum()
    return (weights / mean_sample_weight).astype(np.float32)


def random_affine(images: tf.Tensor, config: AugmentConfig) -> tf.Tensor:
    """One random affine warp per image (B, H, W, C): rotation, shear, zoom, shift, flip."""
    batch = tf.shape(images)[0]
    height = tf.cast(tf.shape(images)[1], tf.float32)
    width = tf.cast(tf.shape(images)[2], tf.float32)

    def uniform(limit):
        return tf.random.uniform([batch], -limit, limit)

    angle = uniform(math.radians(config.rotation_deg))
    shear = uniform(config.shear)
    scale = 1.0 + uniform(config.zoom)
    shift_x, shift_y = uniform(config.shift) * width, uniform(config.shift) * height
    flip = tf.where(tf.random.uniform([batch]) < 0.5, -1.0, 1.0) if config.flip else tf.ones([batch])

    # The transform maps output pixel coordinates to input ones, centred on the
    # image centre: in = R(angle) . Shear . (1/scale) . Flip . (out - c) + c + shift.
    cos, sin = tf.cos(angle), tf.sin(angle)
    a00 = cos * flip / scale
    a01 = (cos * shear - sin) / scale
    a10 = sin * flip / scale
    a11 = (sin * shear + cos) / scale
    cx, cy = (width - 1) / 2, (height - 1) / 2
    a02 = cx + shift_x - a00 * cx - a01 * cy
    a12 = cy + shift_y - a10 * cx - a11 * cy
    zeros = tf.zeros([batch])
    transform = tf.stack([a00, a01, a02, a10, a11, a12, zeros, zeros], axis=1)
    return keras.ops.image.affine_transform(images, transform, interpolation="bilinear", fill_mode="reflect")


def photometric(images: tf.Tensor, config: AugmentConfig) -> tf.Tensor:
    """Brightness, contrast and resolution jitter per image (B, H, W, C) in 0..255."""
    batch = tf.shape(images)[0]
    size = tf.shape(images)[1:3]
    if config.low_res > 0:
        # Down to 12-36 px and back: what a face far from the camera or out of focus looks like.
        small = tf.random.uniform([], 12, 37, dtype=tf.int32)
        blurred = tf.image.resize(tf.image.resize(images, [small, small], antialias=True), size)
        chosen = tf.reshape(tf.random.uniform([batch]) < config.low_res, [-1, 1, 1, 1])
        images = tf.where(chosen, blurred, images)
    if config.contrast > 0:
        factor = tf.reshape(tf.random.uniform([batch], 1 - config.contrast, 1 + config.contrast), [-1, 1, 1, 1])
        mean = tf.reduce_mean(images, axis=[1, 2, 3], keepdims=True)
        images = (images - mean) * factor + mean
    if config.brightness > 0:
        images = images * tf.reshape(tf.random.uniform([batch], 1 - config.brightness, 1 + config.brightness),
                                     [-1, 1, 1, 1])
    return tf.clip_by_value(images, 0.0, 255.0)


def mixup(images: tf.Tensor, targets: tf.Tensor, weights: tf.Tensor, alpha: float):
    """Mixup (Zhang et al. 2018) within a batch: convex pairs of images and targets."""
    batch = tf.shape(images)[0]
    gamma_a = tf.random.gamma([batch], alpha)
    gamma_b = tf.random.gamma([batch], alpha)
    lam = gamma_a / (gamma_a + gamma_b)
    order = tf.random.shuffle(tf.range(batch))
    lam_img = tf.reshape(lam, [-1, 1, 1, 1])
    lam_vec = tf.reshape(lam, [-1, 1])
    images = lam_img * images + (1 - lam_img) * tf.gather(images, order)
    targets = lam_vec * targets + (1 - lam_vec) * tf.gather(targets, order)
    weights = lam * weights + (1 - lam) * tf.gather(weights, order)
    return images, targets, weights


def one_hot(labels: np.ndarray) -> np.ndarray:
    return np.eye(NUM_EMOTIONS, dtype=np.float32)[labels]


@dataclass(frozen=True)
class Distillation:
    """Soft targets from trained teachers (Hinton et al. 2015): target = (1-alpha) one-hot + alpha teacher(T).

    Several teachers are an ensemble: their probabilities are averaged (``weights``, equal by default),
    each on the face and, with ``flip``, on its mirror image too (the ensemble v1 + v2 with flips scored
    68.1 % on PublicTest against 66.8 % for v2 alone). Online, every teacher sees the same augmented
    pixels as the student, normalised as its own card says; ``answer_once`` asks them once per
    un-augmented face instead, which makes a large teacher affordable.
    """

    teachers: tuple  # (Keras model taking (B, 48, 48, 1), its normalisation) pairs
    alpha: float = 0.5
    temperature: float = 2.0
    flip: bool = False
    weights: tuple | None = None  # one per teacher; None: equal

    def soften(self, pixels: tf.Tensor) -> tf.Tensor:
        views = (pixels, tf.reverse(pixels, axis=[2])) if self.flip else (pixels,)
        weights = self.weights or (1.0,) * len(self.teachers)
        answers = [weight / len(views) * tf.cast(teacher(normalise(view, normalisation), training=False), tf.float32)
                   for (teacher, normalisation), weight in zip(self.teachers, weights) for view in views]
        probabilities = tf.add_n(answers) / sum(weights)
        logits = tf.math.log(tf.clip_by_value(probabilities, 1e-7, 1.0)) / self.temperature
        return tf.nn.softmax(logits)

    def mix(self, targets, answers):
        """The label distribution mixed with the teachers' softened answers."""
        return (1 - self.alpha) * targets + self.alpha * answers

    def answer_once(self, images: np.ndarray, batch_size: int = 256) -> np.ndarray:
        """The softened teachers' answers for un-augmented faces (N, 48, 48) uint8, one row per face."""
        soften = tf.function(self.soften)
        pixels = images[..., None] if images.ndim == 3 else images
        return np.concatenate([soften(tf.cast(pixels[start:start + batch_size], tf.float32)).numpy()
                               for start in range(0, len(pixels), batch_size)])


def make_dataset(images: np.ndarray, labels: np.ndarray, *, batch_size: int, normalisation: str,
                 augment: AugmentConfig | None = None, sample_weights: np.ndarray | None = None,
                 shuffle: bool = False, seed: int = 0, distill: Distillation | None = None,
                 targets: np.ndarray | None = None) -> tf.data.Dataset:
    """Batches of (normalised float32 faces (B,48,48,1), one-hot targets[, sample weights]).

    One-hot targets let the loss apply label smoothing, mixup and distillation. ``targets`` replaces
    them with given distributions (N, 7), e.g. labels already mixed with cached teacher answers.
    """
    x = images[..., None] if images.ndim == 3 else images
    targets = one_hot(labels) if targets is None else targets.astype(np.float32)
    tensors = (x, targets) if sample_weights is None else (x, targets, sample_weights.astype(np.float32))
    dataset = tf.data.Dataset.from_tensor_slices(tensors)
    if shuffle:
        dataset = dataset.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    dataset = dataset.batch(batch_size, drop_remainder=shuffle)
    erasing = None
    if augment is not None and augment.erasing > 0:
        erasing = keras.layers.RandomErasing(factor=(augment.erasing, augment.erasing), value_range=(0, 255),
                                             seed=seed)

    def transform(*batch):
        pixels = tf.cast(batch[0], tf.float32)
        rest = list(batch[1:])
        if augment is not None and augment != NO_AUGMENTATION:
            pixels = random_affine(pixels, augment)
            if augment.brightness or augment.contrast or augment.low_res:
                pixels = photometric(pixels, augment)
            if erasing is not None:
                pixels = erasing(pixels, training=True)
            if augment.mixup > 0 and len(rest) == 2:
                pixels, rest[0], rest[1] = mixup(pixels, rest[0], rest[1], augment.mixup)
        if distill is not None:
            rest[0] = distill.mix(rest[0], distill.soften(pixels))
        return (normalise(pixels, normalisation), *rest)

    return dataset.map(transform, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)

"""Model definitions for the two classifiers this project trains.

Both take the FER-style input every backend gets from
``emotion_desktop.preprocessing``: a batch of 48x48 gray faces, normalised
as the model card says. The ResNet50V2 model upscales and replicates the
gray channel in-graph, so its training data stays small and its input
contract is the same as the scratch CNN's.
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
from keras import layers

from emotion_desktop.labels import NUM_EMOTIONS

INPUT_SIZE = 48


@dataclass(frozen=True)
class ModelSpec:
    """What a trained model's card needs to say about its input."""

    input_size: int
    color: str
    normalisation: str


SCRATCH_SPEC = ModelSpec(input_size=INPUT_SIZE, color="gray", normalisation="unit")
RESNET_SPEC = ModelSpec(input_size=INPUT_SIZE, color="gray", normalisation="symmetric")


# Keras's default BN momentum (0.99) leaves the moving variance dominated by its
# initial 1.0 for the first epochs (true variances here are ~0.02), so early
# validation predicts a single class; 0.9 converges within an epoch.
BN_MOMENTUM = 0.9


def conv_bn_relu(x, filters: int, name: str):
    x = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"{name}_conv")(x)
    x = layers.BatchNormalization(momentum=BN_MOMENTUM, name=f"{name}_bn")(x)
    return layers.Activation("relu", name=f"{name}_relu")(x)


def dense_head(x, units: int, dropout: float, bn_name: str):
    """Dense-BN-ReLU, dropout, then 7 softmax outputs (kept float32 under any precision policy)."""
    x = layers.Dense(units, use_bias=False, name="head_dense")(x)
    x = layers.BatchNormalization(momentum=BN_MOMENTUM, name=bn_name)(x)
    x = layers.Activation("relu", name="head_relu")(x)
    x = layers.Dropout(dropout, name="head_dropout2")(x)
    x = layers.Dense(NUM_EMOTIONS, name="logits")(x)
    return layers.Activation("softmax", dtype="float32", name="probabilities")(x)


def build_scratch_cnn(widths=(32, 64, 128, 256), convs_per_stage: int = 2, dense_units: int = 256,
                      dropout: float = 0.3) -> keras.Model:
    """VGG-style CNN: stages of 3x3 conv-BN-ReLU and 2x2 max-pooling, then a dense head.

    Widths stay small at full resolution (where a conv is expensive) and grow
    as the map shrinks; with four stages the 48x48 face ends as a 3x3 map,
    which the head flattens so the position of mouth and eyes is kept.
    """
    inputs = keras.Input((INPUT_SIZE, INPUT_SIZE, 1), name="face")
    x = inputs
    for stage, filters in enumerate(widths, start=1):
        for index in range(convs_per_stage):
            x = conv_bn_relu(x, filters, f"stage{stage}_{index + 1}")
        x = layers.MaxPooling2D(name=f"stage{stage}_pool")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dropout(dropout, name="head_dropout1")(x)
    return keras.Model(inputs, dense_head(x, dense_units, dropout, "head_bn"), name="scratch_cnn")


def build_resnet50v2(backbone_size: int = 96, weights: str | None = None, trainable_top_layers: int = 50,
                     dropout: float = 0.5, dense_units: int = 256) -> keras.Model:
    """ResNet50V2 transfer model after the published FER2013 recipe.

    Input: 48x48 gray normalised to [-1, 1] (ResNetV2's own preprocessing,
    applied by ``emotion_desktop.preprocessing.normalise``). In-graph: bilinear
    upscale to ``backbone_size`` and gray replicated to 3 channels, then the
    backbone, global pooling, BN + dropout + a small dense head.

    ``weights`` is passed to Keras as is: ``"imagenet"`` (downloads, needs a
    connection), ``None`` (random init) or a local ``.h5`` path. Only the top
    ``trainable_top_layers`` backbone layers are trainable (stage 2 of the
    recipe); call ``set_backbone_trainable`` to change that.
    """
    inputs = keras.Input((INPUT_SIZE, INPUT_SIZE, 1), name="face")
    x = layers.Resizing(backbone_size, backbone_size, interpolation="bilinear", name="upscale")(inputs)
    x = layers.Concatenate(name="gray_to_rgb")([x, x, x])
    backbone = keras.applications.ResNet50V2(include_top=False, weights=weights,
                                             input_shape=(backbone_size, backbone_size, 3), pooling="avg")
    x = backbone(x)
    x = layers.BatchNormalization(momentum=BN_MOMENTUM, name="head_bn1")(x)
    x = layers.Dropout(dropout, name="head_dropout1")(x)
    model = keras.Model(inputs, dense_head(x, dense_units, dropout, "head_bn2"), name="resnet50v2_emotion")
    set_backbone_trainable(model, trainable_top_layers)
    return model


def backbone_of(model: keras.Model) -> keras.Model:
    return model.get_layer("resnet50v2")


def set_backbone_trainable(model: keras.Model, top_layers: int | None) -> None:
    """Freeze the backbone except its top ``top_layers`` layers (None: all trainable, 0: frozen).

    BatchNormalization layers inside the backbone follow the same rule.
    """
    backbone = backbone_of(model)
    backbone.trainable = True
    count = len(backbone.layers)
    first_trainable = 0 if top_layers is None else max(0, count - top_layers)
    for index, layer in enumerate(backbone.layers):
        layer.trainable = index >= first_trainable


BUILDERS = {"scratch_cnn": build_scratch_cnn, "resnet50v2": build_resnet50v2}
SPECS = {"scratch_cnn": SCRATCH_SPEC, "resnet50v2": RESNET_SPEC}

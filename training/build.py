"""The Keras model a training run's arguments describe (``train.py`` builds it to train, ``finish.py``
to rebuild the float32 model that ships)."""

from __future__ import annotations

from pathlib import Path


def check_weights_argument(weights: str) -> str | None:
    """Keras's ``weights=`` value for a --weights option; clear errors for a bad local file."""
    if weights == "none":
        return None
    if weights == "imagenet":
        return "imagenet"
    path = Path(weights)
    if not path.is_file():
        raise SystemExit(f"error: --weights {weights}: no such file. Use 'imagenet' (needs a connection), "
                         "'none' (random init), or the path of a ResNet50V2 notop .h5 file such as "
                         "resnet50v2_weights_tf_dim_ordering_tf_kernels_notop.h5")
    return str(path)



def build_model(args):
    from training import models

    if args.model == "scratch_cnn":
        width = args.width
        return models.build_scratch_cnn(widths=(width, width * 2, width * 4, width * 8))
    try:
        return models.build_resnet50v2(backbone_size=args.input_size, weights=check_weights_argument(args.weights))
    except ValueError as error:  # Keras says so when a local file does not fit the architecture
        raise SystemExit(f"error: --weights {args.weights} does not fit ResNet50V2 (include_top=False, "
                         f"{args.input_size}x{args.input_size}x3): {error}") from None
    except Exception as error:  # the download of imagenet weights fails offline
        if args.weights == "imagenet":
            raise SystemExit("error: downloading the ImageNet weights failed "
                             f"({type(error).__name__}: {error}). On an offline machine pass "
                             "--weights PATH to resnet50v2_weights_tf_dim_ordering_tf_kernels_notop.h5, "
                             "or --weights none to train from random init.") from None
        raise

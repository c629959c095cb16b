#!/usr/bin/env python3
"""More keras.applications backbones for issue 70's "as users build them", untrained (weights=None; reading and
writing them is what is checked, not their accuracy), on 32x32x3 images with 10 classes, each saved as NAME.keras and
NAME.h5 in OUT:

  mnv3l       MobileNetV3Large(minimalistic=False, include_preprocessing=True)
  mnv3l_min   MobileNetV3Large(minimalistic=True, include_preprocessing=False)
  resnet50    ResNet50 (ZeroPadding2D, MaxPooling2D, the residual Adds), on a Rescaling(1/255)

Usage: ${PYTHON:-python3} scripts/corpus/keras_edge_more.py OUT   (a minute; Keras 3 and TensorFlow)
"""
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import keras  # noqa: E402
from keras import layers  # noqa: E402


def on_rescaling(application, name, **kwargs):
    inputs = keras.Input((32, 32, 3), name="image")
    x = layers.Rescaling(1 / 255.0, name="rescaling")(inputs)
    base = application(input_tensor=x, weights=None, classes=10, **kwargs)
    return keras.Model(inputs, base.output, name=name)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    keras.utils.set_random_seed(0)
    models = {
        "mnv3l": keras.applications.MobileNetV3Large(input_shape=(32, 32, 3), weights=None, classes=10,
                                                     minimalistic=False, include_preprocessing=True),
        "mnv3l_min": on_rescaling(keras.applications.MobileNetV3Large, "mnv3l_min", minimalistic=True,
                                  include_preprocessing=False),
        "resnet50": on_rescaling(keras.applications.ResNet50, "resnet50"),
    }
    for name, model in models.items():
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        model.save(os.path.join(out, name + ".keras"))
        model.save(os.path.join(out, name + ".h5"))
        print(name, model.count_params(), "parameters")


if __name__ == "__main__":
    main()

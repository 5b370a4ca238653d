"""model links (exports listed here are gathered into fastgrad.links)."""
from fastgrad.links.model.classifier import Classifier  # NOQA
from fastgrad.links.model.vision.googlenet import GoogLeNet  # NOQA
from fastgrad.links.model.vision.resnet import ResNet101Layers  # NOQA
from fastgrad.links.model.vision.resnet import ResNet152Layers  # NOQA
from fastgrad.links.model.vision.resnet import ResNet50Layers  # NOQA
from fastgrad.links.model.vision.vgg import VGG16Layers  # NOQA
from fastgrad.links.model.vision.vgg import VGG19Layers  # NOQA

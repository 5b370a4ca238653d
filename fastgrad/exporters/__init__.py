"""Writing a model in another framework's format (Chainer's ``chainer.exporters``)."""
from fastgrad.exporters import caffe  # NOQA

"""Caffe models as fastgrad links (Chainer's ``chainer.links.caffe``)."""
from fastgrad.links.caffe.caffe_function import CaffeFunction  # NOQA

"""The model zoo's pre-trained weights from caffemodels: conversion
(``convert_caffemodel_to_npz``), ``'auto'`` from the download cache, a
``.caffemodel`` name in the model folder, errors; and the npz of the
conversion compared with Chainer 7.8.1's own converter on the same file where
Chainer is installed.

The caffemodels are synthetic: every weight layer of the real model (names
and shapes as BVLC's and MSRA's files have them) with random values."""
import os
import subprocess

import numpy
import pytest

import fastgrad.links as L
from fastgrad.dataset import download
from fastgrad.links.caffe import _proto
from fastgrad.links.model.vision import googlenet, resnet, vgg

CHAINER_PYTHON = os.environ.get('FASTGRAD_CHAINER_PYTHON', '/work/venvs/chainer/bin/python')


def write_caffemodel(model, path, seed=0):
    """A caffemodel with the weight layers ``model`` is converted from, filled
    with random values; returns {(layer, blob index): values}.  BatchNorm
    statistics are stored times a factor, as Caffe does."""
    rng = numpy.random.RandomState(seed)
    net = _proto.NetParameter(name=type(model).__name__)
    values = {}

    def add(name, type, arrays):
        layer = net.layer.add(name=name, type=type)
        layer.bottom.append('in')
        layer.top.append(name)
        for i, a in enumerate(arrays):
            blob = layer.blobs.add()
            blob.shape.dim.extend(a.shape)
            blob.data.extend(a.ravel())
            values[name, i] = a
        return layer

    def rand(shape):
        return rng.standard_normal(shape).astype(numpy.float32)

    for path_, layer in model._caffe_layers():
        dst = model
        for part in path_.split('/'):
            dst = getattr(dst, part)
        if isinstance(layer, tuple):
            bn, scale = layer
            n = dst.avg_mean.shape
            add(bn, 'BatchNorm', [rand(n) * 4, abs(rand(n)) * 4,
                                  numpy.array([4.0], numpy.float32)])
            add(scale, 'Scale', [rand(n), rand(n)]).scale_param.bias_term = True
        elif isinstance(dst, L.Linear):
            add(layer, 'InnerProduct', [rand(dst.W.shape), rand(dst.b.shape)])
        else:
            # MSRA's ResNet-101/152 files have no conv1 bias (ResNet-50's has)
            has_b = dst.b is not None and not (
                layer == 'conv1' and getattr(model, '_n_layers', 50) != 50)
            conv = add(layer, 'Convolution',
                       [rand(dst.W.shape)] + ([rand(dst.b.shape)] if has_b else []))
            conv.convolution_param.kernel_size.append(dst.W.shape[2])
            conv.convolution_param.bias_term = has_b
    with open(path, 'wb') as f:
        f.write(net.SerializeToString())
    return values


def check_weights(model, values):
    for path_, layer in model._caffe_layers():
        dst = model
        for part in path_.split('/'):
            dst = getattr(dst, part)
        if isinstance(layer, tuple):
            bn, scale = layer
            numpy.testing.assert_allclose(dst.avg_mean, values[bn, 0] / 4, rtol=1e-6)
            numpy.testing.assert_allclose(dst.avg_var, values[bn, 1] / 4, rtol=1e-6)
            numpy.testing.assert_array_equal(dst.gamma.array, values[scale, 0])
            numpy.testing.assert_array_equal(dst.beta.array, values[scale, 1])
        else:
            numpy.testing.assert_array_equal(dst.W.array, values[layer, 0])
            if (layer, 1) in values:
                numpy.testing.assert_array_equal(dst.b.array, values[layer, 1])


@pytest.fixture
def model_root(tmp_path, monkeypatch):
    monkeypatch.setenv('HOME', str(tmp_path))
    download.set_dataset_root(str(tmp_path / 'root'))
    download.allow_download(False)
    yield download.get_dataset_directory('pfnet/chainer/models/')
    download.allow_download(None)
    download.set_dataset_root(None)


def test_googlenet_convert_and_load(tmp_path):
    caffemodel = str(tmp_path / 'bvlc_googlenet.caffemodel')
    values = write_caffemodel(L.GoogLeNet(pretrained_model=None), caffemodel)
    npz_path = str(tmp_path / 'googlenet.npz')
    L.GoogLeNet.convert_caffemodel_to_npz(caffemodel, npz_path)
    check_weights(L.GoogLeNet(pretrained_model=npz_path), values)


def test_resnet_convert_and_load(tmp_path):
    """ResNet-101: the inner stages' blocks are a, b1, b2... in MSRA's names,
    and conv1 has no bias there."""
    model = L.ResNet101Layers(pretrained_model=None)
    caffemodel = str(tmp_path / 'ResNet-101-model.caffemodel')
    values = write_caffemodel(model, caffemodel)
    assert ('res4b22_branch2c', 0) in values and ('res5c_branch2c', 0) in values
    npz_path = str(tmp_path / 'resnet101.npz')
    resnet.ResNetLayers.convert_caffemodel_to_npz(caffemodel, npz_path, n_layers=101)
    check_weights(L.ResNet101Layers(pretrained_model=npz_path), values)


def test_auto_converts_a_cached_download_once(model_root, tmp_path):
    """'auto' with the caffemodel in the download cache (as a download would
    leave it) and downloads off: converted into the model cache, then loaded
    from there."""
    cached = download.cached_download_path(googlenet._URL)
    os.makedirs(os.path.dirname(cached))
    values = write_caffemodel(L.GoogLeNet(pretrained_model=None), cached)
    check_weights(L.GoogLeNet(), values)
    assert os.path.exists(os.path.join(model_root, 'bvlc_googlenet.npz'))
    os.remove(cached)
    check_weights(L.GoogLeNet(), values)     # now from the npz


def test_resnet_caffemodel_name_in_the_model_folder(model_root):
    values = write_caffemodel(L.ResNet50Layers(pretrained_model=None),
                              os.path.join(model_root, 'ResNet-50-model.caffemodel'))
    check_weights(L.ResNet50Layers(), values)
    assert os.path.exists(os.path.join(model_root, 'ResNet-50-model.npz'))


def test_missing_weights_say_what_to_do(model_root):
    with pytest.raises(RuntimeError, match='downloads are off.*VGG_ILSVRC_16_layers'):
        L.VGG16Layers()
    with pytest.raises(RuntimeError, match='FASTGRAD_ALLOW_DOWNLOAD'):
        L.GoogLeNet(pretrained_model='auto')
    with pytest.raises(OSError, match='ResNet-101-model.caffemodel'):
        L.ResNet101Layers()


def test_a_wrong_caffemodel_names_the_missing_layer(tmp_path):
    caffemodel = str(tmp_path / 'other.caffemodel')
    write_caffemodel(L.ResNet50Layers(pretrained_model=None), caffemodel)
    with pytest.raises(ValueError, match="no layer 'conv1/7x7_s2'.*GoogLeNet"):
        L.GoogLeNet.convert_caffemodel_to_npz(caffemodel, str(tmp_path / 'x.npz'))
    # ResNet-50's file read as ResNet-101: the blocks differ
    with pytest.raises(ValueError, match="no layer 'res3b1_branch2a'"):
        resnet.ResNetLayers.convert_caffemodel_to_npz(caffemodel, str(tmp_path / 'y.npz'),
                                                      101)


@pytest.mark.slow
def test_vgg16_convert_and_load(tmp_path):
    """The whole 138M-parameter VGG-16 (a 553 MB caffemodel), as the 'auto'
    download gets it."""
    model = L.VGG16Layers(pretrained_model=None)
    caffemodel = str(tmp_path / 'VGG_ILSVRC_16_layers.caffemodel')
    values = write_caffemodel(model, caffemodel)
    del model
    npz_path = str(tmp_path / 'vgg16.npz')
    vgg.VGGLayers.convert_caffemodel_to_npz(caffemodel, npz_path)
    os.remove(caffemodel)
    check_weights(L.VGG16Layers(pretrained_model=npz_path), values)


def _chainer_python():
    if not os.path.exists(CHAINER_PYTHON):
        return None
    ok = subprocess.run([CHAINER_PYTHON, '-c', 'import chainer.links.caffe'],
                        capture_output=True).returncode == 0
    return CHAINER_PYTHON if ok else None


_CHAINER_CONVERT = '''
import sys, chainer.links as L
from chainer.links.model.vision.resnet import ResNetLayers
cls = {'GoogLeNet': L.GoogLeNet, 'ResNet50Layers': ResNetLayers,
       'ResNet101Layers': ResNetLayers}[sys.argv[1]]
args = (sys.argv[2], sys.argv[3])
if sys.argv[1].startswith('ResNet'):
    args += (int(sys.argv[1][6:-6]),)
cls.convert_caffemodel_to_npz(*args)
'''


@pytest.mark.slow
@pytest.mark.parametrize('name', ['GoogLeNet', 'ResNet50Layers', 'ResNet101Layers'])
def test_the_npz_is_chainers(tmp_path, name):
    """The same caffemodel converted by Chainer 7.8.1 (its CaffeFunction on
    protobuf) and by fastgrad gives the same npz: every key, every value."""
    python = _chainer_python()
    if python is None:
        pytest.skip('needs Chainer 7.8.1 with protobuf<=3.20 (set FASTGRAD_CHAINER_PYTHON)')
    model = getattr(L, name)(pretrained_model=None)
    caffemodel = str(tmp_path / 'model.caffemodel')
    write_caffemodel(model, caffemodel)
    theirs, ours = str(tmp_path / 'chainer.npz'), str(tmp_path / 'fastgrad.npz')
    subprocess.run([python, '-c', _CHAINER_CONVERT, name, caffemodel, theirs], check=True,
                   capture_output=True, timeout=600)
    if name == 'GoogLeNet':
        L.GoogLeNet.convert_caffemodel_to_npz(caffemodel, ours)
    else:
        resnet.ResNetLayers.convert_caffemodel_to_npz(caffemodel, ours, int(name[6:-6]))
    with numpy.load(theirs) as a, numpy.load(ours) as b:
        assert sorted(a.files) == sorted(b.files)
        for key in a.files:
            numpy.testing.assert_array_equal(a[key], b[key], err_msg=key)

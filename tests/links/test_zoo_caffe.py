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

import fastgrad
import fastgrad.links as L
from fastgrad.dataset import download
from fastgrad.links.caffe import _proto, caffe_function
from fastgrad.links.model.vision import googlenet, resnet, vgg

CHAINER_PYTHON = os.environ.get('FASTGRAD_CHAINER_PYTHON', '/work/venvs/chainer/bin/python')


def _link_at(model, path):
    for part in path.split('/'):
        model = getattr(model, part)
    return model


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
        dst = _link_at(model, path_)
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
        dst = _link_at(model, path_)
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


def write_resnet50_net(path, seed=0):
    """MSRA's ResNet-50 as a whole Caffe net (layers wired by bottom/top as
    in ResNet-50-deploy.prototxt: the stride on the first 1x1 of a stage,
    BatchNorm + Scale after every convolution, Eltwise sums), random
    He-scaled weights and BatchNorm statistics."""
    rng = numpy.random.RandomState(seed)
    net = _proto.NetParameter(name='ResNet-50')

    def layer(name, type, bottom, top=None, blobs=()):
        lay = net.layer.add(name=name, type=type)
        lay.bottom.append(bottom)
        lay.top.append(top or name)
        for a in blobs:
            blob = lay.blobs.add()
            blob.shape.dim.extend(a.shape)
            blob.data.extend(a.astype(numpy.float32).ravel())
        return lay

    def conv_bn(name, bn, scale, bottom, c_in, c_out, k, stride, pad, bias=False, relu=True):
        W = rng.standard_normal((c_out, c_in, k, k)) * numpy.sqrt(2.0 / (c_in * k * k))
        conv = layer(name, 'Convolution', bottom,
                     blobs=[W] + ([rng.standard_normal(c_out) * 0.1] if bias else []))
        p = conv.convolution_param
        p.num_output, p.bias_term = c_out, bias
        p.kernel_size.append(k)
        p.stride.append(stride)
        p.pad.append(pad)
        factor = 3.0
        stats = [rng.standard_normal(c_out) * 0.1 * factor,
                 (0.5 + rng.rand(c_out)) * factor, numpy.array([factor])]
        layer(bn, 'BatchNorm', name, name, stats).batch_norm_param.use_global_stats = True
        sc = layer(scale, 'Scale', name, name, [0.5 + rng.rand(c_out) * 0.5,
                                                rng.standard_normal(c_out) * 0.1])
        sc.scale_param.bias_term = True
        if relu:
            layer(name + '_relu', 'ReLU', name, name)
        return name

    top = conv_bn('conv1', 'bn_conv1', 'scale_conv1', 'data', 3, 64, 7, 2, 3, bias=True)
    pool = layer('pool1', 'Pooling', top).pooling_param
    pool.pool, pool.kernel_size, pool.stride = pool.MAX, 3, 2
    top, c_in = 'pool1', 64
    for stage, count, mid in ((2, 3, 64), (3, 4, 128), (4, 6, 256), (5, 3, 512)):
        for i in range(count):
            b = '{}{}'.format(stage, chr(ord('a') + i))
            stride = 2 if i == 0 and stage > 2 else 1
            if i == 0:
                shortcut = conv_bn('res{}_branch1'.format(b), 'bn{}_branch1'.format(b),
                                   'scale{}_branch1'.format(b), top, c_in, mid * 4, 1,
                                   stride, 0, relu=False)
            else:
                shortcut = top
            h = top
            for branch, k, s, c_out in (('2a', 1, stride, mid), ('2b', 3, 1, mid),
                                        ('2c', 1, 1, mid * 4)):
                suffix = '{}_branch{}'.format(b, branch)
                h = conv_bn('res' + suffix, 'bn' + suffix, 'scale' + suffix, h,
                            c_in if branch == '2a' else mid, c_out, k, s, k // 2,
                            relu=branch != '2c')
            add = layer('res' + b, 'Eltwise', shortcut)
            add.bottom.append(h)
            layer('res{}_relu'.format(b), 'ReLU', 'res' + b, 'res' + b)
            top, c_in = 'res' + b, mid * 4
    pool = layer('pool5', 'Pooling', top).pooling_param
    pool.pool, pool.kernel_size, pool.stride = pool.AVE, 7, 1
    layer('fc1000', 'InnerProduct', 'pool5',
          blobs=[rng.standard_normal((1000, 2048)) * 0.02, rng.standard_normal(1000) * 0.1])
    layer('prob', 'Softmax', 'fc1000')
    with open(path, 'wb') as f:
        f.write(net.SerializeToString())


@pytest.mark.slow
def test_resnet50_caffe_net_equals_the_converted_zoo_model(tmp_path):
    """One caffemodel, two independent readings: CaffeFunction interprets the
    net layer by layer (BatchNorm's scale factor, Scale, Eltwise, Caffe's
    pooling), ResNet50Layers is fastgrad's own network with the converted
    weights.  The logits and probabilities agree."""
    caffemodel = str(tmp_path / 'ResNet-50-model.caffemodel')
    write_resnet50_net(caffemodel)
    func = caffe_function.CaffeFunction(caffemodel)
    npz_path = str(tmp_path / 'resnet50.npz')
    resnet.ResNetLayers.convert_caffemodel_to_npz(caffemodel, npz_path, 50)
    model = L.ResNet50Layers(pretrained_model=npz_path)
    # Chainer's ResNet keeps BatchNormalization's eps (2e-5); Caffe's is 1e-5
    for link in model.links():
        if isinstance(link, L.BatchNormalization):
            link.eps = 1e-5
    x = numpy.random.RandomState(1).standard_normal((2, 3, 224, 224)).astype(numpy.float32)
    with fastgrad.using_config('train', False), fastgrad.no_backprop_mode():
        logits, prob = func(inputs={'data': x}, outputs=['fc1000', 'prob'])
        ours = model(x, layers=['fc6', 'prob'])
    scale = abs(logits.array).max()
    numpy.testing.assert_allclose(ours['fc6'].array, logits.array, rtol=1e-4,
                                  atol=1e-5 * scale)
    numpy.testing.assert_allclose(ours['prob'].array, prob.array, rtol=1e-3, atol=1e-6)

"""CaffeFunction on small Caffe models written by the schema's own writer
(the bytes agree with protobuf's: tests/links/test_caffe_proto.py), checked
against NumPy formulas in float64."""

import numpy
import pytest

import fastgrad
import fastgrad.functions as F
from fastgrad.links.caffe import CaffeFunction
from fastgrad.links.caffe import _proto as P

rng = numpy.random.RandomState(0)


def _blob(layer, array, legacy=False):
    blob = layer.blobs.add()
    array = numpy.asarray(array, numpy.float32)
    if legacy:   # old models: num, channels, height, width
        dims = (1,) * (4 - array.ndim) + array.shape
        blob.num, blob.channels, blob.height, blob.width = dims
    else:
        blob.shape.dim.extend(array.shape)
    blob.data.extend(array.ravel())


def _layer(net, name, type, bottom, top):
    layer = net.layer.add(name=name, type=type)
    layer.bottom.extend(bottom)
    layer.top.extend(top)
    return layer


def _save(tmp_path, net, name='net.caffemodel'):
    path = str(tmp_path / name)
    with open(path, 'wb') as f:
        f.write(net.SerializeToString())
    return path


def _conv_ref(x, W, b, stride, pad):
    n, c, h, w = x.shape
    o, _, kh, kw = W.shape
    xp = numpy.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    oh = (h + 2 * pad - kh) // stride + 1
    ow = (w + 2 * pad - kw) // stride + 1
    y = numpy.zeros((n, o, oh, ow))
    for i in range(kh):
        for j in range(kw):
            patch = xp[:, :, i:i + stride * oh:stride, j:j + stride * ow:stride]
            y += numpy.einsum('nchw,oc->nohw', patch, W[:, :, i, j])
    return y + b[None, :, None, None]


def _maxpool_ref(x, k, s):
    # Caffe's (and Chainer's cover_all) ceil mode; here the sizes divide evenly
    n, c, h, w = x.shape
    return x.reshape(n, c, h // k, k, w // k, k).max(axis=(3, 5))


def test_a_small_cnn_against_numpy(tmp_path):
    x = rng.randn(2, 4, 8, 8)
    W1 = rng.randn(6, 4, 3, 3) * 0.3
    b1 = rng.randn(6)
    W2 = rng.randn(6, 3, 3, 3) * 0.3    # group 2: 3 of the 6 channels each
    b2 = rng.randn(6)
    mean, var, factor = rng.randn(6), rng.rand(6) + 0.5, 2.0
    gamma, beta = rng.randn(6), rng.randn(6)
    Wfc = rng.randn(5, 6 * 4 * 4) * 0.1
    bfc = rng.randn(5)

    net = P.NetParameter(name='small')
    conv1 = _layer(net, 'conv1', 'Convolution', ['data'], ['conv1'])
    conv1.convolution_param.kernel_size.append(3)
    conv1.convolution_param.pad.append(1)
    _blob(conv1, W1)
    _blob(conv1, b1)
    _layer(net, 'relu1', 'ReLU', ['conv1'], ['conv1'])
    conv2 = _layer(net, 'conv2/grouped', 'Convolution', ['conv1'], ['conv2'])
    conv2.convolution_param.kernel_size.append(3)
    conv2.convolution_param.pad.append(1)
    conv2.convolution_param.group = 2
    _blob(conv2, W2)
    _blob(conv2, b2)
    bn = _layer(net, 'bn2', 'BatchNorm', ['conv2'], ['conv2'])
    bn.batch_norm_param.use_global_stats = True
    _blob(bn, mean * factor)
    _blob(bn, var * factor)
    _blob(bn, [factor])
    scale = _layer(net, 'scale2', 'Scale', ['conv2'], ['conv2'])
    scale.scale_param.bias_term = True
    _blob(scale, gamma)
    _blob(scale, beta)
    split = _layer(net, 'split', 'Split', ['conv2'], ['a', 'b'])
    add = _layer(net, 'sum', 'Eltwise', ['a', 'b', 'conv1'], ['sum'])
    add.eltwise_param.coeff.extend([1.0, 0.5, -1.0])
    pool = _layer(net, 'pool', 'Pooling', ['sum'], ['pool'])
    pool.pooling_param.kernel_size = 2
    pool.pooling_param.stride = 2
    fc = _layer(net, 'fc', 'InnerProduct', ['pool'], ['fc'])
    _blob(fc, Wfc)
    _blob(fc, bfc)
    _layer(net, 'prob', 'Softmax', ['fc'], ['prob'])
    del split

    func = CaffeFunction(_save(tmp_path, net))
    with fastgrad.using_config('train', False):
        prob, fc_out = func(inputs={'data': x.astype(numpy.float32)},
                            outputs=['prob', 'fc'])

    h1 = numpy.maximum(_conv_ref(x, W1, b1, 1, 1), 0)
    h2 = numpy.concatenate([_conv_ref(h1[:, :3], W2[:3], b2[:3], 1, 1),
                            _conv_ref(h1[:, 3:], W2[3:], b2[3:], 1, 1)], axis=1)
    c = (slice(None), None, None)
    h2 = (h2 - mean[c]) / numpy.sqrt(var[c] + 1e-5) * gamma[c] + beta[c]
    h3 = h2 + 0.5 * h2 - h1
    h4 = _maxpool_ref(h3, 2, 2)
    y = h4.reshape(2, -1) @ Wfc.T + bfc
    p = numpy.exp(y - y.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    numpy.testing.assert_allclose(fc_out.array, y, rtol=1e-4, atol=1e-4)
    numpy.testing.assert_allclose(prob.array, p, rtol=1e-4, atol=1e-5)
    # the children are named after the layers; the grouped filters are one
    # block-diagonal weight (Chainer's layout)
    assert func['conv2/grouped'].W.shape == (6, 6, 3, 3)
    assert not func['conv2/grouped'].W.array[:3, 3:].any()
    assert func.split_map == {'a': 'conv2', 'b': 'conv2'}
    assert [name for name, _, _ in func.layers] == [
        'conv1', 'relu1', 'conv2/grouped', 'bn2', 'scale2', 'sum', 'pool', 'fc', 'prob']


def test_the_graph_is_kept_for_backward(tmp_path):
    net = P.NetParameter()
    fc = _layer(net, 'fc', 'InnerProduct', ['x'], ['y'])
    _blob(fc, rng.randn(3, 4))
    _blob(fc, rng.randn(3))
    func = CaffeFunction(_save(tmp_path, net))
    func.cleargrads()     # parameters start with NaN gradients, as in Chainer
    x = fastgrad.Variable(rng.randn(2, 4).astype(numpy.float32))
    y, = func(inputs={'x': x}, outputs=['y'])
    F.sum(y).backward()
    numpy.testing.assert_allclose(func.fc.W.grad, numpy.tile(x.array.sum(axis=0), (3, 1)),
                                  rtol=1e-5)
    numpy.testing.assert_allclose(x.grad, numpy.tile(func.fc.W.array.sum(axis=0), (2, 1)),
                                  rtol=1e-5)


def test_v1_layers_with_legacy_blob_shapes(tmp_path):
    """Old models (VGG's caffemodels) use the V1 ``layers`` field, an enum
    type and num/channels/height/width blob shapes: same result as the new
    format."""
    W, b = rng.randn(3, 2, 3, 3), rng.randn(3)
    Wfc, bfc = rng.randn(4, 3 * 5 * 5), rng.randn(4)
    nets = []
    for v1 in (False, True):
        net = P.NetParameter()
        layers = net.layers if v1 else net.layer
        V1 = P.V1LayerParameter
        conv = layers.add(name='conv', type=V1.CONVOLUTION if v1 else 'Convolution')
        conv.bottom.append('data')
        conv.top.append('conv')
        conv.convolution_param.kernel_size.append(3)
        _blob(conv, W, legacy=v1)
        _blob(conv, b, legacy=v1)
        relu = layers.add(name='relu', type=V1.RELU if v1 else 'ReLU')
        relu.bottom.append('conv')
        relu.top.append('conv')
        fc = layers.add(name='fc', type=V1.INNER_PRODUCT if v1 else 'InnerProduct')
        fc.bottom.append('conv')
        fc.top.append('fc')
        _blob(fc, Wfc, legacy=v1)
        _blob(fc, bfc, legacy=v1)
        nets.append(CaffeFunction(_save(tmp_path, net, 'v1.caffemodel' if v1 else 'n')))
    x = rng.randn(2, 2, 7, 7).astype(numpy.float32)
    y_new, = nets[0](inputs={'data': x}, outputs=['fc'])
    y_old, = nets[1](inputs={'data': x}, outputs=['fc'])
    ref = numpy.maximum(_conv_ref(x.astype(numpy.float64), W, b, 1, 0), 0)
    ref = ref.reshape(2, -1) @ Wfc.T + bfc
    numpy.testing.assert_allclose(y_new.array, ref, rtol=1e-4, atol=1e-4)
    numpy.testing.assert_array_equal(y_old.array, y_new.array)


def test_reshape_flatten_concat_slice(tmp_path):
    net = P.NetParameter()
    r = _layer(net, 'r', 'Reshape', ['x'], ['r'])
    r.reshape_param.shape.dim.extend([0, -1, 2])    # 0 keeps the batch axis
    _layer(net, 'f', 'Flatten', ['r'], ['f'])
    c = _layer(net, 'c', 'Concat', ['f', 'f'], ['c'])
    c.concat_param.axis = 1
    s = _layer(net, 's', 'Slice', ['c'], ['s1', 's2'])
    s.slice_param.slice_point.append(5)
    func = CaffeFunction(_save(tmp_path, net))
    x = rng.randn(3, 4, 2, 2).astype(numpy.float32)
    r_out, f_out, s1, s2 = func(inputs={'x': x}, outputs=['r', 'f', 's1', 's2'])
    assert r_out.shape == (3, 8, 2)
    numpy.testing.assert_array_equal(f_out.array, x.reshape(3, 16))
    both = numpy.concatenate([x.reshape(3, 16)] * 2, axis=1)
    numpy.testing.assert_array_equal(s1.array, both[:, :5])
    numpy.testing.assert_array_equal(s2.array, both[:, 5:])


def test_unsupported_layers_warn_and_are_skipped(tmp_path):
    net = P.NetParameter()
    _layer(net, 'data', 'Data', [], ['x'])
    _layer(net, 'odd', 'SomethingNew', ['x'], ['y'])
    _layer(net, 'relu', 'ReLU', ['x'], ['z'])
    with pytest.warns(UserWarning, match="'odd'.*SomethingNew"):
        func = CaffeFunction(_save(tmp_path, net))
    assert [name for name, _, _ in func.layers] == ['relu']
    with pytest.raises(KeyError, match="'y'"):
        func(inputs={'x': numpy.ones((1, 2), numpy.float32)}, outputs=['y'])


def test_disable_skips_a_layer(tmp_path):
    net = P.NetParameter()
    _layer(net, 'relu', 'ReLU', ['x'], ['x'])
    func = CaffeFunction(_save(tmp_path, net))
    x = numpy.array([[-1.0, 2.0]], numpy.float32)
    y, = func(inputs={'x': x}, outputs=['x'], disable=['relu'])
    assert y is x


def test_bad_files_raise_clear_errors(tmp_path):
    good = P.NetParameter()
    fc = _layer(good, 'fc', 'InnerProduct', ['x'], ['y'])
    _blob(fc, rng.randn(3, 4))
    _blob(fc, rng.randn(3))
    data = good.SerializeToString()
    path = str(tmp_path / 'cut.caffemodel')
    with open(path, 'wb') as f:
        f.write(data[:len(data) // 2])
    with pytest.raises(ValueError, match='cut.caffemodel is not a Caffe model'):
        CaffeFunction(path)

    wrong = P.NetParameter()
    fc = _layer(wrong, 'fc', 'InnerProduct', ['x'], ['y'])
    blob = fc.blobs.add()
    blob.shape.dim.extend([3, 4])
    blob.data.extend([1.0] * 11)
    with pytest.raises(RuntimeError, match="'fc'.*11 values; shape \\(3, 4\\) needs 12"):
        CaffeFunction(_save(tmp_path, wrong))

    nobias = P.NetParameter()
    conv = _layer(nobias, 'conv', 'Convolution', ['x'], ['y'])
    conv.convolution_param.kernel_size.append(1)
    _blob(conv, numpy.ones((2, 2, 1, 1)))
    with pytest.raises(RuntimeError, match="'conv'.*has 1 blob"):
        CaffeFunction(_save(tmp_path, nobias))

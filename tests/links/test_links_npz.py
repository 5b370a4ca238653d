"""The new links save and load through fastgrad.serializers with Chainer's npz
keys (parameters and persistent values), lazily initialized ones included."""
import numpy

import fastgrad
import fastgrad.links as L
from fastgrad import serializers


def _model():
    return fastgrad.Chain(
        bil=L.Bilinear(2, 3, 4), bias=L.Bias(shape=(3,)),
        bn=L.BatchNormalization(3), conv=L.Convolution2D(2, 3),
        deconv=L.Deconvolution2D(1, 2, 3), embed=L.EmbedID(5, 2),
        highway=L.Highway(3), ln=L.LayerNormalization(), lstm=L.LSTM(3),
        maxout=L.Maxout(3, 2, 2), prelu=L.PReLU(), scale=L.Scale(W_shape=(3,),
                                                                  bias_term=True))


def _run(m):
    """Initialize the lazy parameters and move the BN statistics."""
    m.conv(numpy.random.randn(1, 4, 5, 5).astype(numpy.float32))
    m.ln(numpy.random.randn(2, 6).astype(numpy.float32))
    m.lstm(numpy.random.randn(2, 5).astype(numpy.float32))
    m.bn(numpy.random.randn(4, 3).astype(numpy.float32))


EXPECTED_KEYS = sorted([
    'bil/V1', 'bil/V2', 'bil/W', 'bil/b', 'bias/b',
    'bn/N', 'bn/avg_mean', 'bn/avg_var', 'bn/beta', 'bn/gamma',
    'conv/W', 'conv/b', 'deconv/W', 'deconv/b', 'embed/W',
    'highway/plain/W', 'highway/plain/b', 'highway/transform/W', 'highway/transform/b',
    'ln/beta', 'ln/gamma', 'lstm/lateral/W', 'lstm/upward/W', 'lstm/upward/b',
    'maxout/linear/W', 'maxout/linear/b', 'prelu/W', 'scale/W', 'scale/bias/b'])


def test_npz_keys_and_round_trip(tmp_path):
    src = _model()
    _run(src)
    for p in src.params():
        p.array[...] = numpy.random.randn(*p.shape)
    src.bn.N = 7
    path = str(tmp_path / 'model.npz')
    serializers.save_npz(path, src)
    with numpy.load(path) as npz:
        assert sorted(npz.files) == EXPECTED_KEYS

    dst = _model()   # lazy parameters still uninitialized: load creates them
    assert dst.conv.W.array is None and dst.lstm.upward.W.array is None
    serializers.load_npz(path, dst)
    for (name, p), (name2, q) in zip(src.namedparams(), dst.namedparams()):
        assert name == name2
        numpy.testing.assert_array_equal(p.array, q.array)
    numpy.testing.assert_array_equal(dst.bn.avg_mean, src.bn.avg_mean)
    numpy.testing.assert_array_equal(dst.bn.avg_var, src.bn.avg_var)
    assert int(dst.bn.N) == 7
    x = numpy.random.randn(4, 3).astype(numpy.float32)
    with fastgrad.using_config('train', False):
        numpy.testing.assert_array_equal(dst.bn(x).array, src.bn(x).array)
    xc = numpy.random.randn(1, 4, 5, 5).astype(numpy.float32)
    numpy.testing.assert_array_equal(dst.conv(xc).array, src.conv(xc).array)

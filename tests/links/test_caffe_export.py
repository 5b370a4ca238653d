"""exporters.caffe: a model's graph written as a Caffe net and read back by
CaffeFunction gives the model's outputs; the prototxt is protobuf text that
protobuf itself parses (where installed); what has no Caffe layer is refused
with the function's name."""
import os
import sys

import numpy
import pytest

import fastgrad
import fastgrad.functions as F
import fastgrad.links as L
from fastgrad.exporters import caffe
from fastgrad.links.caffe import CaffeFunction, _proto

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                '_helpers'))
from caffe_protobuf import protobuf_classes  # noqa: E402  (tests/_helpers)


class Net(fastgrad.Chain):
    def __init__(self):
        super().__init__()
        with self.init_scope():
            self.c1 = L.Convolution2D(3, 8, 3, stride=1, pad=1)
            self.bn = L.BatchNormalization(8)
            self.c2 = L.Convolution2D(8, 8, 3, stride=2, pad=1, groups=2, nobias=True)
            self.d = L.Deconvolution2D(16, 4, 2, stride=2)
            self.fc = L.Linear(None, 5)

    def forward(self, x):
        h = F.relu(self.bn(self.c1(x)))
        h = F.local_response_normalization(h)
        a = F.max_pooling_2d(F.leaky_relu(self.c2(h), 0.2), 3, 2)
        b = F.average_pooling_2d(F.tanh(self.c2(h)), 3, 2, 1)
        h = F.concat([a, b], axis=1)
        h = self.d(h) + F.sigmoid(self.d(h))
        h = F.reshape(h, (h.shape[0], -1))
        return F.softmax(self.fc(h)), h


def _net():
    numpy.random.seed(0)
    net = Net()
    net.bn.avg_mean[...] = numpy.random.randn(8) * 0.1
    net.bn.avg_var[...] = numpy.random.rand(8) + 0.5
    net.bn.gamma.array[...] = numpy.random.rand(8) + 0.5
    net.bn.beta.array[...] = numpy.random.randn(8) * 0.1
    return net


def test_round_trip_through_caffefunction(tmp_path):
    net = _net()
    x = fastgrad.Variable(numpy.random.randn(2, 3, 11, 11).astype(numpy.float32))
    exported = caffe.export(net, [x], str(tmp_path), graph_name='net')
    assert os.path.exists(str(tmp_path / 'chainer_model.prototxt'))
    func = CaffeFunction(str(tmp_path / 'chainer_model.caffemodel'))
    types = [layer.type for layer in exported.layer]
    assert types[0] == 'Input' and types.count('BatchNorm') == 1 and types.count('Scale') == 1
    # the two outputs are the last two layers' tops, in their order in the graph
    prob_name = [layer.name for layer in exported.layer if layer.type == 'Softmax'][0]
    flat_name = [layer.name for layer in exported.layer if layer.type == 'Reshape'][0]
    with fastgrad.using_config('train', False):
        prob, flat = net(x)
        got_prob, got_flat = func(inputs={'data': x}, outputs=[prob_name, flat_name])
    numpy.testing.assert_allclose(got_flat.array, flat.array, rtol=1e-5, atol=1e-6)
    numpy.testing.assert_allclose(got_prob.array, prob.array, rtol=1e-5, atol=1e-7)


def test_the_prototxt_is_protobuf_text(tmp_path):
    pytest.importorskip('google.protobuf')
    from google.protobuf import text_format

    net = _net()
    x = fastgrad.Variable(numpy.zeros((1, 3, 8, 8), numpy.float32))
    exported = caffe.export(net, [x], str(tmp_path))
    theirs = protobuf_classes()['NetParameter']()
    with open(str(tmp_path / 'chainer_model.prototxt')) as f:
        text_format.Parse(f.read(), theirs)
    assert [layer.name for layer in theirs.layer] == [layer.name for layer in exported.layer]
    assert all(len(layer.blobs) == 0 for layer in theirs.layer)
    assert list(theirs.layer[0].input_param.shape[0].dim) == [1, 3, 8, 8]
    mine = _proto.NetParameter.FromString(theirs.SerializeToString())
    assert mine.layer[1].convolution_param.kernel_h == 3


def test_no_directory_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    x = fastgrad.Variable(numpy.zeros((1, 3), numpy.float32))
    net = caffe.export(L.Linear(3, 2), [x], None)
    assert [layer.type for layer in net.layer] == ['Input', 'InnerProduct']
    assert os.listdir(str(tmp_path)) == []


def test_what_has_no_caffe_layer_is_refused():
    x = fastgrad.Variable(numpy.ones((1, 2, 5, 5), numpy.float32))
    with pytest.raises(NotImplementedError, match=r'exp \(Exp, rank 0\) has no Caffe layer'):
        caffe.export(lambda v: F.exp(v), [x])
    with pytest.raises(NotImplementedError, match='exactly one input'):
        caffe.export(lambda a, b: a + b, [x, x])
    with pytest.raises(NotImplementedError, match='cover_all=False'):
        caffe.export(lambda v: F.max_pooling_2d(v, 2, cover_all=False), [x])
    with pytest.raises(NotImplementedError, match='constant'):
        caffe.export(lambda v: v + numpy.ones((1, 2, 5, 5), numpy.float32), [x])
    with pytest.raises(TypeError, match='Variables'):
        caffe.export(lambda v: v, [x.array])

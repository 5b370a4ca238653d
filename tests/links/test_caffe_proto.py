"""The Caffe schema's messages (fastgrad/links/caffe/_proto.py): protobuf's
semantics where Chainer relies on them, and the wire format checked against
the protobuf package itself (built from the same field table) where it is
installed."""
import os
import sys

import numpy
import pytest

from fastgrad.links.caffe import _proto as P

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                '_helpers'))
from caffe_protobuf import protobuf_classes  # noqa: E402  (tests/_helpers)


def _conv_net():
    net = P.NetParameter(name='n')
    layer = net.layer.add(name='conv1', type='Convolution')
    layer.bottom.append('data')
    layer.top.append('conv1')
    layer.convolution_param.kernel_size.append(3)
    layer.convolution_param.group = 2
    blob = layer.blobs.add()
    blob.shape.dim.extend([4, 1, 3, 3])
    blob.data.extend(numpy.arange(36, dtype=numpy.float32) / 7)
    return net


def test_defaults_and_has_field():
    layer = P.LayerParameter()
    assert layer.name == '' and len(layer.bottom) == 0
    assert layer.convolution_param.bias_term is True
    assert layer.convolution_param.group == 1
    assert layer.eltwise_param.operation == P.EltwiseParameter.SUM
    assert layer.batch_norm_param.eps == pytest.approx(1e-5)
    # reading a sub-message does not set it; setting a field inside does
    assert not layer.HasField('convolution_param')
    layer.slice_param.axis = 1
    assert layer.HasField('slice_param')
    assert layer.slice_param.HasField('axis')
    assert not layer.slice_param.HasField('slice_dim')


def test_round_trip():
    net = _conv_net()
    back = P.NetParameter.FromString(net.SerializeToString())
    assert back == net
    layer = back.layer[0]
    assert (layer.name, list(layer.bottom), list(layer.top)) == ('conv1', ['data'],
                                                                ['conv1'])
    assert list(layer.blobs[0].shape.dim) == [4, 1, 3, 3]
    numpy.testing.assert_array_equal(layer.blobs[0].data,
                                     numpy.arange(36, dtype=numpy.float32) / 7)
    assert layer.convolution_param.group == 2


def test_negative_and_wide_integers():
    shape = P.ReshapeParameter()
    shape.shape.dim.extend([0, -1, 2 ** 40])
    shape.axis = -2
    back = P.ReshapeParameter.FromString(shape.SerializeToString())
    assert list(back.shape.dim) == [0, -1, 2 ** 40]
    assert back.axis == -2


def test_unknown_fields_are_skipped():
    # field 99 (varint), 98 (length-delimited), 97 (fixed32), 96 (fixed64) in front
    extra = bytes([99 << 3 & 0x7F | 0x80, 99 >> 4, 5]) \
        + bytes([(98 << 3 | 2) & 0x7F | 0x80, 98 >> 4, 2, 1, 2]) \
        + bytes([(97 << 3 | 5) & 0x7F | 0x80, 97 >> 4, 0, 0, 0, 0]) \
        + bytes([(96 << 3 | 1) & 0x7F | 0x80, 96 >> 4]) + bytes(8)
    net = P.NetParameter.FromString(extra + _conv_net().SerializeToString())
    assert net == _conv_net()


def test_unpacked_floats_are_read():
    # old writers put one tag per float (field 5, wire type 5)
    values = numpy.array([1.5, -2.0, 3.25], numpy.float32)
    raw = b''.join(bytes([5 << 3 | 5]) + v.tobytes() for v in values)
    raw += bytes([1 << 3, 7])         # then num = 7
    blob = P.BlobProto.FromString(raw)
    numpy.testing.assert_array_equal(blob.data, values)
    assert blob.num == 7


def test_unpacked_floats_edge_cases():
    # a tag written in two bytes (valid, not canonical): the run still reads
    values = numpy.array([1.0, 2.0], numpy.float32)
    raw = b''.join(bytes([(5 << 3 | 5) | 0x80, 0]) + v.tobytes() for v in values)
    numpy.testing.assert_array_equal(P.BlobProto.FromString(raw).data, values)
    # a value cut short at the end of the message (this looped for ever once)
    with pytest.raises(P.DecodeError, match='truncated'):
        P.BlobProto.FromString(bytes([5 << 3 | 5, 1, 2]))


def test_mutated_bytes_parse_or_raise_decode_error():
    """Random byte changes of valid messages: each either parses or raises
    DecodeError, and none hangs (the test's timeout)."""
    rng = numpy.random.RandomState(0)
    unpacked = b''.join(bytes([5 << 3 | 5]) + numpy.float32(i).tobytes() for i in range(6))
    for i in range(3000):
        cls, data = (P.NetParameter, _conv_net().SerializeToString()) if i % 2 \
            else (P.BlobProto, unpacked)
        d = bytearray(data)
        for _ in range(rng.randint(1, 5)):
            pos = rng.randint(len(d))
            op = rng.rand()
            if op < 0.6:
                d[pos] = rng.randint(256)
            elif op < 0.8:
                del d[pos]
            else:
                d.insert(pos, rng.randint(256))
        try:
            cls.FromString(bytes(d))
        except P.DecodeError:
            pass


@pytest.mark.parametrize('cut', [1, 5, 20, -3])
def test_truncated_bytes_raise(cut):
    data = _conv_net().SerializeToString()
    with pytest.raises(P.DecodeError):
        P.NetParameter.FromString(data[:cut])


def test_wrong_types_raise():
    layer = P.LayerParameter()
    with pytest.raises(AttributeError, match='no field'):
        layer.no_such_field
    with pytest.raises(AttributeError, match='not allowed'):
        layer.bottom = ['x']
    with pytest.raises(TypeError, match='expected str'):
        layer.name = 3
    with pytest.raises(TypeError, match='BlobProto message'):
        layer.blobs.append(P.BlobShape())
    assert not hasattr(layer.bottom, 'add')    # what tells scalars from messages


# -- against the protobuf package

def test_bytes_agree_with_protobuf():
    pb = protobuf_classes()
    net = _conv_net()
    theirs = pb['NetParameter']()
    theirs.ParseFromString(net.SerializeToString())
    assert theirs.layer[0].convolution_param.group == 2
    assert list(theirs.layer[0].blobs[0].shape.dim) == [4, 1, 3, 3]
    numpy.testing.assert_array_equal(numpy.array(theirs.layer[0].blobs[0].data,
                                                 numpy.float32),
                                     net.layer[0].blobs[0].data)
    # and the other way: protobuf's bytes, read here
    other = pb['NetParameter'](name='m')
    v1 = other.layers.add(name='fc', type=14)
    v1.inner_product_param.num_output = 3
    v1.blobs.add().data.extend([0.5, -1.0])
    other.input_dim.extend([1, -3])
    mine = P.NetParameter.FromString(other.SerializeToString())
    assert mine.name == 'm' and list(mine.input_dim) == [1, -3]
    assert mine.layers[0].type == P.V1LayerParameter.INNER_PRODUCT
    assert mine.layers[0].inner_product_param.num_output == 3
    assert list(mine.layers[0].blobs[0].data) == [0.5, -1.0]
    assert mine.SerializeToString() == other.SerializeToString()

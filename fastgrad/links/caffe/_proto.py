"""Protocol Buffers messages of Caffe's schema, read and written without the
protobuf package.

A ``.caffemodel`` is one serialized ``NetParameter``.  Reading one needs the
wire format (varints, 32/64-bit words, length-delimited fields, packed
repeated numbers) and the field numbers of the messages below, a subset of
Caffe's ``caffe.proto``: the layers :class:`CaffeFunction` builds and what
they carry.  Fields not listed here are skipped when read, as protobuf does.

Messages behave like protobuf's Python messages where Chainer's code and
tests touch them: attribute access with the schema's defaults, ``HasField``,
repeated fields with ``append`` / ``add``, enum values as class attributes,
``SerializeToString`` and ``MergeFromString`` / ``ParseFromString``.
Repeated float and double fields are read as NumPy views of the file's bytes
(a caffemodel holds hundreds of MB of weights).
"""
import struct

import numpy

_VARINT, _FIXED64, _LENGTH, _FIXED32 = 0, 1, 2, 5
_WIRE = {'int32': _VARINT, 'int64': _VARINT, 'uint32': _VARINT, 'uint64': _VARINT,
         'bool': _VARINT, 'enum': _VARINT, 'float': _FIXED32, 'double': _FIXED64,
         'string': _LENGTH, 'bytes': _LENGTH}
_NUMPY = {'float': '<f4', 'double': '<f8'}
_SIGNED = ('int32', 'int64', 'enum')


class DecodeError(ValueError):
    """The bytes are not a valid message of the schema."""


class _Field(object):
    __slots__ = ('name', 'number', 'kind', 'repeated', 'packed', 'default')

    def __init__(self, name, number, kind, repeated, packed, default):
        self.name, self.number, self.kind = name, number, kind
        self.repeated, self.packed = repeated, packed
        if default is None and kind in _WIRE:
            default = {'string': '', 'bytes': b'', 'bool': False, 'float': 0.0,
                       'double': 0.0}.get(kind, 0)
        self.default = default

    @property
    def is_message(self):
        return self.kind not in _WIRE


class Repeated(object):
    """A repeated field of scalars: a list, or a read-only NumPy array for
    numbers read from packed bytes (turned into a list when changed)."""
    __slots__ = ('_items', '_field')

    def __init__(self, field):
        self._items = []
        self._field = field

    def _mutable(self):
        if not isinstance(self._items, list):
            self._items = self._items.tolist()
        return self._items

    def append(self, value):
        self._mutable().append(_coerce(self._field, value))

    def extend(self, values):
        if self._field.kind in _NUMPY and isinstance(values, numpy.ndarray):
            # weights: kept as one array, not a list of Python floats
            self._extend_decoded(values.astype(_NUMPY[self._field.kind]).ravel())
            return
        for v in values:
            self.append(v)

    def _extend_decoded(self, values):
        """Add what the decoder read: one value, or an array of numbers."""
        if not isinstance(values, numpy.ndarray):
            self._mutable().append(values)
        elif isinstance(self._items, list) and not self._items:
            self._items = values
        else:
            self._items = numpy.concatenate([numpy.asarray(self._items), values])

    def __len__(self):
        return len(self._items)

    def __array__(self, dtype=None, copy=None):
        return numpy.asarray(self._items, dtype=dtype)

    def __iter__(self):
        return iter(self._items)

    def __getitem__(self, index):
        return self._items[index]

    def __setitem__(self, index, value):
        self._mutable()[index] = _coerce(self._field, value)

    def __eq__(self, other):
        try:
            return len(self) == len(other) and all(a == b for a, b in zip(self, other))
        except TypeError:
            return NotImplemented

    __hash__ = None

    def __repr__(self):
        return repr(list(self._items))


class RepeatedMessages(Repeated):
    """A repeated message field: ``add()`` makes and appends a message."""
    __slots__ = ()

    def add(self, **kwargs):
        msg = MESSAGES[self._field.kind](**kwargs)
        self._mutable().append(msg)
        return msg


def _coerce(field, value):
    kind = field.kind
    if field.is_message:
        if not isinstance(value, MESSAGES[kind]):
            raise TypeError('{}: expected a {} message, got {}'.format(
                field.name, kind, type(value).__name__))
        return value
    if kind == 'string':
        if isinstance(value, bytes):
            value = value.decode('utf-8')
        if not isinstance(value, str):
            raise TypeError('{}: expected str, got {}'.format(field.name,
                                                             type(value).__name__))
        return value
    if kind == 'bytes':
        return bytes(value)
    if kind in ('float', 'double'):
        return float(value)
    if kind == 'bool':
        return bool(value)
    return int(value)


class Message(object):
    """Base of the schema's message classes (made by ``_define``)."""
    _fields = {}
    _by_number = {}

    __slots__ = ('_values',)

    def __init__(self, **kwargs):
        object.__setattr__(self, '_values', {})
        for k, v in kwargs.items():
            field = self._field(k)
            if field.repeated:
                getattr(self, k).extend(v)
            elif field.is_message:
                raise TypeError('{}: pass message field {} by setting its own fields'
                                .format(type(self).__name__, k))
            else:
                setattr(self, k, v)

    @classmethod
    def _field(cls, name):
        try:
            return cls._fields[name]
        except KeyError:
            raise AttributeError('{} has no field {!r}'.format(cls.__name__, name)) from None

    def __getattr__(self, name):
        if name.startswith('__'):
            raise AttributeError(name)
        field = self._field(name)
        values = self._values
        if name in values:
            return values[name]
        if field.repeated:
            container = RepeatedMessages if field.is_message else Repeated
            rep = values[name] = container(field)   # "set" once not empty
            return rep
        if field.is_message:
            sub = values[name] = MESSAGES[field.kind]()   # "set" once not empty
            return sub
        return field.default

    def __setattr__(self, name, value):
        field = self._field(name)
        if field.repeated or field.is_message:
            raise AttributeError('{}.{}: assignment to a repeated or message field is '
                                 'not allowed; change it in place'.format(
                                     type(self).__name__, name))
        self._values[name] = _coerce(field, value)

    def _is_set(self, name):
        if name not in self._values:
            return False
        value = self._values[name]
        if isinstance(value, Repeated):
            return len(value) > 0
        if isinstance(value, Message):
            return value._nonempty()
        return True

    def _nonempty(self):
        # protobuf's semantics: a sub-message is set once a field inside it is
        return any(self._is_set(name) for name in self._values)

    def HasField(self, name):
        field = self._field(name)
        if field.repeated:
            raise ValueError('{}.HasField: {} is a repeated field'.format(
                type(self).__name__, name))
        return self._is_set(name)

    def ClearField(self, name):
        self._field(name)
        self._values.pop(name, None)

    def ListFields(self):
        fields = [self._fields[n] for n in self._values if self._is_set(n)]
        return [(f, self._values[f.name]) for f in sorted(fields, key=lambda f: f.number)]

    def __eq__(self, other):
        if type(other) is not type(self):
            return NotImplemented
        return [(f.name, _plain(v)) for f, v in self.ListFields()] == \
            [(f.name, _plain(v)) for f, v in other.ListFields()]

    __hash__ = None

    def __repr__(self):
        return '{}({})'.format(type(self).__name__, ', '.join(
            '{}={!r}'.format(f.name, v) for f, v in self.ListFields()))

    # -- wire format

    def SerializeToString(self):
        out = bytearray()
        for field, value in self.ListFields():
            _encode_field(out, field, value)
        return bytes(out)

    def MergeFromString(self, data):
        view = memoryview(data).cast('B') if not isinstance(data, memoryview) else data
        _decode_into(self, view, 0, len(view))
        return len(view)

    def ParseFromString(self, data):
        self._values.clear()
        return self.MergeFromString(data)

    @classmethod
    def FromString(cls, data):
        msg = cls()
        msg.MergeFromString(data)
        return msg


def text_format(msg, indent=''):
    """``msg`` in protobuf's text format (a ``.prototxt``); enums as numbers,
    which Caffe's parser reads too."""
    lines = []
    for field, value in msg.ListFields():
        for v in (value if field.repeated else (value,)):
            if field.is_message:
                lines.append('{}{} {{'.format(indent, field.name))
                body = text_format(v, indent + '  ')
                if body:
                    lines.append(body)
                lines.append(indent + '}')
            elif field.kind == 'string':
                lines.append('{}{}: "{}"'.format(indent, field.name, v.replace(
                    '\\', '\\\\').replace('"', '\\"').replace('\n', '\\n')))
            elif field.kind == 'bool':
                lines.append('{}{}: {}'.format(indent, field.name, 'true' if v else 'false'))
            elif field.kind in ('float', 'double'):
                lines.append('{}{}: {!r}'.format(indent, field.name, float(v)))
            elif field.kind != 'bytes':
                lines.append('{}{}: {}'.format(indent, field.name, int(v)))
    return '\n'.join(lines)


def _plain(value):
    if isinstance(value, Repeated):
        return [_plain(v) for v in value]
    return value


# -- encoding

def _varint(out, value):
    if value < 0:
        value += 1 << 64
    while True:
        bits = value & 0x7F
        value >>= 7
        if value:
            out.append(bits | 0x80)
        else:
            out.append(bits)
            return


def _encode_scalar(out, kind, value):
    if kind == 'float':
        out += struct.pack('<f', value)
    elif kind == 'double':
        out += struct.pack('<d', value)
    elif kind in ('string', 'bytes'):
        raw = value.encode('utf-8') if kind == 'string' else value
        _varint(out, len(raw))
        out += raw
    else:
        _varint(out, int(value))


def _encode_field(out, field, value):
    if field.is_message:
        for msg in (value if field.repeated else (value,)):
            body = msg.SerializeToString()
            _varint(out, field.number << 3 | _LENGTH)
            _varint(out, len(body))
            out += body
        return
    wire = _WIRE[field.kind]
    if not field.repeated:
        _varint(out, field.number << 3 | wire)
        _encode_scalar(out, field.kind, value)
        return
    if field.packed:
        if field.kind in _NUMPY:
            body = numpy.asarray(list(value) if not isinstance(value._items, numpy.ndarray)
                                 else value._items, dtype=_NUMPY[field.kind]).tobytes()
        else:
            buf = bytearray()
            for v in value:
                _encode_scalar(buf, field.kind, v)
            body = bytes(buf)
        _varint(out, field.number << 3 | _LENGTH)
        _varint(out, len(body))
        out += body
        return
    for v in value:
        _varint(out, field.number << 3 | wire)
        _encode_scalar(out, field.kind, v)


# -- decoding

def _read_varint(buf, pos, end):
    result = 0
    shift = 0
    while True:
        if pos >= end:
            raise DecodeError('truncated varint at byte {}'.format(pos))
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7
        if shift >= 70:
            raise DecodeError('varint longer than 10 bytes at byte {}'.format(pos))


def _scalar_from_varint(kind, value):
    if kind == 'bool':
        return value != 0
    if kind in _SIGNED and value >= 1 << 63:
        value -= 1 << 64
    if kind in ('int32', 'enum'):
        if not -(1 << 31) <= value < (1 << 31):
            value = (value + (1 << 31)) % (1 << 32) - (1 << 31)
    elif kind == 'uint32':
        value &= 0xFFFFFFFF
    return value


def _skip(buf, pos, end, wire):
    if wire == _VARINT:
        return _read_varint(buf, pos, end)[1]
    if wire == _FIXED64:
        pos += 8
    elif wire == _FIXED32:
        pos += 4
    elif wire == _LENGTH:
        n, pos = _read_varint(buf, pos, end)
        pos += n
    else:
        raise DecodeError('unsupported wire type {} (groups are not read)'.format(wire))
    if pos > end:
        raise DecodeError('truncated field ending at byte {} (message ends at {})'
                          .format(pos, end))
    return pos


def _run_of_fixed(buf, pos, end, tag_bytes, size):
    """Length of the run of unpacked repeated fixed-size values starting at
    ``pos`` (each: the same tag, then ``size`` bytes), found with NumPy: old
    caffemodels store weights this way, one tag per float."""
    rec = len(tag_bytes) + size
    count = max(0, (end - pos) // rec)
    recs = numpy.frombuffer(buf[pos:pos + count * rec], dtype=numpy.uint8).reshape(count, rec)
    ok = numpy.all(recs[:, :len(tag_bytes)] == numpy.frombuffer(tag_bytes, numpy.uint8),
                   axis=1)
    bad = numpy.flatnonzero(~ok)
    return int(bad[0]) if bad.size else count


def _decode_into(msg, buf, pos, end):
    fields = msg._by_number
    name = type(msg).__name__
    while pos < end:
        tag_start = pos
        tag, pos = _read_varint(buf, pos, end)
        number, wire = tag >> 3, tag & 7
        if number == 0:
            raise DecodeError('{}: field number 0 at byte {}'.format(name, pos))
        field = fields.get(number)
        if field is None:
            pos = _skip(buf, pos, end, wire)
            continue
        kind = field.kind
        if wire == _LENGTH:
            n, pos = _read_varint(buf, pos, end)
            stop = pos + n
            if stop > end:
                raise DecodeError('{}.{}: {} bytes announced at byte {}, but the message '
                                  'ends at byte {} (truncated file?)'.format(
                                      name, field.name, n, pos, end))
            if field.is_message:
                if field.repeated:
                    sub = MESSAGES[kind]()
                    getattr(msg, field.name)._extend_decoded(sub)
                else:
                    sub = getattr(msg, field.name)
                _decode_into(sub, buf, pos, stop)
            elif kind == 'string':
                _store(msg, field, bytes(buf[pos:stop]).decode('utf-8', 'replace'))
            elif kind == 'bytes':
                _store(msg, field, bytes(buf[pos:stop]))
            elif field.repeated:
                # packed numbers
                rep = getattr(msg, field.name)
                if kind in _NUMPY:
                    size = numpy.dtype(_NUMPY[kind]).itemsize
                    if n % size:
                        raise DecodeError('{}.{}: packed {} data of {} bytes'.format(
                            name, field.name, kind, n))
                    rep._extend_decoded(numpy.frombuffer(buf[pos:stop], dtype=_NUMPY[kind]))
                else:
                    p = pos
                    while p < stop:
                        v, p = _read_varint(buf, p, stop)
                        rep._extend_decoded(_scalar_from_varint(kind, v))
            else:
                raise DecodeError('{}.{}: a {} field stored length-delimited'.format(
                    name, field.name, kind))
            pos = stop
            continue
        if wire != _WIRE.get(kind, -1):
            raise DecodeError('{}.{}: wire type {} for a {} field at byte {}'.format(
                name, field.name, wire, kind, pos))
        if wire == _VARINT:
            v, pos = _read_varint(buf, pos, end)
            value = _scalar_from_varint(kind, v)
        else:
            size = 4 if wire == _FIXED32 else 8
            if pos + size > end:
                raise DecodeError('{}.{}: truncated'.format(name, field.name))
            if field.repeated:
                # a run of unpacked values, each after the same tag bytes: one go
                tag_bytes = bytes(buf[tag_start:pos])
                rec = len(tag_bytes) + size
                count = 1 + _run_of_fixed(buf, pos + size, end, tag_bytes, size)
                raw = numpy.frombuffer(buf[tag_start:tag_start + count * rec], numpy.uint8)
                vals = raw.reshape(count, rec)[:, len(tag_bytes):].copy().view(
                    _NUMPY[kind]).reshape(count)
                getattr(msg, field.name)._extend_decoded(vals)
                pos = tag_start + count * rec
                continue
            value = struct.unpack_from('<f' if size == 4 else '<d', buf, pos)[0]
            pos += size
        _store(msg, field, value)
    if pos != end:
        raise DecodeError('{}: a field runs past the end of the message'.format(name))


def _store(msg, field, value):
    if field.repeated:
        getattr(msg, field.name)._extend_decoded(value)
    else:
        msg._values[field.name] = value


# -- the schema

MESSAGES = {}


def _define(name, fields, enums=()):
    """A message class: ``fields`` are ``(name, number, kind[, flags][, default])``,
    flags ``'*'`` repeated, ``'*p'`` repeated and packed."""
    table = {}
    for spec in fields:
        fname, number, kind = spec[:3]
        flags = spec[3] if len(spec) > 3 else ''
        default = spec[4] if len(spec) > 4 else None
        table[fname] = _Field(fname, number, kind, flags.startswith('*'),
                              flags == '*p', default)
    attrs = {'_fields': table, '_by_number': {f.number: f for f in table.values()},
             '__slots__': ()}
    for enum_value, number in enums:
        attrs[enum_value] = number
    cls = type(name, (Message,), attrs)
    MESSAGES[name] = cls
    return cls


_ENGINE = (('DEFAULT', 0), ('CAFFE', 1), ('CUDNN', 2))

BlobShape = _define('BlobShape', [('dim', 1, 'int64', '*p')])
BlobProto = _define('BlobProto', [
    ('shape', 7, 'BlobShape'), ('data', 5, 'float', '*p'), ('diff', 6, 'float', '*p'),
    ('double_data', 8, 'double', '*p'), ('double_diff', 9, 'double', '*p'),
    ('num', 1, 'int32'), ('channels', 2, 'int32'), ('height', 3, 'int32'),
    ('width', 4, 'int32')])
ConcatParameter = _define('ConcatParameter', [
    ('axis', 2, 'int32', '', 1), ('concat_dim', 1, 'uint32', '', 1)])
BatchNormParameter = _define('BatchNormParameter', [
    ('use_global_stats', 1, 'bool'), ('moving_average_fraction', 2, 'float', '', 0.999),
    ('eps', 3, 'float', '', 1e-5)])
ConvolutionParameter = _define('ConvolutionParameter', [
    ('num_output', 1, 'uint32'), ('bias_term', 2, 'bool', '', True),
    ('pad', 3, 'uint32', '*'), ('kernel_size', 4, 'uint32', '*'),
    ('stride', 6, 'uint32', '*'), ('dilation', 18, 'uint32', '*'),
    ('pad_h', 9, 'uint32'), ('pad_w', 10, 'uint32'), ('kernel_h', 11, 'uint32'),
    ('kernel_w', 12, 'uint32'), ('stride_h', 13, 'uint32'), ('stride_w', 14, 'uint32'),
    ('group', 5, 'uint32', '', 1), ('engine', 15, 'enum'), ('axis', 16, 'int32', '', 1),
    ('force_nd_im2col', 17, 'bool')], _ENGINE)
DropoutParameter = _define('DropoutParameter', [('dropout_ratio', 1, 'float', '', 0.5)])
EltwiseParameter = _define('EltwiseParameter', [
    ('operation', 1, 'enum', '', 1), ('coeff', 2, 'float', '*'),
    ('stable_prod_grad', 3, 'bool', '', True)], (('PROD', 0), ('SUM', 1), ('MAX', 2)))
FlattenParameter = _define('FlattenParameter', [
    ('axis', 1, 'int32', '', 1), ('end_axis', 2, 'int32', '', -1)])
InnerProductParameter = _define('InnerProductParameter', [
    ('num_output', 1, 'uint32'), ('bias_term', 2, 'bool', '', True),
    ('axis', 5, 'int32', '', 1), ('transpose', 6, 'bool')])
LRNParameter = _define('LRNParameter', [
    ('local_size', 1, 'uint32', '', 5), ('alpha', 2, 'float', '', 1.0),
    ('beta', 3, 'float', '', 0.75), ('norm_region', 4, 'enum'), ('k', 5, 'float', '', 1.0),
    ('engine', 6, 'enum')], (('ACROSS_CHANNELS', 0), ('WITHIN_CHANNEL', 1)) + _ENGINE)
PoolingParameter = _define('PoolingParameter', [
    ('pool', 1, 'enum'), ('pad', 4, 'uint32'), ('pad_h', 9, 'uint32'),
    ('pad_w', 10, 'uint32'), ('kernel_size', 2, 'uint32'), ('kernel_h', 5, 'uint32'),
    ('kernel_w', 6, 'uint32'), ('stride', 3, 'uint32', '', 1), ('stride_h', 7, 'uint32'),
    ('stride_w', 8, 'uint32'), ('engine', 11, 'enum'), ('global_pooling', 12, 'bool')],
    (('MAX', 0), ('AVE', 1), ('STOCHASTIC', 2)) + _ENGINE)
ReLUParameter = _define('ReLUParameter', [
    ('negative_slope', 1, 'float'), ('engine', 2, 'enum')], _ENGINE)
ReshapeParameter = _define('ReshapeParameter', [
    ('shape', 1, 'BlobShape'), ('axis', 2, 'int32'), ('num_axes', 3, 'int32', '', -1)])
ScaleParameter = _define('ScaleParameter', [
    ('axis', 1, 'int32', '', 1), ('num_axes', 2, 'int32', '', 1),
    ('bias_term', 4, 'bool')])
SigmoidParameter = _define('SigmoidParameter', [('engine', 1, 'enum')], _ENGINE)
SliceParameter = _define('SliceParameter', [
    ('axis', 3, 'int32', '', 1), ('slice_point', 2, 'uint32', '*'),
    ('slice_dim', 1, 'uint32', '', 1)])
SoftmaxParameter = _define('SoftmaxParameter', [
    ('engine', 1, 'enum'), ('axis', 2, 'int32', '', 1)], _ENGINE)
TanHParameter = _define('TanHParameter', [('engine', 1, 'enum')], _ENGINE)
InputParameter = _define('InputParameter', [('shape', 1, 'BlobShape', '*')])

# The parameters a layer may carry: (field, number in LayerParameter, in V1).
_LAYER_PARAMS = (
    ('concat_param', 104, 9, 'ConcatParameter'),
    ('batch_norm_param', 139, None, 'BatchNormParameter'),
    ('convolution_param', 106, 10, 'ConvolutionParameter'),
    ('dropout_param', 108, 12, 'DropoutParameter'),
    ('eltwise_param', 110, 24, 'EltwiseParameter'),
    ('flatten_param', 135, None, 'FlattenParameter'),
    ('input_param', 143, None, 'InputParameter'),
    ('inner_product_param', 117, 17, 'InnerProductParameter'),
    ('lrn_param', 118, 18, 'LRNParameter'),
    ('pooling_param', 121, 19, 'PoolingParameter'),
    ('relu_param', 123, 30, 'ReLUParameter'),
    ('reshape_param', 133, None, 'ReshapeParameter'),
    ('scale_param', 142, None, 'ScaleParameter'),
    ('sigmoid_param', 124, 38, 'SigmoidParameter'),
    ('slice_param', 126, 31, 'SliceParameter'),
    ('softmax_param', 125, 39, 'SoftmaxParameter'),
    ('tanh_param', 127, 37, 'TanHParameter'),
)

LayerParameter = _define('LayerParameter', [
    ('name', 1, 'string'), ('type', 2, 'string'), ('bottom', 3, 'string', '*'),
    ('top', 4, 'string', '*'), ('phase', 10, 'enum'), ('loss_weight', 5, 'float', '*'),
    ('blobs', 7, 'BlobProto', '*')] + [(f, n, k) for f, n, _, k in _LAYER_PARAMS])

# V1 (the "layers" of old models such as the VGG caffemodels): the type is an enum.
_V1_TYPES = (
    ('NONE', 0), ('ABSVAL', 35), ('ACCURACY', 1), ('ARGMAX', 30), ('BNLL', 2),
    ('CONCAT', 3), ('CONTRASTIVE_LOSS', 37), ('CONVOLUTION', 4), ('DATA', 5),
    ('DECONVOLUTION', 39), ('DROPOUT', 6), ('DUMMY_DATA', 32), ('EUCLIDEAN_LOSS', 7),
    ('ELTWISE', 25), ('EXP', 38), ('FLATTEN', 8), ('HDF5_DATA', 9), ('HDF5_OUTPUT', 10),
    ('HINGE_LOSS', 28), ('IM2COL', 11), ('IMAGE_DATA', 12), ('INFOGAIN_LOSS', 13),
    ('INNER_PRODUCT', 14), ('LRN', 15), ('MEMORY_DATA', 29),
    ('MULTINOMIAL_LOGISTIC_LOSS', 16), ('MVN', 34), ('POOLING', 17), ('POWER', 26),
    ('RELU', 18), ('SIGMOID', 19), ('SIGMOID_CROSS_ENTROPY_LOSS', 27), ('SILENCE', 36),
    ('SOFTMAX', 20), ('SOFTMAX_LOSS', 21), ('SPLIT', 22), ('SLICE', 33), ('TANH', 23),
    ('WINDOW_DATA', 24), ('THRESHOLD', 31))
V1LayerParameter = _define('V1LayerParameter', [
    ('bottom', 2, 'string', '*'), ('top', 3, 'string', '*'), ('name', 4, 'string'),
    ('type', 5, 'enum'), ('blobs', 6, 'BlobProto', '*'),
    ('loss_weight', 35, 'float', '*')]
    + [(f, n, k) for f, _, n, k in _LAYER_PARAMS if n is not None], _V1_TYPES)

NetParameter = _define('NetParameter', [
    ('name', 1, 'string'), ('input', 3, 'string', '*'),
    ('input_shape', 8, 'BlobShape', '*'), ('input_dim', 4, 'int32', '*'),
    ('force_backward', 5, 'bool'), ('debug_info', 7, 'bool'),
    ('layer', 100, 'LayerParameter', '*'), ('layers', 2, 'V1LayerParameter', '*')])

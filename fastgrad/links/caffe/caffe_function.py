"""CaffeFunction: a Caffe model (``.caffemodel``) run as a fastgrad Chain.

The file is read by ``_proto`` (no protobuf package needed).  Each layer with
weights becomes a child link named after the layer (``Convolution2D``,
``Deconvolution2D``, ``Linear``, ``BatchNormalization``, ``Scale``); each
other supported layer becomes a call of the matching function.  ``forward``
interprets the net: it runs every layer whose bottom blobs are known, in the
file's order, and returns the requested blobs.  The layout of the child
links' parameters is Chainer's, so an npz saved from Chainer's CaffeFunction
loads here and the other way round (a grouped convolution is one
block-diagonal ``W``, as there).
"""
import functools
import warnings

import numpy

from fastgrad import configuration, functions, initializers, link
from fastgrad.links.caffe import _proto
from fastgrad.links.connection.convolution_2d import Convolution2D
from fastgrad.links.connection.deconvolution_2d import Deconvolution2D
from fastgrad.links.connection.linear import Linear
from fastgrad.links.connection.scale import Scale
from fastgrad.links.normalization.batch_normalization import BatchNormalization
from fastgrad.utils import argument

# protobuf-style access to the messages, under Chainer's name for its module
caffe_pb = _proto

_SETUP = {}      # LayerParameter.type (str) -> method
_SETUP_V1 = {}   # V1LayerParameter.type (enum) -> method


def _layer(new_type, v1_type=None):
    def register(method):
        _SETUP[new_type] = method
        if v1_type is not None:
            _SETUP_V1[getattr(_proto.V1LayerParameter, v1_type)] = method
        return method
    return register


class EltwiseCoeffError(ValueError, AssertionError):
    """An Eltwise SUM with a different number of coefficients than inputs
    (Chainer signals this with a bare ``assert``; this is both)."""


class CaffeFunction(link.Chain):
    """A Caffe model file as a Chain (Chainer's ``L.caffe.CaffeFunction``).

    Args:
        model_path (str): path of the binary ``.caffemodel`` (a serialized
            ``NetParameter``, in the current ``layer`` or the old V1
            ``layers`` format).

    Attributes:
        forwards (dict): layer name -> the callable that runs it.
        layers (list): ``(layer name, bottom blobs, top blobs)`` in order.
        split_map (dict): blob name -> the blob a Split layer copies.

    Supported layers: Convolution, Deconvolution, InnerProduct, BatchNorm,
    Scale, Pooling (max, average, global), ReLU (leaky with a slope), Sigmoid,
    TanH, LRN (across channels), Dropout, Softmax, SoftmaxWithLoss, Concat,
    Eltwise, Slice, Split, Reshape, Flatten.  Data and Input layers are
    skipped silently (pass the input blobs to ``forward``); other layers are
    skipped with a warning.

    Example: the ``fc8`` blob of BVLC's CaffeNet for a batch ``x``::

        func = CaffeFunction('bvlc_reference_caffenet.caffemodel')
        y, = func(inputs={'data': x}, outputs=['fc8'])
    """

    def __init__(self, model_path):
        super().__init__()
        with open(model_path, 'rb') as f:
            data = f.read()
        net = _proto.NetParameter()
        try:
            net.MergeFromString(data)
        except _proto.DecodeError as e:
            raise ValueError('CaffeFunction: {} is not a Caffe model (NetParameter) file: '
                             '{}'.format(model_path, e)) from None
        del data
        self.forwards = {}
        self.split_map = {}
        self.layers = []
        # the current format's layers, else the V1 ones (an enum type)
        layers, table, kind = ((net.layer, _SETUP, 'type') if len(net.layer)
                               else (net.layers, _SETUP_V1, 'V1 type'))
        for layer in layers:
            setup = table.get(layer.type)
            if setup is None:
                warnings.warn('CaffeFunction: skipping layer {!r}: {} {} is not '
                              'supported'.format(layer.name, kind, layer.type))
            else:
                setup(self, layer)

    def forward(self, inputs, outputs, disable=(), **kwargs):
        """forward(self, inputs, outputs, disable=())

        Run the net from the given blobs.

        Args:
            inputs (dict): blob name -> Variable (or array) to start from.
            outputs (iterable of str): names of the blobs to return.
            disable (iterable of str): names of layers to skip.

        Returns:
            tuple: the Variables of ``outputs``, in order.  All blobs computed
            are kept in ``self.variables`` (a dict) until the next call.
        """
        if kwargs:
            argument.check_unexpected_kwargs(
                kwargs, train='train argument is not supported anymore. '
                'Use chainer.using_config')
            argument.assert_kwargs_empty(kwargs)
        blobs = dict(inputs)
        disable = set(disable)
        for name, bottom, top in self.layers:
            if name in disable or name not in self.forwards \
                    or any(b not in blobs for b in bottom):
                continue
            out = self.forwards[name](*[blobs[b] for b in bottom])
            if not isinstance(out, (tuple, list)):
                out = (out,)
            blobs.update(zip(top, out))
        self.variables = blobs
        missing = [b for b in outputs if b not in blobs]
        if missing:
            raise KeyError('CaffeFunction.forward: blob(s) {} were not computed: no '
                           'layer makes them from the inputs {} (known blobs: {})'.format(
                               missing, sorted(inputs), sorted(blobs)))
        return tuple(blobs[b] for b in outputs)

    def _add(self, layer, forward):
        self.forwards[layer.name] = forward
        bottom = [self.split_map.get(b, b) for b in layer.bottom]
        self.layers.append((layer.name, bottom, list(layer.top)))

    def _add_link(self, layer, child):
        # no NaN-filled gradient beside every weight (VGG's: 553 MB); the
        # first backward makes them
        child.cleargrads()
        with self.init_scope():
            setattr(self, layer.name, child)
        self._add(layer, functools.partial(_call_child, self, layer.name))

    # -- layers with weights

    @_layer('Convolution', 'CONVOLUTION')
    def _convolution(self, layer):
        self._filter_link(layer, Convolution2D, transposed=False)

    @_layer('Deconvolution', 'DECONVOLUTION')
    def _deconvolution(self, layer):
        self._filter_link(layer, Deconvolution2D, transposed=True)

    def _filter_link(self, layer, link_class, transposed):
        """A (de)convolution link: Caffe's filters are ``(num, channels /
        group, kh, kw)``, num the outputs of a convolution and the inputs of a
        deconvolution."""
        param = layer.convolution_param
        W = _filters(layer, param)
        num, channels = W.shape[0], W.shape[1] * param.group
        n_in, n_out = (num, channels) if transposed else (channels, num)
        child = link_class(n_in, n_out, W.shape[2:], _stride(param), _pad(param),
                           nobias=not param.bias_term, dilate=_dilation(param), **_ZERO)
        _fill(child, layer, W, param.group)
        self._add_link(layer, child)

    @_layer('InnerProduct', 'INNER_PRODUCT')
    def _inner_product(self, layer):
        param = layer.inner_product_param
        if param.axis != 1:
            raise _unsupported(layer, 'axis {} (only 1)'.format(param.axis))
        if param.transpose:
            raise _unsupported(layer, 'transpose: true')
        W = _matrix(layer)
        child = Linear(W.shape[1], W.shape[0], nobias=not param.bias_term, **_ZERO)
        _fill(child, layer, W)
        self._add_link(layer, child)

    @_layer('BatchNorm')
    def _batch_norm(self, layer):
        param = layer.batch_norm_param
        mean, var = _blob(layer, 0)[0], _blob(layer, 1)[0]
        if mean.size != var.size:
            raise _unsupported(layer, 'mean ({}) and variance ({}) of different sizes'
                               .format(mean.size, var.size))
        # Caffe keeps the running sums times a factor (blob 2), 0 before training
        factor = float(_blob(layer, 2)[0][0]) if len(layer.blobs) > 2 else 1.0
        factor = 1.0 / factor if factor != 0 else 0.0
        child = BatchNormalization(
            mean.size, decay=param.moving_average_fraction, eps=param.eps,
            use_gamma=False, use_beta=False,
            initial_avg_mean=mean * factor, initial_avg_var=var * factor)
        child.cleargrads()
        with self.init_scope():
            setattr(self, layer.name, child)
        call = functools.partial(_call_child, self, layer.name, finetune=False)
        if param.use_global_stats:
            call = functools.partial(_in_test_mode, call)
        self._add(layer, call)

    @_layer('Scale')
    def _scale(self, layer):
        param = layer.scale_param
        if len(layer.bottom) == 1:       # W is a parameter, in blob 0
            W = _shaped_blob(layer, 0)
            child = Scale(param.axis, W.shape, param.bias_term)
            child.W.array[...] = W
            first_bias = 1
        else:                            # W is the second input
            shape = _shaped_blob(layer, 0).shape if param.bias_term else None
            child = Scale(param.axis, bias_term=param.bias_term, bias_shape=shape)
            first_bias = 0
        if param.bias_term:
            b = child.bias.b
            b.array[...] = _as_shape(layer, first_bias, _blob(layer, first_bias)[0],
                                     b.shape)
        self._add_link(layer, child)

    # -- layers without weights

    @_layer('Data', 'DATA')
    def _data(self, layer):
        pass

    @_layer('Input')
    def _input(self, layer):
        pass

    @_layer('Concat', 'CONCAT')
    def _concat(self, layer):
        param = layer.concat_param
        axis = param.axis
        if axis == 1 and param.concat_dim != 1:
            axis = param.concat_dim
        self._add(layer, _ListArguments(functions.concat, axis=axis))

    @_layer('Dropout', 'DROPOUT')
    def _dropout(self, layer):
        self._add(layer, _Call(functions.dropout,
                               ratio=layer.dropout_param.dropout_ratio))

    @_layer('LRN', 'LRN')
    def _lrn(self, layer):
        param = layer.lrn_param
        if param.norm_region != param.ACROSS_CHANNELS:
            raise _unsupported(layer, 'norm_region WITHIN_CHANNEL')
        self._add(layer, _Call(functions.local_response_normalization,
                               n=param.local_size, k=param.k,
                               alpha=param.alpha / param.local_size, beta=param.beta))

    @_layer('Pooling', 'POOLING')
    def _pooling(self, layer):
        param = layer.pooling_param
        if param.pool == param.MAX:
            pool = functions.max_pooling_2d
        elif param.pool == param.AVE:
            pool = functions.average_pooling_2d
        else:
            raise _unsupported(layer, 'stochastic pooling')
        stride, pad = _stride(param), _pad(param)
        ksize = _ksize(param)
        if param.global_pooling and not ksize:
            self._add(layer, functools.partial(_global_pooling, pool, stride=stride,
                                               pad=pad))
        else:
            self._add(layer, _Call(pool, ksize, stride=stride, pad=pad))

    @_layer('ReLU', 'RELU')
    def _relu(self, layer):
        slope = layer.relu_param.negative_slope
        self._add(layer, _Call(functions.leaky_relu, slope=slope) if slope != 0
                  else functions.relu)

    @_layer('Sigmoid', 'SIGMOID')
    def _sigmoid(self, layer):
        self._add(layer, _with_engine(functions.sigmoid, layer.sigmoid_param.engine))

    @_layer('TanH', 'TANH')
    def _tanh(self, layer):
        self._add(layer, _with_engine(functions.tanh, layer.tanh_param.engine))

    @_layer('Softmax', 'SOFTMAX')
    def _softmax(self, layer):
        param = layer.softmax_param
        if param.axis != 1:
            raise _unsupported(layer, 'softmax over axis {} (only 1)'.format(param.axis))
        self._add(layer, _with_engine(functions.softmax, param.engine))

    @_layer('SoftmaxWithLoss', 'SOFTMAX_LOSS')
    def _softmax_with_loss(self, layer):
        if layer.softmax_param.axis != 1:
            raise _unsupported(layer, 'softmax over axis {} (only 1)'.format(
                layer.softmax_param.axis))
        self._add(layer, functions.softmax_cross_entropy)

    @_layer('Eltwise', 'ELTWISE')
    def _eltwise(self, layer):
        param = layer.eltwise_param
        if param.operation not in (param.PROD, param.SUM, param.MAX):
            raise _unsupported(layer, 'operation {}'.format(param.operation))
        coeffs = list(param.coeff) or None
        self._add(layer, functools.partial(_eltwise, param.operation, coeffs))

    @_layer('Slice', 'SLICE')
    def _slice(self, layer):
        param = layer.slice_param
        if param.HasField('axis'):
            axis = param.axis
        elif param.HasField('slice_dim'):
            axis = param.slice_dim
        else:
            axis = 1
        sections = list(param.slice_point) or len(layer.top)
        self._add(layer, _Call(functions.split_axis, indices_or_sections=sections,
                               axis=axis))

    @_layer('Split', 'SPLIT')
    def _split(self, layer):
        # every top is the bottom itself: later layers read the bottom
        for top in layer.top:
            self.split_map[top] = layer.bottom[0]

    @_layer('Reshape')
    def _reshape(self, layer):
        param = layer.reshape_param
        self._add(layer, functools.partial(_caffe_reshape, list(param.shape.dim),
                                           param.axis, param.num_axes))

    @_layer('Flatten', 'FLATTEN')
    def _flatten(self, layer):
        param = layer.flatten_param
        self._add(layer, functools.partial(_flatten, param.axis, param.end_axis))


# -- what the layers call

class _Call(object):
    """``func(x, *args, **kwargs)``: one input, fixed arguments."""

    def __init__(self, func, *args, **kwargs):
        self.func, self.args, self.kwargs = func, args, kwargs

    def __call__(self, x):
        return self.func(x, *self.args, **self.kwargs)


class _ListArguments(_Call):
    """``func((x1, x2, ...), **kwargs)``: the inputs as one tuple."""

    def __call__(self, *xs):
        return self.func(xs, *self.args, **self.kwargs)


def _call_child(chain, name, *xs, **kwargs):
    return chain[name](*xs, **kwargs)


def _in_test_mode(call, x):
    with configuration.using_config('train', False):
        return call(x)


def _with_engine(func, engine):
    """Caffe's engine field: CAFFE (1) turns cuDNN off, CUDNN (2) on."""
    if engine == 0:
        return func
    use = 'never' if engine == 1 else 'always'

    def run(x):
        with configuration.using_config('use_cudnn', use):
            return func(x)
    return run


def _global_pooling(pool, x, stride, pad):
    return pool(x, x.shape[2:], stride=stride, pad=pad)


def _eltwise(operation, coeffs, *xs):
    if operation == _proto.EltwiseParameter.PROD:
        return functools.reduce(lambda a, b: a * b, xs)
    if operation == _proto.EltwiseParameter.MAX:
        return functools.reduce(functions.maximum, xs)
    if coeffs is not None:
        if len(coeffs) != len(xs):
            raise EltwiseCoeffError('CaffeFunction: Eltwise SUM of {} inputs with {} '
                                    'coefficients'.format(len(xs), len(coeffs)))
        xs = [x * c for x, c in zip(xs, coeffs)]
    return functools.reduce(lambda a, b: a + b, xs)


def _caffe_reshape(dims, axis, num_axes, x):
    """Caffe's Reshape: ``dims`` replace the axes ``axis .. axis+num_axes``
    (-1: to the end); a 0 copies the input's length there, -1 is inferred."""
    shape = x.shape
    axis = axis + len(shape) if axis < 0 else axis
    end = len(shape) if num_axes == -1 else axis + num_axes
    middle = [shape[axis + i] if d == 0 else d for i, d in enumerate(dims)]
    return functions.reshape(x, shape=list(shape[:axis]) + middle + list(shape[end:]))


def _flatten(axis, end_axis, x):
    shape = x.shape
    axis = axis + len(shape) if axis < 0 else axis
    end = end_axis + len(shape) if end_axis < 0 else end_axis
    return functions.reshape(x, tuple(shape[:axis]) + (-1,) + tuple(shape[end + 1:]))


# -- reading blobs and parameters

def _unsupported(layer, what):
    return RuntimeError('CaffeFunction: layer {!r} ({}): {} is not supported'.format(
        layer.name, layer.type, what))


def _blob(layer, index):
    """Blob ``index`` of ``layer``: its values as a flat float32 array, and its
    shape (``shape.dim``, or the legacy num, channels, height, width)."""
    if index >= len(layer.blobs):
        raise RuntimeError('CaffeFunction: layer {!r} ({}) has {} blob(s); blob {} is '
                           'needed'.format(layer.name, layer.type, len(layer.blobs), index))
    blob = layer.blobs[index]
    data = numpy.asarray(blob.data if len(blob.data) else blob.double_data,
                         dtype=numpy.float32)
    if blob.HasField('shape'):
        dims = tuple(int(d) for d in blob.shape.dim)
    else:
        dims = (blob.num, blob.channels, blob.height, blob.width)
    return data, dims


def _as_shape(layer, index, data, shape):
    size = 1
    for d in shape:
        size *= d
    if data.size != size:
        raise RuntimeError('CaffeFunction: layer {!r} ({}): blob {} has {} values; shape {} '
                           'needs {}'.format(layer.name, layer.type, index, data.size,
                                             tuple(shape), size))
    return data.reshape(shape)


def _shaped_blob(layer, index):
    """Blob ``index`` reshaped to its own shape (a flat array if it has none)."""
    data, dims = _blob(layer, index)
    if not any(dims):
        dims = (data.size,)
    return _as_shape(layer, index, data, dims)


def _filters(layer, param):
    """A (de)convolution's weight ``(num, channels, kh, kw)``: the counts from
    the blob, the kernel size from the layer's parameters."""
    data, dims = _blob(layer, 0)
    ksize = _ksize(param)
    if ksize is None:
        raise RuntimeError('CaffeFunction: layer {!r} ({}) has no kernel size'.format(
            layer.name, layer.type))
    kh, kw = (ksize, ksize) if isinstance(ksize, int) else ksize
    return _as_shape(layer, 0, data, (dims[0], dims[1], kh, kw))


def _matrix(layer):
    """InnerProduct's weight ``(out, in)``: the last two axes of a 2-D or 4-D
    blob (legacy: height and width)."""
    data, dims = _blob(layer, 0)
    if not layer.blobs[0].HasField('shape'):
        dims = dims[2:]
    elif len(dims) not in (2, 4):
        raise RuntimeError('CaffeFunction: layer {!r} ({}): a {}-dimensional weight is not '
                           'supported (2 or 4)'.format(layer.name, layer.type, len(dims)))
    return _as_shape(layer, 0, data, dims[-2:])


# Links are made zero-filled and the blobs copied in: an array initializer
# would keep its array, a view of the whole file's bytes, alive.
_ZERO = dict(initialW=initializers.Zero(), initial_bias=initializers.Zero())


def _fill(child, layer, W, group=1):
    """Copy ``W`` (and blob 1, the bias, if the link has one) into ``child``.
    Grouped filters ``(n, c / group, ...)`` go on the block diagonal of the
    ``(n, c, ...)`` weight, zero between groups (Chainer's layout)."""
    n, part_in = W.shape[:2]
    if n % group:
        raise RuntimeError('CaffeFunction: layer {!r} ({}): {} filters do not split into '
                           '{} groups'.format(layer.name, layer.type, n, group))
    part_out = n // group
    for g in range(group):
        rows = slice(g * part_out, (g + 1) * part_out)
        child.W.array[rows, g * part_in:(g + 1) * part_in] = W[rows]
    if child.b is not None:
        b = _blob(layer, 1)[0]
        if b.size != child.b.size:
            raise RuntimeError('CaffeFunction: layer {!r} ({}): the bias has {} values, {} '
                               'expected'.format(layer.name, layer.type, b.size,
                                                 child.b.size))
        child.b.array[...] = b


def _pair(values, h, w, default):
    """Caffe's ``x_h``/``x_w`` pair if set, else the repeated or single ``x``."""
    if h or w:
        return int(h), int(w)
    if isinstance(values, int):
        return values
    values = [int(v) for v in values]
    if not values:
        return default
    return values[0] if len(values) == 1 else tuple(values)


def _ksize(param):
    return _pair(param.kernel_size, param.kernel_h, param.kernel_w, None)


def _stride(param):
    return _pair(param.stride, param.stride_h, param.stride_w, 1)


def _pad(param):
    return _pair(param.pad, param.pad_h, param.pad_w, 0)


def _dilation(param):
    return _pair(param.dilation, 0, 0, 1)

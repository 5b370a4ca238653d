"""Export a model's computational graph as a Caffe net (Chainer's
``chainer.exporters.caffe``).

The model is run once in test mode on the given input; the graph from that
input to the outputs becomes Caffe layers, one per function node, in an order
where every layer comes after the layers it reads.  ``chainer_model.prototxt``
(the net, text format) and ``chainer_model.caffemodel`` (the net with its
weights) are written with fastgrad's own protobuf writer
(``fastgrad.links.caffe._proto``): no protobuf package is needed, and
:class:`~fastgrad.links.caffe.CaffeFunction` reads the result back.
"""
import os

import numpy

from fastgrad import configuration, variable
from fastgrad.links.caffe import _proto


def export(model, args, directory=None, export_params=True, graph_name='Graph'):
    """Export the graph of ``model(*args)`` as a Caffe net.

    Args:
        model (callable): usually a Chain; called once on ``args`` in test
            mode (``train`` False, the graph kept).
        args (list of Variable): one input Variable, Caffe's blob ``data``.
        directory (str or None): where to write ``chainer_model.prototxt``
            and (with ``export_params``) ``chainer_model.caffemodel``; None
            writes nothing (the graph is still converted, so an unsupported
            function raises).
        export_params (bool): write the caffemodel with the weights too.
        graph_name (str): the net's ``name``.

    Returns:
        NetParameter: the exported net (with its weights).

    Supported functions: linear, convolution_2d, deconvolution_2d,
    max_pooling_2d, average_pooling_2d, (fixed) batch_normalization,
    local_response_normalization, relu, leaky_relu, sigmoid, tanh, softmax
    (over axis 1), concat, reshape and the sum of two variables.
    """
    if not isinstance(args, (tuple, list)):
        raise TypeError('export: args must be a list or tuple of Variables, got {}'.format(
            type(args).__name__))
    if len(args) != 1:
        raise NotImplementedError('export: exactly one input is supported (Caffe\'s '
                                  '"data"), got {}'.format(len(args)))
    for a in args:
        if not isinstance(a, variable.Variable):
            raise TypeError('export: args must be Variables, got {}'.format(
                type(a).__name__))
    with configuration.force_backprop_mode(), configuration.using_config('train', False):
        outputs = model(*args)
    if isinstance(outputs, variable.Variable):
        outputs = [outputs]
    if not isinstance(outputs, (tuple, list)) or not all(
            isinstance(o, variable.Variable) for o in outputs):
        raise TypeError('export: the model must return a Variable or a list or tuple of '
                        'Variables, got {}'.format(type(outputs).__name__))
    net = _to_net(graph_name, args[0], outputs)
    if directory is not None:
        with open(os.path.join(directory, 'chainer_model.prototxt'), 'w') as f:
            f.write(_proto.text_format(_without_blobs(net)) + '\n')
        if export_params:
            with open(os.path.join(directory, 'chainer_model.caffemodel'), 'wb') as f:
                f.write(net.SerializeToString())
    return net


def _topological(outputs):
    """The function nodes that make ``outputs``, each after its inputs'."""
    order, done = [], set()
    stack = [(o.creator_node, False) for o in reversed(outputs) if o.creator_node]
    while stack:
        node, expanded = stack.pop()
        if id(node) in done:
            continue
        if expanded:
            done.add(id(node))
            order.append(node)
            continue
        stack.append((node, True))
        for x in reversed(node.inputs):
            if x.creator_node is not None and id(x.creator_node) not in done:
                stack.append((x.creator_node, False))
    return order


def _to_net(name, x, outputs):
    net = _proto.NetParameter(name=name)
    data = net.layer.add(name='data', type='Input')
    data.top.append('data')
    data.input_param.shape.add().dim.extend(x.shape)
    blobs = {id(x.node): 'data'}      # variable node -> the Caffe blob holding it
    counts = {}
    for node in _topological(outputs):
        kind = type(node).__name__
        convert = _CONVERTERS.get(kind)
        if convert is None:
            raise NotImplementedError(
                'export: {} ({}, rank {}) has no Caffe layer; supported: {}'.format(
                    node.label, kind, node.rank, ', '.join(sorted(_CONVERTERS))))
        bottoms = []
        for x_node in node.inputs:
            if id(x_node) in blobs:
                bottoms.append(blobs[id(x_node)])
            elif x_node.creator_node is not None:
                raise NotImplementedError('export: {} reads a variable made outside the '
                                          'exported graph'.format(node.label))
            else:
                bottoms.append(None)   # a parameter or a constant array
        counts[kind] = counts.get(kind, 0) + 1
        top = '{}{}'.format(kind, counts[kind])
        convert(net, node, top, bottoms)
        out = node.outputs[0]()
        if out is not None:        # a dead output is read by no later layer
            blobs[id(out)] = top
    return net


def _layer(net, type, name, bottoms):
    """A layer reading the blobs ``bottoms`` (None: a constant, which Caffe
    cannot read), its top blob named like the layer."""
    if None in bottoms:
        raise NotImplementedError('export: the {} layer {} would read a constant array; '
                                  'only the input and computed blobs can be read'.format(
                                      type, name))
    layer = net.layer.add(name=name, type=type)
    layer.bottom.extend(bottoms)
    layer.top.append(name)
    layer.phase = 1     # TEST
    return layer


def _add_blob(layer, node):
    """The array of an input node: retained by its function, or a parameter
    alive in its link."""
    if node.data is None:
        try:
            node.retain_data()
        except RuntimeError:     # its Variable is gone
            pass
    array = node.data
    if array is None:
        raise ValueError('export: the data of an input of {} is gone; export the graph '
                         'while the model that owns its parameters is alive'.format(
                             layer.name))
    array = numpy.asarray(array.get() if hasattr(array, 'get') else array)
    blob = layer.blobs.add()
    blob.shape.dim.extend(array.shape)
    blob.data.extend(array.astype(numpy.float32))
    return array


def _linear(net, node, top, bottoms):
    layer = _layer(net, 'InnerProduct', top, bottoms[:1])
    W = node.inputs[1]
    layer.inner_product_param.num_output = W.shape[0]
    layer.inner_product_param.bias_term = len(node.inputs) == 3
    for w in node.inputs[1:]:
        _add_blob(layer, w)


def _convolution(type):
    def convert(net, node, top, bottoms):
        if (node.dy, node.dx) != (1, 1):
            raise NotImplementedError('export: dilated convolutions have no Caffe layer '
                                      'here (CaffeFunction reads no dilation back)')
        layer = _layer(net, type, top, bottoms[:1])
        W = node.inputs[1]
        p = layer.convolution_param
        # Caffe's deconvolution weight is (in, out / group, kh, kw), as here
        p.num_output = W.shape[0] if type == 'Convolution' else W.shape[1] * node.groups
        p.bias_term = len(node.inputs) == 3
        p.kernel_h, p.kernel_w = W.shape[2:]
        p.stride_h, p.stride_w = node.sy, node.sx
        p.pad_h, p.pad_w = node.ph, node.pw
        p.group = node.groups
        for w in node.inputs[1:]:
            _add_blob(layer, w)
    return convert


def _pooling(method):
    def convert(net, node, top, bottoms):
        if node.geo.ndim != 2:
            raise NotImplementedError('export: only 2-D pooling has a Caffe layer')
        if method == _proto.PoolingParameter.MAX and not node.cover_all:
            sizes = node.inputs[0].shape[2:]
            if node.geo.outsize(sizes, False) != node.geo.outsize(sizes, True):
                raise NotImplementedError(
                    'export: Caffe\'s max pooling keeps the last partial window '
                    '(cover_all=True); this one (cover_all=False) gives a smaller output')
        p = _layer(net, 'Pooling', top, bottoms[:1]).pooling_param
        p.pool = method
        p.kernel_h, p.kernel_w = node.geo.ksize
        p.stride_h, p.stride_w = node.geo.stride
        p.pad_h, p.pad_w = node.geo.pad
    return convert


def _batch_normalization(net, node, top, bottoms):
    """Caffe splits it: BatchNorm (the statistics) then Scale (gamma, beta)."""
    if len(node.inputs) != 5:
        raise NotImplementedError('export: batch normalization in training mode (export '
                                  'runs the model with train=False)')
    bn = _layer(net, 'BatchNorm', top + '_bn', bottoms[:1])
    bn.batch_norm_param.use_global_stats = True
    bn.batch_norm_param.eps = node.eps
    _add_blob(bn, node.inputs[3])
    _add_blob(bn, node.inputs[4])
    blob = bn.blobs.add()         # the scale factor of the statistics
    blob.shape.dim.append(1)
    blob.data.append(1.0)
    scale = _layer(net, 'Scale', top, [top + '_bn'])
    scale.scale_param.axis = 1
    scale.scale_param.bias_term = True
    _add_blob(scale, node.inputs[1])
    _add_blob(scale, node.inputs[2])


def _lrn(net, node, top, bottoms):
    p = _layer(net, 'LRN', top, bottoms[:1]).lrn_param
    p.local_size, p.k, p.beta = node.n, node.k, node.beta
    p.alpha = node.alpha * node.n     # Caffe divides alpha by the window size


def _simple(type):
    def convert(net, node, top, bottoms):
        _layer(net, type, top, bottoms[:1])
    return convert


def _leaky_relu(net, node, top, bottoms):
    _layer(net, 'ReLU', top, bottoms[:1]).relu_param.negative_slope = node.slope


def _softmax(net, node, top, bottoms):
    if node.axis != 1:
        raise NotImplementedError('export: Caffe\'s Softmax layer here is over axis 1, '
                                  'got axis {}'.format(node.axis))
    _layer(net, 'Softmax', top, bottoms[:1])


def _concat(net, node, top, bottoms):
    _layer(net, 'Concat', top, bottoms).concat_param.axis = node.axis


def _reshape(net, node, top, bottoms):
    _layer(net, 'Reshape', top, bottoms[:1]).reshape_param.shape.dim.extend(node.shape)


def _add(net, node, top, bottoms):
    _layer(net, 'Eltwise', top, bottoms)      # SUM is Eltwise's default


_CONVERTERS = {
    'LinearFunction': _linear,
    'Convolution2DFunction': _convolution('Convolution'),
    'Deconvolution2DFunction': _convolution('Deconvolution'),
    'MaxPooling2D': _pooling(_proto.PoolingParameter.MAX),
    'AveragePooling2D': _pooling(_proto.PoolingParameter.AVE),
    'FixedBatchNormalization': _batch_normalization,
    'LocalResponseNormalization': _lrn,
    'ReLU': _simple('ReLU'),
    'LeakyReLU': _leaky_relu,
    'Sigmoid': _simple('Sigmoid'),
    'Tanh': _simple('TanH'),
    'Softmax': _softmax,
    'Concat': _concat,
    'Reshape': _reshape,
    'Add': _add,
}


def _without_blobs(net):
    """A copy of ``net`` with no weights (the prototxt)."""
    text = _proto.NetParameter.FromString(net.SerializeToString())
    for layer in text.layer:
        layer.ClearField('blobs')
    return text

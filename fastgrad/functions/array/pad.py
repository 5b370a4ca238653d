"""pad: pad an array (numpy.pad), differentiably."""
import numpy

from fastgrad import utils
from fastgrad._core.graph import FunctionNode

# Modes whose every output element is a copy of one input element: their
# gradient scatters back through an index map.
_INDEX_MODES = ('edge', 'reflect', 'symmetric', 'wrap')


def _widths(pad_width, ndim):
    """pad_width as ((before, after),) * ndim of ints, like numpy.pad reads it."""
    try:
        w = numpy.asarray(pad_width)
        if w.dtype.kind not in 'iu':
            raise TypeError
        w = numpy.broadcast_to(w, (ndim, 2))
    except (TypeError, ValueError):
        raise ValueError('pad: pad_width must be an int or pairs of ints broadcastable to '
                         '(x.ndim, 2) = ({}, 2), got {!r}'.format(ndim, pad_width)) from None
    if (w < 0).any():
        raise ValueError('pad: pad_width must not be negative, got {!r}'.format(pad_width))
    return tuple((int(a), int(b)) for a, b in w)


class Pad(FunctionNode):
    def __init__(self, pad_width, mode, keywords):
        if mode != 'constant' and mode not in _INDEX_MODES:
            raise ValueError("pad: mode must be 'constant' or one of {}, got {!r}"
                             .format(', '.join(repr(m) for m in _INDEX_MODES), mode))
        if mode in ('reflect', 'symmetric') and keywords.get('reflect_type', 'even') != 'even':
            raise ValueError("pad: reflect_type='odd' is not supported")
        allowed = ('constant_values',) if mode == 'constant' else \
            ('reflect_type',) if mode in ('reflect', 'symmetric') else ()
        for k in keywords:
            if k not in allowed:
                raise TypeError('pad: unexpected keyword argument {!r} for mode {!r}'
                                .format(k, mode))
        self.pad_width = pad_width
        self.mode = mode
        self.keywords = keywords

    def forward(self, inputs):
        x, = inputs
        if x.dtype.kind != 'f':
            raise utils.invalid_type('Pad', "x.dtype.kind == 'f'", 'x.dtype = {}'.format(x.dtype))
        self._widths = _widths(self.pad_width, x.ndim)
        xp = utils.array_module(x)
        return xp.pad(x, self._widths, mode=self.mode, **self.keywords),

    def _inner(self):
        """Where x sits inside the padded output."""
        return tuple(slice(a, a + n) for (a, _), n in zip(self._widths, self.inputs[0].shape))

    def _index_map(self, xp):
        node = self.inputs[0]
        idx = xp.arange(utils.size_of_shape(node.shape)).reshape(node.shape)
        return xp.pad(idx, self._widths, mode=self.mode, **self.keywords)

    def backward_arrays(self, indexes, grad_outputs):
        gy = grad_outputs[0]
        if self.mode == 'constant':
            return gy[self._inner()],
        node = self.inputs[0]
        return _scatter_add(self._index_map(utils.array_module(gy)), gy, node.shape, node.dtype),

    def backward(self, indexes, grad_outputs):
        gy = grad_outputs[0]
        if self.mode == 'constant':
            from fastgrad.functions.array.get_item import get_item
            return get_item(gy, self._inner()),
        node = self.inputs[0]
        gx, = _PadGrad(self, node.shape, node.dtype).apply((gy,))
        return gx,


def _scatter_add(index_map, gy, shape, dtype):
    """gx[k] = sum of gy where index_map == k."""
    xp = utils.array_module(gy)
    flat = index_map.ravel()
    g = gy.ravel()
    size = utils.size_of_shape(shape)
    if xp is numpy:
        gx = numpy.bincount(flat, weights=g, minlength=size)
    else:
        import cupyx
        gx = xp.zeros(size, numpy.float32 if dtype == numpy.float16 else dtype)
        cupyx.scatter_add(gx, flat, g.astype(gx.dtype, copy=False))
    return gx.astype(dtype, copy=False).reshape(shape)


class _PadGrad(FunctionNode):
    """Scatter-add the padded gradient back (edge/reflect/symmetric/wrap);
    its adjoint is the padding itself."""

    def __init__(self, pad, shape, dtype):
        self._pad = pad
        self._shape = shape
        self._dtype = dtype

    def forward(self, inputs):
        gy, = inputs
        return _scatter_add(self._pad._index_map(utils.array_module(gy)), gy,
                            self._shape, self._dtype),

    def backward_arrays(self, indexes, grad_outputs):
        p = self._pad
        xp = utils.array_module(grad_outputs[0])
        return xp.pad(grad_outputs[0], p._widths, mode=p.mode, **p.keywords),

    def backward(self, indexes, grad_outputs):
        p = self._pad
        return pad(grad_outputs[0], p._widths, p.mode, **p.keywords),


def pad(x, pad_width, mode, **keywords):
    """Pad ``x`` like ``numpy.pad(x, pad_width, mode, **keywords)``.

    ``mode='constant'`` pads with ``constant_values`` (default 0; no
    gradient flows to the padding).  ``'edge'``, ``'reflect'``,
    ``'symmetric'`` and ``'wrap'`` are supported too: there the gradient of
    each copied element is added back to its source.
    """
    y, = Pad(pad_width, mode, keywords).apply((x,))
    return y

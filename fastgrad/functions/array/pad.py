"""pad: pad an array (numpy.pad), differentiably."""
import numpy

from fastgrad import utils
from fastgrad.functions._util.checks import Checks
from fastgrad.functions._util.recipe import Op

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


class Pad(Op):
    __slots__ = ('pad_width', 'mode', 'keywords', '_widths')
    checks = Checks('x', "x.dtype.kind == 'f'")

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
        self._widths = _widths(self.pad_width, x.ndim)
        if x.ndim == 0:
            return x.copy(),       # no axis to pad (numpy.pad returns x's value)
        xp = utils.array_module(x)
        return xp.pad(x, self._widths, mode=self.mode, **self.keywords),

    def gradient(self, ns, indexes, grad_outputs):
        gy = grad_outputs[0]
        shape = self.inputs[0].shape
        if not shape:
            return gy,
        if self.mode == 'constant':
            # where x sits inside the padded output
            inner = tuple(slice(a, a + n) for (a, _), n in zip(self._widths, shape))
            return ns.get_item(gy, inner),
        return ns.call(_PadGrad(self._widths, self.mode, self.keywords, shape,
                                self.inputs[0].dtype), grad_outputs)


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


class _PadGrad(Op):
    """Scatter-add the padded gradient back (edge/reflect/symmetric/wrap);
    its adjoint is the padding itself."""
    __slots__ = ('_widths', '_mode', '_keywords', '_shape', '_dtype')

    def __init__(self, widths, mode, keywords, shape, dtype):
        self._widths = widths
        self._mode = mode
        self._keywords = keywords
        self._shape = shape
        self._dtype = dtype

    def forward(self, inputs):
        gy, = inputs
        xp = utils.array_module(gy)
        # where each padded element was copied from: the padding of x's flat indices
        idx = xp.arange(utils.size_of_shape(self._shape)).reshape(self._shape)
        index_map = xp.pad(idx, self._widths, mode=self._mode, **self._keywords)
        return _scatter_add(index_map, gy, self._shape, self._dtype),

    def gradient(self, ns, indexes, grad_outputs):
        return ns.pad(grad_outputs[0], self._widths, self._mode, **self._keywords),


def pad(x, pad_width, mode, **keywords):
    """Pad ``x`` like ``numpy.pad(x, pad_width, mode, **keywords)``.

    ``mode='constant'`` pads with ``constant_values`` (default 0; no
    gradient flows to the padding).  ``'edge'``, ``'reflect'``,
    ``'symmetric'`` and ``'wrap'`` are supported too: there the gradient of
    each copied element is added back to its source.

    >>> x = np.array([1., 2.], dtype=np.float32)
    >>> F.pad(x, 1, 'constant').array
    array([0., 1., 2., 0.], dtype=float32)
    """
    y, = Pad(pad_width, mode, keywords).apply((x,))
    return y

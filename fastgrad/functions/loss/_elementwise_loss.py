"""Shared plumbing of the elementwise losses with reduce='sum'/'mean'/'no'
(gaussian_kl_divergence, bernoulli_nll, gaussian_nll)."""
import numpy

from fastgrad import utils
from fastgrad._core.graph import FunctionNode, Variable


_compute_dtype = utils.compute_dtype


def unify_dtypes(args):
    """Chainer's operator rule: a raw array meeting a Variable is cast to the
    Variable's dtype (two Variables of different dtypes stay an error)."""
    dtype = None
    for a in args:
        if isinstance(a, Variable):
            dtype = a.dtype
            break
    if dtype is None:
        return tuple(args)
    return tuple(a if isinstance(a, Variable) or a.dtype == dtype else a.astype(dtype)
                 for a in args)


def check_reduce(func, reduce, allowed):
    if reduce not in allowed:
        raise ValueError('{}: only {} are valid for \'reduce\', but \'{}\' is given'.format(
            func, ', '.join("'{}'".format(r) for r in allowed), reduce))


class ElementwiseLoss(FunctionNode):
    """Subclasses give ``names``, ``loss(xs, xp)`` and ``grads(xs, g, xp)``
    (raw arrays in the compute dtype) and ``grads_var(xs, g)`` (Variables);
    the inputs broadcast together and the result is reduced by ``reduce``."""

    names = ()

    def __init__(self, reduce):
        self.reduce = reduce

    def forward(self, inputs):
        label = type(self).__name__
        x0 = inputs[0]
        if x0.dtype.kind != 'f':
            raise utils.invalid_type(label, "{}.dtype.kind == 'f'".format(self.names[0]),
                                     '{}.dtype = {}'.format(self.names[0], x0.dtype))
        for name, x in zip(self.names, inputs):
            if x.dtype != x0.dtype:
                raise utils.invalid_type(label, '{}.dtype == {}.dtype'.format(
                    self.names[0], name), '{} != {}'.format(x0.dtype, x.dtype))
        try:
            shape = numpy.broadcast_shapes(*[x.shape for x in inputs])
        except ValueError:
            raise utils.invalid_type(label, 'shapes broadcastable', ', '.join(
                '{}.shape = {}'.format(n, x.shape) for n, x in zip(self.names, inputs))) from None
        self._shape = shape
        xp = utils.array_module(x0)
        ct = _compute_dtype(x0.dtype)
        loss = self.loss([x.astype(ct, copy=False) for x in inputs], xp)
        self.retain_inputs(tuple(range(len(inputs))))
        if self.reduce == 'sum':
            loss = loss.sum()
        elif self.reduce == 'mean':
            loss = loss.mean()
        return utils.force_array(loss, x0.dtype),

    def _coeff(self):
        if self.reduce == 'mean':
            return 1.0 / max(utils.size_of_shape(self._shape), 1)
        return 1.0

    def backward_arrays(self, indexes, grad_outputs):
        xs = self.get_retained_input_arrays()
        dtype = xs[0].dtype
        xp = utils.array_module(xs[0])
        ct = _compute_dtype(dtype)
        g = grad_outputs[0].astype(ct, copy=False)
        if self.reduce != 'no':
            g = xp.broadcast_to(g * ct.type(self._coeff()), self._shape)
        gxs = self.grads([x.astype(ct, copy=False) for x in xs], g, indexes, xp)
        return tuple(utils.sum_to(utils.force_array(gx, dtype), self.inputs[i].shape)
                     for i, gx in zip(indexes, gxs))

    def backward(self, indexes, grad_outputs):
        from fastgrad.functions.array.broadcast import broadcast_to, sum_to
        xs = self.get_retained_inputs()
        g = grad_outputs[0]
        if self.reduce != 'no':
            g = broadcast_to(g * self._coeff(), self._shape)
        gxs = self.grads_var(xs, g, indexes)
        return tuple(sum_to(gx, self.inputs[i].shape) for i, gx in zip(indexes, gxs))

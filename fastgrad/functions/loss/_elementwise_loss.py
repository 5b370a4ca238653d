"""Shared plumbing of the elementwise losses with reduce='sum'/'mean'/'no'
(gaussian_kl_divergence, bernoulli_nll, gaussian_nll)."""
import numpy

from fastgrad import utils
from fastgrad._core.graph import Variable
from fastgrad.functions._util.recipe import Op


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


class ElementwiseLoss(Op):
    """Subclasses give ``names``, ``checks`` (float inputs of one dtype),
    ``loss(xs, xp)`` (raw arrays in the compute dtype) and
    ``grads(xs, g, indexes, ns)`` (written once against the recipe
    namespace); the inputs broadcast together and the result is reduced by
    ``reduce``."""
    __slots__ = ('reduce', '_shape')
    names = ()

    def __init__(self, reduce):
        self.reduce = reduce

    def forward(self, inputs):
        x0 = inputs[0]
        try:
            shape = numpy.broadcast_shapes(*[x.shape for x in inputs])
        except ValueError:
            # not an expression over the inputs: stays out of ``checks``
            raise utils.invalid_type(self.label, 'shapes broadcastable', ', '.join(
                '{}.shape = {}'.format(n, x.shape) for n, x in zip(self.names, inputs))) from None
        self._shape = shape
        xp = utils.array_module(x0)
        ct = utils.compute_dtype(x0.dtype)
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

    def gradient(self, ns, indexes, grad_outputs):
        xs = ns.inputs(self)
        dtype = ns.data(xs[0]).dtype
        # raw float16 is computed in float32; Variables keep their dtype
        ct = dtype if ns.differentiable else utils.compute_dtype(dtype)
        g = ns.cast(grad_outputs[0], ct)
        if self.reduce != 'no':
            g = ns.broadcast_to(g * self._coeff(), self._shape)
        gxs = self.grads([ns.cast(x, ct) for x in xs], g, indexes, ns)
        return tuple(ns.sum_to(ns.cast(gx, dtype), self.inputs[i].shape)
                     for i, gx in zip(indexes, gxs))

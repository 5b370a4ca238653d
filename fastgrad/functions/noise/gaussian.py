"""gaussian: a sample of N(mean, exp(ln_var)), reparameterized."""
import numpy

from fastgrad import graph_replay, utils
from fastgrad.functions._util.checks import Checks, same_device
from fastgrad.functions._util.recipe import Op

# a graph replay would repeat the host generator's draw on every step
_HOST_RNG = 'its random numbers are drawn by the host-side generator'


class Gaussian(Op):
    """y = mean + exp(ln_var / 2) * eps with eps ~ N(0, 1) (fixed once drawn)."""
    __slots__ = ('eps',)
    checks = Checks('mean, ln_var', "mean.dtype.kind == 'f'", 'mean.dtype == ln_var.dtype',
                    'mean.shape == ln_var.shape')

    def __init__(self, eps=None):
        self.eps = eps

    def forward(self, inputs):
        mean, ln_var = inputs
        xp = utils.array_module(mean)
        dtype = mean.dtype
        if self.eps is None:
            graph_replay.refuse('F.gaussian', _HOST_RNG)
            if xp is numpy:
                eps = numpy.random.standard_normal(ln_var.shape)
            else:
                eps = xp.random.standard_normal(ln_var.shape, dtype=numpy.float32)
            self.eps = eps.astype(dtype, copy=False)
        else:
            same_device('gaussian', 'eps', self.eps, ln_var)
            if self.eps.shape != ln_var.shape:
                raise ValueError('gaussian: eps must have the shape of ln_var {}, got {}'
                                 .format(ln_var.shape, self.eps.shape))
            self.eps = self.eps.astype(dtype, copy=False)
        self.retain_inputs((1,))
        return utils.force_array(mean + xp.exp(ln_var * dtype.type(0.5)) * self.eps),

    def gradient(self, ns, indexes, grad_outputs):
        gy = grad_outputs[0]
        if 1 not in indexes:
            return gy,
        ln_var, = ns.inputs(self)
        g_ln_var = gy * (ns.exp(ln_var * 0.5) * self.eps) * 0.5
        return tuple(gy if i == 0 else g_ln_var for i in indexes)

def gaussian(mean, ln_var, **kwargs):
    """Draw ``mean + exp(ln_var / 2) * eps`` with ``eps ~ N(0, 1)`` from
    ``numpy.random`` (the reparameterization trick: both inputs get
    gradients).  Unlike dropout it samples in test mode too.

    Keyword arguments (Chainer's): ``eps`` -- use this noise instead of
    drawing it; ``return_eps`` -- also return the noise used.

    >>> mean = np.zeros(3, dtype=np.float32)
    >>> ln_var = np.full(3, -np.inf, dtype=np.float32)
    >>> F.gaussian(mean, ln_var).array
    array([0., 0., 0.], dtype=float32)
    """
    eps = kwargs.pop('eps', None)
    return_eps = kwargs.pop('return_eps', False)
    if kwargs:
        raise TypeError('gaussian() got unexpected keyword argument(s) {}'
                        .format(', '.join(repr(k) for k in sorted(kwargs))))
    func = Gaussian(eps)
    out, = func.apply((mean, ln_var))
    if return_eps:
        return out, func.eps
    return out

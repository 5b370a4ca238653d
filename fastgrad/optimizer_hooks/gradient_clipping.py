"""GradientClipping: rescale all gradients so that their global L2 norm is
at most ``threshold``."""
import math

import numpy

from fastgrad import backend


def _sum_sqnorm(grads):
    """Sum of squares of all grads: a Python float if they are all NumPy
    arrays, else a 0-d array (on one GPU) or a float (several devices)."""
    per_device = {}
    for g in grads:
        flat = g.ravel()
        dev = backend.get_device_from_array(g)
        per_device[dev] = per_device.get(dev, 0) + flat.dot(flat)
    if len(per_device) == 1:
        (dev, total), = per_device.items()
        return total, dev
    return sum(float(s) for s in per_device.values()), None


class GradientClipping(object):
    """Optimizer hook scaling every gradient by ``threshold / norm`` when the
    global L2 norm of the gradients exceeds ``threshold``.

    Args:
        threshold (float): L2 norm threshold.

    Attributes:
        threshold (float): L2 norm threshold.
        timing (str): 'pre' (before the update, default) or 'post'.

    >>> np.random.seed(0)
    >>> model = L.Linear(2, 1, initialW=np.array([[1., -1.]]), initial_bias=0)
    >>> optimizer = fastgrad.optimizers.SGD(lr=0.1)
    >>> _ = optimizer.setup(model)
    >>> optimizer.add_hook(fastgrad.optimizer_hooks.GradientClipping(1.0))
    >>> x = np.array([[1., 2.]], dtype=np.float32)
    >>> optimizer.update(lambda: F.sum(model(x) ** 2))   # the gradient of W is [-2, -4]
    >>> model.W.array
    array([[ 1.0408249 , -0.91835034]], dtype=float32)
    """

    name = 'GradientClipping'
    timing = 'pre'

    def __init__(self, threshold):
        self.threshold = threshold

    def __call__(self, opt):
        grads = [p.grad for p in opt.target.params(False)]
        grads = [g for g in grads if g is not None]
        if not grads:
            return
        sqnorm, device = _sum_sqnorm(grads)
        if device is None or device.xp is numpy:
            norm = math.sqrt(float(sqnorm))
            rate = self.threshold / norm if norm != 0 else math.inf
            if rate >= 1:
                return
        else:
            # Stay on the GPU (no sync): clip the rate to 1 there.
            xp = device.xp
            rate = xp.minimum(self.threshold / xp.sqrt(sqnorm), 1)
        for g in grads:
            g *= rate

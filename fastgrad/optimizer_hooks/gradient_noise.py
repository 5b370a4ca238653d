"""GradientNoise: add noise (annealed Gaussian by default) to each gradient."""
import numpy

from fastgrad import graph_replay, utils


def exponential_decay_noise(xp, shape, dtype, hook, opt):
    """Gaussian noise with variance ``hook.eta / (1 + opt.t)**0.55``
    (Neelakantan et al., 2015, "Adding Gradient Noise Improves Learning for
    Very Deep Networks").  ``opt`` is the update rule (its ``t``)."""
    std = numpy.sqrt(hook.eta / numpy.power(1 + opt.t, 0.55))
    return xp.random.normal(0, std, shape).astype(dtype)


class GradientNoise(object):
    """Optimizer/UpdateRule hook adding ``noise_func(xp, shape, dtype, hook,
    rule)`` to each gradient.

    Args:
        eta (float): Scale of the noise (0.01, 0.3 or 1.0 are recommended for
            the default noise function).
        noise_func (callable): The noise generator.

    Attributes:
        timing (str): 'pre' (before the update, default) or 'post'.
        call_for_each_param (bool): True: called as ``hook(rule, param)``.

    >>> np.random.seed(0)
    >>> model = L.Linear(2, 1, initialW=np.array([[1., -1.]]), initial_bias=0)
    >>> optimizer = fastgrad.optimizers.SGD(lr=0.1)
    >>> _ = optimizer.setup(model)
    >>> optimizer.add_hook(fastgrad.optimizer_hooks.GradientNoise(eta=0.01))
    >>> x = np.array([[1., 2.]], dtype=np.float32)
    >>> optimizer.update(lambda: F.sum(model(x) ** 2))   # the gradient of W is [-2, -4]
    >>> model.W.array
    array([[ 1.1823595, -0.6040015]], dtype=float32)
    """

    name = 'GradientNoise'
    call_for_each_param = True
    timing = 'pre'

    def __init__(self, eta, noise_func=exponential_decay_noise):
        self.eta = eta
        self.noise_func = noise_func

    def __call__(self, rule, param):
        g = param.grad if param.array is not None else None
        if g is None:
            return
        # host RNG and the host step count: a graph replay would repeat them
        graph_replay.refuse('GradientNoise', 'its noise is drawn on the host')
        xp = utils.array_module(g)
        g += self.noise_func(xp, g.shape, g.dtype, self, rule)

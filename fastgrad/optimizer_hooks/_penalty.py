"""The shared body of the regularization hooks: ``grad += rate * penalty(param)``."""


class GradientPenalty(object):
    """Base of WeightDecay and Lasso: adds ``rate * self.penalty(p)`` to each gradient.

    A subclass only says what the penalty's gradient is. Under loss scaling the gradient
    is still multiplied by the loss scale when pre-update hooks run, so the penalty is
    scaled the same way (Chainer 7.8.1 does this for WeightDecay only; its Lasso was
    weakened by the loss scale).
    """

    call_for_each_param = True
    timing = 'pre'

    def __init__(self, rate):
        self.rate = rate

    def penalty(self, p):
        raise NotImplementedError

    def __call__(self, rule, param):
        p = param.array
        if p is None:       # uninitialized: reading its grad would raise
            return
        g = param.grad
        if g is None:
            return
        rate = self.rate
        loss_scale = getattr(param, '_loss_scale', None)
        if loss_scale is not None:
            rate *= loss_scale
        g += rate * self.penalty(p)

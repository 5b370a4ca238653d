"""``create_multi_node_optimizer``: an optimizer whose update averages the
gradients over all processes first.  Its first update (and any update after
the model's parameters changed, e.g. a lazy link initialized) broadcasts
rank 0's parameters instead of updating, as in ChainerMN."""


class _MultiNodeOptimizer(object):

    def __init__(self, actual_optimizer, communicator, zero_fill):
        d = self.__dict__
        d['actual_optimizer'] = actual_optimizer
        d['communicator'] = communicator
        d['zero_fill'] = zero_fill
        d['_layout'] = None

    def _changed(self, target):
        layout = [(name, p.array is not None) for name, p in sorted(target.namedparams())]
        changed = layout != self.__dict__['_layout']
        self.__dict__['_layout'] = layout
        return changed

    def update(self, lossfun=None, *args, **kwds):
        target = self.actual_optimizer.target
        if lossfun is not None:
            loss = lossfun(*args, **kwds)
            target.cleargrads()
            loss.backward(loss_scale=self.actual_optimizer._loss_scale)
            del loss
        if self._changed(target):
            self.communicator.bcast_data(target)
        else:
            self.communicator.multi_node_mean_grad(target, self.zero_fill)
            self.actual_optimizer.update(None, *args, **kwds)

    def setup(self, link):
        self.actual_optimizer.setup(link)
        return self

    def __getattr__(self, name):
        return getattr(self.__dict__['actual_optimizer'], name)

    def __setattr__(self, name, value):
        setattr(self.actual_optimizer, name, value)


def create_multi_node_optimizer(actual_optimizer, communicator, double_buffering=False,
                                zero_fill=True):
    """Wrap ``actual_optimizer`` for data-parallel training over
    ``communicator``.  ``zero_fill``: a parameter without a gradient on some
    process counts as zeros there."""
    if double_buffering:
        raise NotImplementedError(
            'create_multi_node_optimizer: double_buffering is not implemented in '
            'fastgrad yet (it overlaps the all-reduce with the next step on GPUs)')
    return _MultiNodeOptimizer(actual_optimizer, communicator, zero_fill)

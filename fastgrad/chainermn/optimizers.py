"""``create_multi_node_optimizer``: an optimizer whose update averages the
gradients over all processes first.  Its first update (and any update after
the model's parameters changed, e.g. a lazy link initialized) broadcasts
rank 0's parameters instead of updating, as in ChainerMN.

Two asynchronous variants overlap the all-reduce with computation (their
machinery is in ``_overlap``):

* ``double_buffering=True`` (ChainerMN's): update ``t`` applies the mean of the
  gradients computed at step ``t - 1``, whose all-reduce ran in the
  background during step ``t``'s forward and backward; the first update after
  the broadcast only starts a reduction.
* ``overlap=True`` (fastgrad's, PyTorch DDP's idea): the gradients are reduced
  in buckets of about ``bucket_size`` bytes, each sent as soon as backward has
  finished every gradient in it, while the rest of backward runs; the update
  applies the same mean as the plain path.
"""
from fastgrad.chainermn import _overlap


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

    def _forward_backward(self, lossfun, args, kwds):
        target = self.actual_optimizer.target
        loss = lossfun(*args, **kwds)
        target.cleargrads()
        loss.backward(loss_scale=self.actual_optimizer._loss_scale)
        del loss

    def update(self, lossfun=None, *args, **kwds):
        target = self.actual_optimizer.target
        if lossfun is not None:
            self._forward_backward(lossfun, args, kwds)
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


class _DoubleBufferingOptimizer(_MultiNodeOptimizer):
    """Two sets of packed gradient buffers: while one is being summed over the
    processes in the background, the other's mean is applied."""

    def __init__(self, actual_optimizer, communicator, zero_fill):
        super(_DoubleBufferingOptimizer, self).__init__(actual_optimizer, communicator,
                                                        zero_fill)
        d = self.__dict__
        d['_reducer'] = _overlap.Reducer(communicator)
        d['_buffers'] = None
        d['_in_flight'] = None

    def update(self, lossfun=None, *args, **kwds):
        d = self.__dict__
        target = self.actual_optimizer.target
        if lossfun is not None:
            self._forward_backward(lossfun, args, kwds)
        reducer = d['_reducer']
        reducer.wait()
        if self._changed(target):
            self.communicator.bcast_data(target)
            inf = float('inf')
            d['_buffers'] = (_overlap.Layout(target, inf), _overlap.Layout(target, inf))
            d['_in_flight'] = None
            return
        previous = d['_in_flight']             # step t-1's gradients, summed
        current = d['_buffers'][1] if previous is d['_buffers'][0] else d['_buffers'][0]
        for b in range(len(current.buckets)):
            current.pack(b)
            reducer.submit(current.buckets[b].buffer)
        d['_in_flight'] = current
        if previous is None:                   # the first step only starts one
            return
        previous.unpack_mean(reducer.size, self.zero_fill)
        self.actual_optimizer.update(None, *args, **kwds)

    def wait(self):
        """Block until the background all-reduce has finished."""
        self.__dict__['_reducer'].wait()

    def close(self):
        """End the communication thread and free its MPI communicator."""
        self.__dict__['_reducer'].close()


class _OverlapOptimizer(_MultiNodeOptimizer):
    """Buckets reduced during backward (see the module docstring)."""

    def __init__(self, actual_optimizer, communicator, zero_fill, bucket_size):
        super(_OverlapOptimizer, self).__init__(actual_optimizer, communicator, zero_fill)
        d = self.__dict__
        d['_reducer'] = _overlap.Reducer(communicator)
        d['_tap'] = _overlap.GradTap(self)
        d['_bucket_size'] = bucket_size
        d['_buckets'] = None
        d['_next'] = 0
        d['overlap_stats'] = {'during_backward': 0, 'in_update': 0, 'redone': 0}

    def _register(self):
        import fastgrad
        tap = self.__dict__['_tap']
        if fastgrad.get_function_hooks().get(tap.name) is not tap:
            tap.__enter__()

    def _launch_ready(self):
        d = self.__dict__
        layout, tap = d['_buckets'], d['_tap']
        while d['_next'] < len(layout.buckets):
            b = d['_next']
            bucket = layout.buckets[b]
            if tap.untrusted[b] or not all(tap.ready[i] for i in bucket.members):
                return
            bucket.launched = True
            d['_reducer'].submit(bucket.buffer)
            d['overlap_stats']['during_backward'] += 1
            d['_next'] = b + 1

    def _on_ready(self, i):
        if self.__dict__['_buckets'] is not None:
            self._launch_ready()

    def update(self, lossfun=None, *args, **kwds):
        d = self.__dict__
        target = self.actual_optimizer.target
        self._register()
        if lossfun is not None:
            self._forward_backward(lossfun, args, kwds)
        tap, reducer = d['_tap'], d['_reducer']
        layout = d['_buckets']
        tap.arm(None)                          # backward is over
        if self._changed(target):
            reducer.wait()
            self.communicator.bcast_data(target)
            layout = d['_buckets'] = _overlap.Layout(target, d['_bucket_size'])
        else:
            stats = d['overlap_stats']
            for b in range(d['_next'], len(layout.buckets)):   # what backward left
                layout.pack(b)
                reducer.submit(layout.buckets[b].buffer)
                stats['in_update'] += 1
            # A bucket that left during backward but got a gradient after (a
            # consumer the forward did not show) is redone from .grad, on
            # every process if on any.
            stale = reducer.any_true([b.launched and tap.untrusted[k]
                                      for k, b in enumerate(layout.buckets)])
            for b, redo in enumerate(stale):
                if redo:
                    layout.pack(b)
                    reducer.allreduce_now(layout.buckets[b].buffer)
                    stats['redone'] += 1
            layout.unpack_mean(reducer.size, self.zero_fill)
            self.actual_optimizer.update(None, *args, **kwds)
        for bucket in layout.buckets:
            bucket.launched = False
        d['_next'] = 0
        tap.arm(layout)                        # count the next step's forward

    def close(self):
        """Unregister the backward hook, end the communication thread and
        free its MPI communicator."""
        import fastgrad
        tap = self.__dict__['_tap']
        tap.arm(None)
        if fastgrad.get_function_hooks().get(tap.name) is tap:
            tap.__exit__(None, None, None)
        self.__dict__['_reducer'].close()


def create_multi_node_optimizer(actual_optimizer, communicator, double_buffering=False,
                                zero_fill=True, overlap=False, bucket_size=25 * 2 ** 20):
    """Wrap ``actual_optimizer`` for data-parallel training over ``communicator``.

    Args:
        actual_optimizer: The optimizer to run after the gradients are averaged.
        communicator: A communicator of :func:`create_communicator`.
        double_buffering: Apply, at each update, the mean gradients of the
            previous step, reduced in the background meanwhile (ChainerMN's
            semantics: the first update after the broadcast only starts a
            reduction).
        zero_fill: A parameter without a gradient counts as zeros; if False
            it keeps no gradient (and is not updated).
        overlap: Reduce the gradients in buckets while backward is still
            running (the same result as the plain path).  A function hook is
            registered in the thread that calls ``update`` (``close()``
            removes it); backward must run in that thread.
        bucket_size: The bytes per bucket with ``overlap``.

    Returns:
        The multi-node optimizer, which forwards everything else to
        ``actual_optimizer``.
    """
    if double_buffering and overlap:
        raise ValueError('create_multi_node_optimizer: choose double_buffering or '
                         'overlap, not both')
    if overlap and not bucket_size > 0:
        raise ValueError('create_multi_node_optimizer: bucket_size must be positive, '
                         'got {!r}'.format(bucket_size))
    if double_buffering:
        return _DoubleBufferingOptimizer(actual_optimizer, communicator, zero_fill)
    if overlap:
        return _OverlapOptimizer(actual_optimizer, communicator, zero_fill, bucket_size)
    return _MultiNodeOptimizer(actual_optimizer, communicator, zero_fill)

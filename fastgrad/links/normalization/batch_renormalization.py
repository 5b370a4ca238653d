"""L.BatchRenormalization: BatchNormalization whose training mode uses
batch renormalization."""
from fastgrad import backend, configuration
from fastgrad.functions.normalization.batch_renormalization import batch_renormalization
from fastgrad.functions.normalization.fixed_batch_normalization import fixed_batch_normalization
from fastgrad.links.normalization.batch_normalization import BatchNormalization


class BatchRenormalization(BatchNormalization):
    """``BatchRenormalization(size, rmax=1, dmax=0, decay=0.9, eps=2e-5,
    dtype=None, use_gamma=True, use_beta=True, initial_gamma=None,
    initial_beta=None, initial_avg_mean=None, initial_avg_var=None)``

    The parameters and persistent values of :class:`BatchNormalization`
    (``gamma``, ``beta``, ``avg_mean``, ``avg_var``, ``N``).  In training
    mode :func:`~fastgrad.functions.batch_renormalization` normalizes ``x``
    and updates the running averages; otherwise they normalize it as in
    :class:`BatchNormalization`.

    Args:
        size (int or tuple): the shape of the statistics.
        rmax (float): the bound of the variance correction ``r``.
        dmax (float): the bound of the mean correction ``d``.
        decay, eps, dtype, use_gamma, use_beta: as :class:`BatchNormalization`.
        initial_gamma, initial_beta, initial_avg_mean, initial_avg_var: as
            :class:`BatchNormalization`.

    >>> bn = L.BatchRenormalization(3, rmax=1., dmax=0.)
    >>> y = bn(np.array([[1., 2., 3.], [3., 4., 9.]], dtype=np.float32))
    >>> np.round(y.array, 4)
    array([[-1., -1., -1.],
           [ 1.,  1.,  1.]], dtype=float32)
    >>> bn.avg_mean  # running mean: 0.1 * the batch mean (decay=0.9)
    array([0.2, 0.3, 0.6], dtype=float32)
    """

    def __init__(self, size, rmax=1, dmax=0, decay=0.9, eps=2e-5, dtype=None,
                 use_gamma=True, use_beta=True, initial_gamma=None, initial_beta=None,
                 initial_avg_mean=None, initial_avg_var=None):
        # (Chainer 7.8.1 passes initial_avg_mean into BatchNormalization's
        # axis by position; here both go where their names say.)
        super().__init__(size, decay, eps, dtype, use_gamma, use_beta, initial_gamma,
                         initial_beta, initial_avg_mean=initial_avg_mean,
                         initial_avg_var=initial_avg_var)
        self.rmax = rmax
        self.dmax = dmax

    def forward(self, x, finetune=False):
        """Normalize ``x``: batch renormalization in training mode (a plain
        average of the batches' statistics with ``finetune``), the running
        averages otherwise."""
        gamma, beta = self.gamma, self.beta
        with backend.using_device(self.device):
            if gamma is None:
                gamma = self.xp.ones(self.avg_mean.shape, dtype=self.avg_mean.dtype)
            if beta is None:
                beta = self.xp.zeros(self.avg_mean.shape, dtype=self.avg_mean.dtype)
        config = configuration.config
        if not config.train:
            return fixed_batch_normalization(x, gamma, beta, self.avg_mean, self.avg_var,
                                             self.eps)
        if finetune:
            self.N += 1
            decay = 1. - 1. / self.N
        else:
            decay = self.decay
        avg_mean, avg_var = self.avg_mean, self.avg_var
        update = True
        if config.in_recomputing:
            # a recomputation pass must neither count the batch twice nor
            # see the statistics it updated the first time
            if finetune:
                self.N -= 1
            prev = self.__dict__.get('_prev_avg')
            if prev is not None:
                avg_mean, avg_var = prev
            update = False
        elif getattr(config, '_will_recompute', False):
            self._prev_avg = (avg_mean.copy(), avg_var.copy())
        return batch_renormalization(x, gamma, beta, self.rmax, self.dmax, self.eps,
                                     avg_mean, avg_var, decay, update_statistics=update)

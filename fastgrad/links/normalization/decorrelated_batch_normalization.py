"""L.DecorrelatedBatchNormalization: decorrelated (ZCA-whitening) batch
normalization with running statistics."""
import warnings

import numpy

from fastgrad import configuration, link
from fastgrad import serializer as serializer_mod
from fastgrad.functions.normalization.decorrelated_batch_normalization import (
    decorrelated_batch_normalization,
    fixed_decorrelated_batch_normalization,
)


class DecorrelatedBatchNormalization(link.Link):
    """``DecorrelatedBatchNormalization(size, groups=16, decay=0.9, eps=2e-5,
    dtype=numpy.float32)``

    No parameters; persistent values ``avg_mean`` ``(groups, size // groups)``
    (zeros), ``avg_projection`` ``(groups, C, C)`` (identities) and ``N``.
    In training mode the batch's statistics whiten ``x`` and update the
    running averages (``forward(x, finetune=True)``: a plain average since
    :meth:`start_finetuning`); otherwise the running averages are used.
    Loading an npz written by Chainer before its fix of issue #7706 (1-D
    ``avg_mean``, 2-D ``avg_projection``) broadcasts them over the groups.

    Args:
        size (int): the number of channels.
        groups (int): the number of channel groups whitened separately.
        decay (float): the running averages' decay.
        eps (float): added to the covariances' diagonal.
        dtype: the dtype of the statistics.

    >>> dbn = L.DecorrelatedBatchNormalization(2, groups=1)
    >>> x = np.array([[1., 0.], [0., 1.], [2., 3.], [-1., 0.]], dtype=np.float32)
    >>> y = dbn(x)
    >>> y.shape, np.allclose(y.array.T @ y.array / 4, np.eye(2), atol=1e-3)
    ((4, 2), True)
    >>> dbn.avg_mean  # (groups, size // groups)
    array([[0.05, 0.1 ]], dtype=float32)
    """

    def __init__(self, size, groups=16, decay=0.9, eps=2e-5, dtype=numpy.float32):
        super().__init__()
        C = size // groups
        self.avg_mean = numpy.zeros((groups, C), dtype=dtype)
        self.register_persistent('avg_mean')
        self.avg_projection = numpy.broadcast_to(
            numpy.eye(C, dtype=dtype), (groups, C, C)).copy()
        self.register_persistent('avg_projection')
        self.N = 0
        self.register_persistent('N')
        self.decay = decay
        self.eps = eps
        self.groups = groups

    def serialize(self, serializer):
        if isinstance(serializer, serializer_mod.Deserializer):
            serializer = _OldStatistics(serializer, self.groups)
        super().serialize(serializer)

    def forward(self, x, *, finetune=False):
        """Whiten ``x`` with the batch's statistics (training) or the running
        ones."""
        if not configuration.config.train:
            return fixed_decorrelated_batch_normalization(
                x, self.avg_mean, self.avg_projection, groups=self.groups)
        if finetune:
            self.N += 1
            decay = 1. - 1. / self.N
        else:
            decay = self.decay
        avg_mean, avg_projection = self.avg_mean, self.avg_projection
        if configuration.config.in_recomputing:
            # a recomputation pass must not count the batch twice
            if finetune:
                self.N -= 1
            avg_mean = avg_projection = None
        return decorrelated_batch_normalization(
            x, groups=self.groups, eps=self.eps, running_mean=avg_mean,
            running_projection=avg_projection, decay=decay)

    def start_finetuning(self):
        """Reset the count of the fine-tuning average (``N``)."""
        self.N = 0


def _broadcast_old(value, ndim, groups):
    """A statistic of the pre-#7706 layout (no group axis) broadcast over the
    groups; the right layout as it is."""
    if value.ndim == ndim:
        return value
    if value.ndim == ndim - 1:
        if groups != 1:
            warnings.warn('Found moving statistics of an old DecorrelatedBatchNormalization, '
                          'whose algorithm was different from the paper.')
        return numpy.broadcast_to(value, (groups,) + value.shape)
    raise ValueError('DecorrelatedBatchNormalization: unexpected shape {} of a statistic'
                     .format(value.shape))


class _OldStatistics(object):
    """A deserializer that reads ``avg_mean`` / ``avg_projection`` of either
    layout into the link's arrays."""

    def __init__(self, base, groups):
        self.base = base
        self.groups = groups

    def __getattr__(self, name):
        return getattr(self.base, name)

    def __getitem__(self, key):
        return self.base[key]

    def __call__(self, key, value):
        ndim = {'avg_mean': 2, 'avg_projection': 3}.get(key)
        if ndim is None:
            return self.base(key, value)
        arr = self.base(key, None)
        if arr is None:             # not read (a dry pass, or a missing key)
            return value
        arr = _broadcast_old(arr, ndim, self.groups)
        if value is None:
            return arr
        value[...] = arr
        return value

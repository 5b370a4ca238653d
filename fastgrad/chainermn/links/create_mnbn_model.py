"""create_mnbn_model: a copy of a model with every BatchNormalization
replaced by MultiNodeBatchNormalization."""
import copy

from fastgrad import link as _link
from fastgrad import sequential as _sequential
from fastgrad.chainermn.links.batch_normalization import MultiNodeBatchNormalization
from fastgrad.links.normalization.batch_normalization import BatchNormalization


def _convert(bn, comm, communication_backend):
    if bn.avg_mean is None:
        raise ValueError('create_mnbn_model: a BatchNormalization ({}) has no size yet '
                         '(created with axis and no size, and not called); give it a '
                         'size or run it once first'.format(bn.name))
    mnbn = MultiNodeBatchNormalization(
        size=bn.avg_mean.shape, comm=comm, decay=bn.decay, eps=bn.eps,
        dtype=bn.avg_mean.dtype, use_gamma=bn.gamma is not None,
        use_beta=bn.beta is not None, communication_backend=communication_backend)
    k = bn.avg_mean.ndim
    if bn.axis is not None and tuple(bn.axis) != (0,) + tuple(range(k + 1, k + len(bn.axis))):
        # only the default layout: axis 0 and every axis after the channels'
        raise ValueError('create_mnbn_model: BatchNormalization {} has axis={}; '
                         'MultiNodeBatchNormalization supports the default axes only'
                         .format(bn.name, bn.axis))
    mnbn.copyparams(bn, copy_persistent=False)
    for name in ('avg_mean', 'avg_var', 'N'):
        setattr(mnbn, name, copy.deepcopy(getattr(bn, name)))
    mnbn.to_device(bn.device)
    mnbn.name = bn.name
    return mnbn


def _replace_in(link, comm, communication_backend):
    """Replace, in place, every BatchNormalization under ``link`` (a copy)."""
    if isinstance(link, _sequential.Sequential):
        for i in range(len(link)):
            layer = link[i]
            if isinstance(layer, BatchNormalization):
                link[i] = _convert(layer, comm, communication_backend)
            elif isinstance(layer, _link.Link):
                _replace_in(layer, comm, communication_backend)
    elif isinstance(link, _link.ChainList):
        for i, child in enumerate(list(link)):
            if isinstance(child, BatchNormalization):
                link[i] = _convert(child, comm, communication_backend)
            else:
                _replace_in(child, comm, communication_backend)
    elif isinstance(link, _link.Chain):
        for name in list(link._children):
            child = link.__dict__[name]
            if isinstance(child, BatchNormalization):
                link.__dict__[name] = _convert(child, comm, communication_backend)
            else:
                _replace_in(child, comm, communication_backend)


def create_mnbn_model(link, comm, communication_backend='auto'):
    """A copy of ``link`` with every :class:`~fastgrad.links.BatchNormalization`
    (in Chains, ChainLists and Sequentials, at any depth) replaced by a
    :class:`MultiNodeBatchNormalization` with the same parameters, running
    statistics, ``decay`` and ``eps``.  ``link`` itself is left unchanged.

    Args:
        link (~fastgrad.Link): The model.
        comm: A ChainerMN communicator.
        communication_backend (str): ``'mpi'`` or ``'auto'``.

    Returns:
        ~fastgrad.Link: The converted copy.
    """
    if isinstance(link, BatchNormalization):
        return _convert(link, comm, communication_backend)
    new = copy.deepcopy(link)
    _replace_in(new, comm, communication_backend)
    return new

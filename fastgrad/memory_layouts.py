"""Chainer's memory-layout identifiers; fastgrad supports only the default layout.

Chainer 7 has an experimental channel-last layout for cuDNN: a variable
created with ``layout=CUDNN_CHANNEL_LAST_X`` (or a
:class:`~fastgrad.links.Convolution2D` built under
``using_config('compute_mode', 'cudnn_fast')``, whose ``W`` gets
``CUDNN_CHANNEL_LAST_W``) stores its array transposed.  fastgrad does not
implement these layouts: every array is in the default (channel-first) layout,
whose identifiers are None.  The names are kept so that code written for
Chainer can refer to them; using a channel-last layout raises an error that
names what is not supported (:func:`check_layout`).
"""
from fastgrad import configuration

#: The default (NCHW) layout of an input: the only one fastgrad supports.
CUDNN_CHANNEL_FIRST_X = None
#: Chainer's channel-last (NHWC) input layout; not supported by fastgrad.
CUDNN_CHANNEL_LAST_X = 'CUDNN_CHANNEL_LAST_X'
#: The default (out, in, kh, kw) layout of a filter: the only one supported.
CUDNN_CHANNEL_FIRST_W = None
#: Chainer's channel-last filter layout; not supported by fastgrad.
CUDNN_CHANNEL_LAST_W = 'CUDNN_CHANNEL_LAST_W'

_SUPPORTED = (None,)


def check_layout(layout, where):
    """Raise a RuntimeError unless ``layout`` is the default layout (None).

    Args:
        layout: A layout identifier of this module.
        where (str): What asked for it, named in the error.

    >>> from fastgrad import memory_layouts
    >>> memory_layouts.check_layout(None, 'f')
    >>> try:
    ...     memory_layouts.check_layout(memory_layouts.CUDNN_CHANNEL_LAST_X, 'f')
    ... except RuntimeError as e:
    ...     print(str(e).split(';')[0])
    f: memory layout 'CUDNN_CHANNEL_LAST_X' is not supported by fastgrad
    """
    if layout in _SUPPORTED:
        return
    raise RuntimeError(
        '{}: memory layout {!r} is not supported by fastgrad; only the '
        'default channel-first layout (None) is'.format(where, layout))


def check_compute_mode(where):
    """Raise a RuntimeError if ``config.compute_mode`` asks for channel-last
    layouts (``'cudnn_fast'``), which fastgrad does not support.

    Args:
        where (str): What is being built, named in the error.
    """
    mode = getattr(configuration.config, 'compute_mode', None)
    if mode == 'cudnn_fast':
        raise RuntimeError(
            "{}: compute_mode='cudnn_fast' selects Chainer's channel-last "
            'memory layouts (memory_layouts.CUDNN_CHANNEL_LAST_W for the '
            'filter), which fastgrad does not support; leave compute_mode '
            'unset'.format(where))

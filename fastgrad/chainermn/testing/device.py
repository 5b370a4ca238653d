"""The device a ChainerMN test runs on, from a GPU id or none."""
import fastgrad


def get_device(device_id=None, use_chainerx=False):
    """Return the device of a rank: the CPU without a GPU id, else that GPU.

    Args:
        device_id (int or None): the GPU of this process (often
            ``comm.intra_rank``); ``None`` for the CPU.
        use_chainerx (bool): ask for the ChainerX device (``native:0`` or
            ``cuda:N``); fastgrad has no ChainerX, so this raises the
            ValueError of :func:`fastgrad.get_device`.

    Returns:
        The device object, ``@numpy`` or ``@cupy:N``.

    >>> from fastgrad.chainermn.testing import get_device
    >>> get_device().name
    '@numpy'
    """
    if use_chainerx:
        spec = 'native:0' if device_id is None else 'cuda:{}'.format(device_id)
    else:
        spec = '@numpy' if device_id is None else '@cupy:{}'.format(device_id)
    return fastgrad.get_device(spec)

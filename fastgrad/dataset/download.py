"""Where local data sets live.  fastgrad never downloads anything: the
loaders read files the user placed under the dataset root.

The root is ``$FASTGRAD_DATASET_ROOT`` if set, else ``$CHAINER_DATASET_ROOT``
(so an existing Chainer cache is found), else ``~/.fastgrad/dataset``.
"""
import os


def _default_root():
    for var in ('FASTGRAD_DATASET_ROOT', 'CHAINER_DATASET_ROOT'):
        value = os.environ.get(var)
        if value:
            return os.path.expanduser(value)
    return os.path.join(os.path.expanduser('~'), '.fastgrad', 'dataset')


_dataset_root = None


def get_dataset_root():
    """The root folder of the local data sets (see the module docstring)."""
    if _dataset_root is not None:
        return _dataset_root
    return _default_root()


def set_dataset_root(path):
    """Override the dataset root for this process (``None`` restores the
    environment / default lookup)."""
    global _dataset_root
    _dataset_root = None if path is None else os.path.expanduser(str(path))


def get_dataset_directory(dataset_name, create_directory=True):
    """``<root>/<dataset_name>``, created unless ``create_directory`` is
    False."""
    path = os.path.join(get_dataset_root(), dataset_name)
    if create_directory:
        os.makedirs(path, exist_ok=True)
    return path

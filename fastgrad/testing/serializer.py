"""``save_and_load`` round trips through a temporary file."""
import os
import tempfile


def save_and_load(src, dst, filename, saver, loader):
    """``saver(path, src)`` then ``loader(path, dst)`` in a temporary folder.

    >>> from fastgrad import testing
    >>> src, dst = np.arange(3.), np.zeros(3)
    >>> testing.save_and_load(src, dst, 'x.npy', np.save,
    ...                       lambda path, out: np.copyto(out, np.load(path)))
    >>> dst
    array([0., 1., 2.])
    """
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, filename)
        saver(path, src)
        loader(path, dst)


def save_and_load_npz(src, dst):
    """Save ``src`` with ``save_npz`` and load the file into ``dst``.

    >>> from fastgrad import testing
    >>> src, dst = L.Linear(2, 3), L.Linear(2, 3)
    >>> testing.save_and_load_npz(src, dst)
    >>> bool((src.W.array == dst.W.array).all())
    True
    """
    from fastgrad import serializers
    save_and_load(src, dst, 'tmp.npz', serializers.save_npz, serializers.load_npz)


def save_and_load_hdf5(src, dst):
    """Save ``src`` with ``save_hdf5`` and load the file into ``dst``.

    >>> from fastgrad import testing
    >>> src, dst = L.Linear(2, 3), L.Linear(2, 3)
    >>> testing.save_and_load_hdf5(src, dst)   # needs h5py
    >>> bool((src.W.array == dst.W.array).all())
    True
    """
    from fastgrad import serializers
    save_and_load(src, dst, 'tmp.h5', serializers.save_hdf5, serializers.load_hdf5)

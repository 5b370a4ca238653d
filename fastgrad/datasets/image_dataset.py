"""Image data sets read with Pillow (``pip install pillow``): from files
(``ImageDataset``, ``LabeledImageDataset``) or from zip archives
(``ZippedImageDataset``, ``MultiZippedImageDataset``,
``LabeledZippedImageDataset``).  Every example is an array of shape
``(channels, height, width)``: 1 channel for gray images, 3 for RGB."""
import bisect
import importlib.util
import io
import os
import threading
import zipfile

import numpy

from fastgrad import configuration
from fastgrad.dataset.dataset_mixin import DatasetMixin

available = importlib.util.find_spec('PIL') is not None   # Chainer's flag


def _pillow():
    try:
        from PIL import Image
    except ImportError as e:
        raise ImportError('image datasets need Pillow (pip install pillow): {}'
                          .format(e)) from e
    return Image


def _read_image(source, dtype):
    with _pillow().open(source) as image:
        array = numpy.asarray(image, dtype=dtype)
    if array.ndim == 2:
        array = array[:, :, None]
    return array.transpose(2, 0, 1)


def _read_pairs(path):
    """``path label`` lines (Caffe's list format) as (path, int) pairs."""
    pairs = []
    with open(path) as f:
        for number, line in enumerate(f):
            fields = line.split()
            if len(fields) != 2:
                raise ValueError('invalid format at line {} in file {}: expected '
                                 '"path label", got {!r}'.format(number, path, line))
            pairs.append((fields[0], int(fields[1])))
    return pairs


class ImageDataset(DatasetMixin):
    """Images from files: ``paths`` is a list of paths relative to ``root``,
    or the path of a text file with one such path per line.

    .. doctest::
       :skipif: not fastgrad.datasets.image_dataset.available

       >>> import os, tempfile
       >>> from PIL import Image
       >>> with tempfile.TemporaryDirectory() as root:
       ...     Image.new('RGB', (4, 2), (255, 0, 0)).save(os.path.join(root, 'a.png'))
       ...     dataset = fastgrad.datasets.ImageDataset(['a.png'], root=root)
       ...     image = dataset[0]
       >>> image.shape, image[:, 0, 0]
       ((3, 2, 4), array([255.,   0.,   0.], dtype=float32))
    """

    def __init__(self, paths, root='.', dtype=None):
        _pillow()
        if isinstance(paths, (str, os.PathLike)):
            with open(paths) as f:
                paths = [line.strip() for line in f]
        self._paths = paths
        self._root = root
        self._dtype = configuration.get_dtype(dtype)

    def __len__(self):
        return len(self._paths)

    def get_example(self, i):
        return _read_image(os.path.join(self._root, self._paths[i]), self._dtype)


class LabeledImageDataset(DatasetMixin):
    """(image, label) pairs: ``pairs`` is a list of (path, int label) or the
    path of a text file of ``path label`` lines.

    .. doctest::
       :skipif: not fastgrad.datasets.image_dataset.available

       >>> import os, tempfile
       >>> from PIL import Image
       >>> with tempfile.TemporaryDirectory() as root:
       ...     Image.new('L', (3, 3), 7).save(os.path.join(root, 'a.png'))
       ...     dataset = fastgrad.datasets.LabeledImageDataset([('a.png', 5)], root=root)
       ...     image, label = dataset[0]
       >>> image.shape, int(image.max()), int(label)
       ((1, 3, 3), 7, 5)
    """

    def __init__(self, pairs, root='.', dtype=None, label_dtype=numpy.int32):
        _pillow()
        if isinstance(pairs, (str, os.PathLike)):
            pairs = _read_pairs(pairs)
        self._pairs = pairs
        self._root = root
        self._dtype = configuration.get_dtype(dtype)
        self._label_dtype = label_dtype

    def __len__(self):
        return len(self._pairs)

    def get_example(self, i):
        path, label = self._pairs[i]
        return (_read_image(os.path.join(self._root, path), self._dtype),
                numpy.array(label, dtype=self._label_dtype))


class ZippedImageDataset(DatasetMixin):
    """The images of one zip archive (every file in it, in archive order).
    An example is indexed by position or by its name in the archive.  The
    archive is reopened in a forked or unpickled process.

    .. doctest::
       :skipif: not fastgrad.datasets.image_dataset.available

       >>> import os, tempfile, zipfile, io
       >>> from PIL import Image
       >>> png = io.BytesIO()
       >>> Image.new('L', (2, 2), 9).save(png, format='PNG')
       >>> with tempfile.TemporaryDirectory() as d:
       ...     with zipfile.ZipFile(os.path.join(d, 'img.zip'), 'w') as z:
       ...         z.writestr('x.png', png.getvalue())
       ...     dataset = fastgrad.datasets.ZippedImageDataset(os.path.join(d, 'img.zip'))
       ...     by_name = dataset.get_example('x.png')
       >>> len(dataset), by_name.shape, int(by_name[0, 0, 0])
       (1, (1, 2, 2), 9)
    """

    def __init__(self, zipfilename, dtype=None):
        _pillow()
        self._zipfilename = zipfilename
        self._dtype = configuration.get_dtype(dtype)
        self._lock = threading.Lock()
        self._zf, self._zf_pid = None, None
        self._paths = [n for n in self._archive().namelist() if not n.endswith('/')]

    def _archive(self):
        if self._zf is None or self._zf_pid != os.getpid():
            self._zf = zipfile.ZipFile(self._zipfilename)
            self._zf_pid = os.getpid()
        return self._zf

    def __getstate__(self):
        state = self.__dict__.copy()
        state['_zf'] = None
        del state['_lock']
        return state

    def __setstate__(self, state):
        self.__dict__ = state
        self._lock = threading.Lock()

    def __len__(self):
        return len(self._paths)

    def get_example(self, i_or_name):
        name = i_or_name if isinstance(i_or_name, str) else self._paths[i_or_name]
        with self._lock:
            data = self._archive().read(name)
        return _read_image(io.BytesIO(data), self._dtype)


class MultiZippedImageDataset(DatasetMixin):
    """The images of several zip archives, one after the other.

    .. doctest::
       :skipif: not fastgrad.datasets.image_dataset.available

       >>> import os, tempfile, zipfile, io
       >>> from PIL import Image
       >>> png = io.BytesIO()
       >>> Image.new('L', (2, 2), 9).save(png, format='PNG')
       >>> with tempfile.TemporaryDirectory() as d:
       ...     names = [os.path.join(d, n) for n in ('a.zip', 'b.zip')]
       ...     for name, count in zip(names, (1, 2)):
       ...         with zipfile.ZipFile(name, 'w') as z:
       ...             for i in range(count):
       ...                 z.writestr('{}.png'.format(i), png.getvalue())
       ...     dataset = fastgrad.datasets.MultiZippedImageDataset(names)
       ...     shape = dataset[2].shape
       >>> len(dataset), shape
       (3, (1, 2, 2))
    """

    def __init__(self, zipfilenames, dtype=None):
        self._datasets = [ZippedImageDataset(name, dtype) for name in zipfilenames]
        self._starts = [0]
        for d in self._datasets:
            self._starts.append(self._starts[-1] + len(d))

    def __len__(self):
        return self._starts[-1]

    def get_example(self, i):
        if i < 0:
            i += len(self)
        k = bisect.bisect_right(self._starts, i) - 1
        if not 0 <= i < len(self):
            raise IndexError('MultiZippedImageDataset index {} out of range '
                             '(length {})'.format(i, len(self)))
        return self._datasets[k].get_example(i - self._starts[k])


class LabeledZippedImageDataset(DatasetMixin):
    """(image, label) pairs: images from a zip archive, named with their
    labels in a text file of ``name label`` lines.

    .. doctest::
       :skipif: not fastgrad.datasets.image_dataset.available

       >>> import os, tempfile, zipfile, io
       >>> from PIL import Image
       >>> png = io.BytesIO()
       >>> Image.new('L', (2, 2), 9).save(png, format='PNG')
       >>> with tempfile.TemporaryDirectory() as d:
       ...     with zipfile.ZipFile(os.path.join(d, 'img.zip'), 'w') as z:
       ...         z.writestr('x.png', png.getvalue())
       ...     with open(os.path.join(d, 'labels.txt'), 'w') as f:
       ...         _ = f.write('x.png 3\\n')
       ...     dataset = fastgrad.datasets.LabeledZippedImageDataset(
       ...         os.path.join(d, 'img.zip'), os.path.join(d, 'labels.txt'))
       ...     image, label = dataset[0]
       >>> len(dataset), image.shape, int(label)
       (1, (1, 2, 2), 3)
    """

    def __init__(self, zipfilename, labelfilename, dtype=None,
                 label_dtype=numpy.int32):
        self._pairs = _read_pairs(labelfilename)
        self._label_dtype = label_dtype
        self._images = ZippedImageDataset(zipfilename, dtype=dtype)

    def __len__(self):
        return len(self._pairs)

    def get_example(self, i):
        name, label = self._pairs[i]
        return (self._images.get_example(name),
                numpy.array(label, dtype=self._label_dtype))

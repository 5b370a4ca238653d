"""Where data sets live, and the download cache.

The root is ``$FASTGRAD_DATASET_ROOT`` if set, else ``$CHAINER_DATASET_ROOT``
(so an existing Chainer cache is found), else ``~/.fastgrad/dataset``.

Downloads are opt-in: :func:`cached_download` fetches a URL only when
``$FASTGRAD_ALLOW_DOWNLOAD=1`` or after ``allow_download(True)``; otherwise it
reads what is already in the cache (Chainer's layout:
``<root>/_dl_cache/<md5 of the URL>``) and raises an error that names the URL
and the file to put there.
"""
import contextlib
import hashlib
import os
import shutil
import tempfile


def _default_root():
    for var in ('FASTGRAD_DATASET_ROOT', 'CHAINER_DATASET_ROOT'):
        value = os.environ.get(var)
        if value:
            return os.path.expanduser(value)
    return os.path.join(os.path.expanduser('~'), '.fastgrad', 'dataset')


_dataset_root = None


def get_dataset_root():
    """The root folder of the local data sets (see the module docstring).

    >>> fastgrad.dataset.set_dataset_root('/data/sets')
    >>> fastgrad.dataset.get_dataset_root()
    '/data/sets'
    >>> fastgrad.dataset.set_dataset_root(None)  # back to the environment/default
    """
    if _dataset_root is not None:
        return _dataset_root
    return _default_root()


def set_dataset_root(path):
    """Override the dataset root for this process (``None`` restores the
    environment / default lookup).

    >>> fastgrad.dataset.set_dataset_root('/data/sets')
    >>> fastgrad.dataset.get_dataset_directory('cifar', create_directory=False)
    '/data/sets/cifar'
    >>> fastgrad.dataset.set_dataset_root(None)  # back to the environment/default
    """
    global _dataset_root
    _dataset_root = None if path is None else os.path.expanduser(str(path))


def get_dataset_directory(dataset_name, create_directory=True):
    """``<root>/<dataset_name>``, created unless ``create_directory`` is
    False.

    >>> import os, tempfile
    >>> with tempfile.TemporaryDirectory() as root:
    ...     fastgrad.dataset.set_dataset_root(root)
    ...     path = fastgrad.dataset.get_dataset_directory('mnist')
    ...     print(os.path.relpath(path, root), os.path.isdir(path))
    ...     fastgrad.dataset.set_dataset_root(None)
    mnist True
    """
    path = os.path.join(get_dataset_root(), dataset_name)
    if create_directory:
        os.makedirs(path, exist_ok=True)
    return path


_allow_download = None


def allow_download(allowed=True):
    """Allow (or forbid) :func:`cached_download` to fetch files for this
    process; ``None`` restores the ``$FASTGRAD_ALLOW_DOWNLOAD`` lookup.

    >>> fastgrad.dataset.allow_download(False)
    >>> fastgrad.dataset.download_allowed()
    False
    >>> fastgrad.dataset.allow_download(None)  # back to $FASTGRAD_ALLOW_DOWNLOAD
    """
    global _allow_download
    _allow_download = None if allowed is None else bool(allowed)


def download_allowed():
    """Whether :func:`cached_download` may fetch (see the module docstring).

    >>> fastgrad.dataset.allow_download(True)
    >>> fastgrad.dataset.download_allowed()
    True
    >>> fastgrad.dataset.allow_download(None)  # back to $FASTGRAD_ALLOW_DOWNLOAD
    """
    if _allow_download is not None:
        return _allow_download
    return os.environ.get('FASTGRAD_ALLOW_DOWNLOAD', '') not in ('', '0')


def cached_download_path(url):
    """Where :func:`cached_download` keeps ``url``: Chainer's cache layout."""
    return os.path.join(get_dataset_root(), '_dl_cache',
                        hashlib.md5(url.encode('utf-8')).hexdigest())


@contextlib.contextmanager
def _temp_dir_next_to(path):
    """A temporary folder beside ``path``: a finished file is renamed into
    place atomically, so no reader ever sees a half-written cache entry."""
    parent = os.path.dirname(path) or '.'
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(dir=parent, prefix='.tmp-')
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def cached_download(url):
    """The local path of ``url``'s content, downloading it into the cache if
    allowed and not there yet (Chainer's ``cached_download``).

    >>> import os, shutil, tempfile
    >>> url = 'https://example.com/data.txt'
    >>> with tempfile.TemporaryDirectory() as root:
    ...     fastgrad.dataset.set_dataset_root(root)
    ...     cache = fastgrad.dataset.download.cached_download_path(url)
    ...     os.makedirs(os.path.dirname(cache))
    ...     with open(cache, 'w') as f:
    ...         _ = f.write('hello')
    ...     with open(fastgrad.dataset.cached_download(url)) as f:  # no download
    ...         print(f.read())
    ...     fastgrad.dataset.set_dataset_root(None)
    hello
    """
    path = cached_download_path(url)
    if os.path.exists(path):
        return path
    if not download_allowed():
        raise RuntimeError(
            'cached_download: {} is not in the cache and downloads are off. Put '
            'the file at {} or allow downloads (FASTGRAD_ALLOW_DOWNLOAD=1 or '
            'fastgrad.dataset.allow_download(True)).'.format(url, path))
    # imported here: it pulls in http, ssl and email (2 MB)
    import urllib.request
    with _temp_dir_next_to(path) as tmp:
        part = os.path.join(tmp, 'download')
        with urllib.request.urlopen(url) as response, open(part, 'wb') as f:
            shutil.copyfileobj(response, f)
        os.replace(part, path)
    return path


def cache_or_load_file(path, creator, loader):
    """``loader(path)`` if ``path`` exists; else ``creator(tmp_path)`` writes
    it (its return value is returned) and the file is moved to ``path``
    atomically (Chainer's ``cache_or_load_file``).

    >>> import os, tempfile
    >>> def creator(path):
    ...     np.save(path, np.arange(3))
    ...     return 'created'
    >>> with tempfile.TemporaryDirectory() as d:
    ...     path = os.path.join(d, 'a.npy')
    ...     first = fastgrad.dataset.cache_or_load_file(path, creator, np.load)
    ...     second = fastgrad.dataset.cache_or_load_file(path, creator, np.load)
    >>> first, second
    ('created', array([0, 1, 2]))
    """
    if os.path.exists(path):
        return loader(path)
    with _temp_dir_next_to(path) as tmp:
        tmp_path = os.path.join(tmp, os.path.basename(path))
        content = creator(tmp_path)
        if not os.path.exists(path):
            os.replace(tmp_path, path)
    return content

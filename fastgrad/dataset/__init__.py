"""Dataset building blocks (``chainer.dataset``): converters, the dataset and
iterator base classes, and the dataset root."""
from fastgrad.dataset.async_transfer import ConcatWithAsyncTransfer  # NOQA
from fastgrad.dataset.convert import (  # NOQA
    Converter, concat_examples, converter, to_device)
from fastgrad.dataset.dataset_mixin import DatasetMixin  # NOQA
from fastgrad.dataset.download import (  # NOQA
    allow_download, cache_or_load_file, cached_download, download_allowed,
    get_dataset_directory, get_dataset_root, set_dataset_root)
from fastgrad.dataset.iterator import Iterator  # NOQA
from fastgrad.dataset import tabular  # NOQA
from fastgrad.dataset.tabular import TabularDataset  # NOQA

"""Datasets (``chainer.datasets``): wrappers that combine and split datasets,
and loaders for local data (fastgrad never downloads)."""
from fastgrad.datasets.concatenated_dataset import ConcatenatedDataset  # NOQA
from fastgrad.datasets.dict_dataset import DictDataset  # NOQA
from fastgrad.datasets.digits import get_digits  # NOQA
from fastgrad.datasets.mnist import get_mnist  # NOQA
from fastgrad.datasets.sub_dataset import (  # NOQA
    SubDataset, get_cross_validation_datasets,
    get_cross_validation_datasets_random, split_dataset, split_dataset_n,
    split_dataset_n_random, split_dataset_random)
from fastgrad.datasets.transform_dataset import TransformDataset  # NOQA
from fastgrad.datasets.tuple_dataset import TupleDataset  # NOQA

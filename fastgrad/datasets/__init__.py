"""Datasets (``chainer.datasets``): wrappers that combine and split datasets,
and loaders for the standard data sets (downloads are opt-in: see
``fastgrad.dataset.cached_download``)."""
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
from fastgrad.datasets.image_dataset import (  # NOQA
    ImageDataset, LabeledImageDataset, LabeledZippedImageDataset,
    MultiZippedImageDataset, ZippedImageDataset)
from fastgrad.datasets.pickle_dataset import (  # NOQA
    PickleDataset, PickleDatasetWriter, open_pickle_dataset,
    open_pickle_dataset_writer)
from fastgrad.datasets.standard import (  # NOQA
    get_cifar10, get_cifar100, get_fashion_mnist, get_fashion_mnist_labels,
    get_kuzushiji_mnist, get_kuzushiji_mnist_labels, get_ptb_words,
    get_ptb_words_vocabulary, get_svhn)
from fastgrad.datasets.text_dataset import TextDataset  # NOQA

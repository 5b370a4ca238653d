"""Tabular datasets (``chainer.dataset.tabular``)."""
from fastgrad.dataset.tabular.delegate_dataset import DelegateDataset  # NOQA
from fastgrad.dataset.tabular.from_data import from_data  # NOQA
from fastgrad.dataset.tabular.tabular_dataset import TabularDataset  # NOQA

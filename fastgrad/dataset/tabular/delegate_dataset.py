"""``DelegateDataset``: a TabularDataset that forwards everything to
``self.dataset``, the base of a user's class that builds its data from
other tabular datasets."""
from fastgrad.dataset.tabular.tabular_dataset import TabularDataset


class DelegateDataset(TabularDataset):

    def __init__(self, dataset):
        self.dataset = dataset

    def __len__(self):
        return len(self.dataset)

    @property
    def keys(self):
        return self.dataset.keys

    @property
    def mode(self):
        return self.dataset.mode

    def get_examples(self, indices, key_indices):
        return self.dataset.get_examples(indices, key_indices)

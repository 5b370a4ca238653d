from fastgrad.dataset import dataset_mixin


class TransformDataset(dataset_mixin.DatasetMixin):
    """``ds[i] == transform(dataset[i])``, computed on access (so random data
    augmentation gives a fresh draw each time).

    >>> ds = fastgrad.datasets.TransformDataset([1, 2, 3], lambda v: v * 10)
    >>> ds[2], len(ds)
    (30, 3)
    """

    def __init__(self, dataset, transform):
        self._dataset = dataset
        self._transform = transform

    def __len__(self):
        return len(self._dataset)

    def get_example(self, i):
        return self._transform(self._dataset[i])

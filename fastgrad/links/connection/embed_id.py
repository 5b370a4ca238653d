"""L.EmbedID: a lookup table W (in_size, out_size) of word embeddings."""
from fastgrad import initializers, link, variable
from fastgrad.functions.connection.embed_id import embed_id


class EmbedID(link.Link):
    """``EmbedID(in_size, out_size, initialW=None, ignore_label=None)``

    ``W`` defaults to ``Normal(1.0)`` (Chainer's choice for embeddings).
    Rows of ``x`` equal to ``ignore_label`` give zero vectors.

    >>> l = L.EmbedID(10, 4)
    >>> l(np.array([1, 5, 1], dtype=np.int32)).shape
    (3, 4)
    """

    ignore_label = None

    def __init__(self, in_size, out_size, initialW=None, ignore_label=None):
        super().__init__()
        self.ignore_label = ignore_label
        with self.init_scope():
            if initialW is None:
                initialW = initializers.Normal(1.0)
            self.W = variable.Parameter(initialW, (in_size, out_size))

    @classmethod
    def from_params(cls, W, ignore_label=None):
        """An EmbedID whose table is initialized from ``W``."""
        in_size, out_size = W.shape
        return cls(in_size, out_size, initialW=variable.as_array(W),
                   ignore_label=ignore_label)

    def forward(self, x):
        return embed_id(x, self.W, ignore_label=self.ignore_label)

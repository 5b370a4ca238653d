"""L.MLPConvolution2D: "network in network" -- one convolution followed by
1x1 convolutions, with an activation between them."""
from fastgrad import link
from fastgrad.functions.activation.relu import relu
from fastgrad.links.connection.convolution_2d import Convolution2D


class MLPConvolution2D(link.ChainList):
    """A convolution then ``len(out_channels) - 1`` pointwise convolutions.

    Args:
        in_channels (int or None): input channels (None: inferred; also
            ``MLPConvolution2D(out_channels, ksize)``).
        out_channels (tuple of ints): output channels of each layer.
        ksize, stride, pad: the first convolution's geometry.
        activation: applied after every layer but the last (default relu).
        conv_init, bias_init (keyword only): initializers of every layer.

    >>> mlp = L.MLPConvolution2D(3, (8, 8, 4), ksize=3)
    >>> len(mlp)  # a 3x3 convolution, then two 1x1 ones
    3
    >>> mlp(np.ones((1, 3, 5, 5), np.float32)).shape
    (1, 4, 3, 3)
    """

    def __init__(self, in_channels, out_channels, ksize=None, stride=1, pad=0,
                 activation=relu, *args, conv_init=None, bias_init=None, **kwargs):
        msg = ('MLPConvolution2D: wscale is not supported anymore; use the conv_init and '
               'bias_init arguments to scale the initial parameters')
        # as in Chainer: TypeError for v1's positional wscale, ValueError for the keyword
        if args:
            raise TypeError(msg)
        if 'wscale' in kwargs:
            raise ValueError(msg)
        if kwargs:
            raise TypeError('MLPConvolution2D: unexpected keyword arguments {}'
                            .format(sorted(kwargs)))
        if ksize is None:
            out_channels, ksize, in_channels = in_channels, out_channels, None
        out_channels = tuple(out_channels)
        if not out_channels:
            raise ValueError('MLPConvolution2D: out_channels must name at least one layer')
        convs = [Convolution2D(in_channels, out_channels[0], ksize, stride, pad,
                               initialW=conv_init, initial_bias=bias_init)]
        for n_in, n_out in zip(out_channels, out_channels[1:]):
            convs.append(Convolution2D(n_in, n_out, 1, initialW=conv_init,
                                       initial_bias=bias_init))
        super().__init__(*convs)
        self.activation = activation

    def forward(self, x):
        for layer in self[:-1]:
            x = self.activation(layer(x))
        return self[-1](x)

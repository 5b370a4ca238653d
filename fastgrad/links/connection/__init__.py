from fastgrad.links.connection.linear import Linear  # NOQA

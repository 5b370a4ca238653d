from fastgrad.functions.connection.linear import linear  # NOQA

"""Developer tools for fastgrad_cuda (compile checks); not imported at run time."""

"""The ``dolma-tools`` command line."""

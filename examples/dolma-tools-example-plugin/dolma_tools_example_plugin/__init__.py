"""Example dolma-tools plugin package; its taggers live in :mod:`dolma_tools_example_plugin.taggers`."""

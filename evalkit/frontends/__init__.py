"""Front ends: the command line, the pytest plugin, the Python API, their one options table and exit rule."""

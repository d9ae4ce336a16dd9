"""What a run writes or prints: the file writer, the run layout, terminal text, CI files, the HTML report."""

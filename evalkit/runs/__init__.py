"""Finished runs read back and compared: records, history, diff, two systems compared."""

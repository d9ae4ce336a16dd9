"""Preparing a batch to judge: claims, article sentences and windows, vectors (cached), lexical signals."""

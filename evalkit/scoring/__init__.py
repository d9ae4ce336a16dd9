"""Scoring: jobs -> results (the one pipeline), pins and their checks, calibration, the Ray engine."""

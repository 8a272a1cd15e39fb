"""Build-time tools: data generators and calibration scripts. Not part of the dfanalyze package
(the wheel does not ship them); run from the repository root as ``python -m tools.<name>``."""

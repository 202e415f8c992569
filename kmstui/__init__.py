"""kmstui: a terminal admin console for an embedded emulation of AWS KMS and EBS encryption."""

__version__ = "0.1.0"

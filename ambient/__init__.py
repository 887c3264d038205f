"""ambient: a runtime for camera-and-speaker smart devices with small local models."""

__version__ = "0.1.0"

"""ambient: a runtime for camera-and-speaker smart devices with small local models."""

import os

# FFmpeg inside OpenCV writes decoder complaints straight to stderr ("moov atom not found"),
# which would break the one-line error rule for a bad video; ambient reports those itself.
# Set before anything imports cv2; a user who wants FFmpeg's own logs can set it to 32.
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")
# Probing for a webcam that is not there makes OpenCV warn twice; `ambient doctor` says it once.
os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")

__version__ = "0.1.0"

"""Speech in and out: the command grammar and Whisper behind one builder, the Piper and espeak-ng
voices, interruptible playback, and self-wake suppression."""

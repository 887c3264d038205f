"""Speech out (and, later, speech in): phonemes, the Piper voice, the espeak-ng voice."""

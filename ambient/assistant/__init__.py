"""The assistant: turns (wake word to utterance), and later the router, skills and replies."""

"""The assistant: the listening stage (VAD and wake word to a captured command), the turn
tracker, the conversation stage (recognition, intents, local skills or the cloud, the spoken
reply), prepared replies, timers and volume."""

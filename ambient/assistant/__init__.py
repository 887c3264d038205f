"""The assistant: the voice turn's state machine (`turn_state`), the listening stage (VAD and wake
word to a captured command, with the turn tracker's sample arithmetic), the conversation stage
(recognition, intents, local skills or the cloud, the spoken reply), the messages the two stages
exchange (`turn_messages`), prepared replies, the indicator, timers and volume."""

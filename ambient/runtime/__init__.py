"""What every stage runs on and knows no capability: the event bus, media channels, the
supervisor, capture from devices and the event log (the device is assembled in ambient.device)."""

"""Bus, channels, supervisor, event log and the device assembled from configuration."""

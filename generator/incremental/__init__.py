"""What one build leaves for the next (.explainer-cache/), so it redoes only what changed."""

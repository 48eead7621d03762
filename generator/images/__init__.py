"""Social cards: drawn with Pillow, kept in the build cache by what they show."""

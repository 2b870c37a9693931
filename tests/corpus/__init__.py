"""The Assist development corpus and its scoring."""

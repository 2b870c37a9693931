"""The Community Storage Market integration."""

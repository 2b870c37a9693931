"""Tests for the community storage market."""

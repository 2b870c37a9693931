"""Phrasing replies: conversation speech, explanations, error texts and per-language phrases."""

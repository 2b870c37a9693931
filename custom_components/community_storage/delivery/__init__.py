"""Delivery on the Home Assistant side: seller reserve, buyer virtual battery, reporter."""

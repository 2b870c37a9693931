"""The trading engine: forecasts, battery model, planner and explanations.

Pure Python and numpy. Nothing in this package imports Home Assistant, so the neighbourhood
simulator and the tests can drive it with plain data.
"""

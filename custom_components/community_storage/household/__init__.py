"""The trading agent's Home Assistant shell: agent, records, order watch, history, notifications."""

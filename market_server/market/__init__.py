"""The market's rules: settings and their row, households, sides and statuses, orders, rounds and
their clearing (ASSUME), units, the gate, the clock, the wire shapes of orders and fills.
Imports storage only."""

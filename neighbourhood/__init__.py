"""A simulated neighbourhood of households trading storage capacity on the market server.

Each simulated household runs the integration's own trading agent (``agent/`` planner) on
realistic load, PV and battery profiles and talks to the server over HTTP only, exactly like a
household running Home Assistant would. Development and demonstration only; the market server
never imports this package.
"""

"""After trading: delivery reports, settlement, payouts, the accounting export, and the market
figures (member view, operator overview) that draw on both. Imports market and storage."""

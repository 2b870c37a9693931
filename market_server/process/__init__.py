"""The running server: runtime (store, clock, worker threads), scheduler, leader lock, clearing
after submissions, join throttle. Imports ledger, market and storage."""

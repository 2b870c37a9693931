-- A database made by market-server before Alembic (commit bedbeea: schema_version 3, its
-- migrations 1-3 run by store.metadata.create_all), kept as it was: the upgrade test loads
-- it and upgrades it. Never regenerate it from newer code.
-- Tables and indexes as create_all emitted them on PostgreSQL; SQLite's differ only in the
-- spellings that tests/market_server/test_migrations.py's SQLITE_SPELLING substitutes.
CREATE TABLE schema_version (
	version INTEGER NOT NULL, 
	description VARCHAR(200) NOT NULL, 
	applied_at TIMESTAMP WITHOUT TIME ZONE NOT NULL, 
	PRIMARY KEY (version)
);
CREATE TABLE households (
	seq SERIAL NOT NULL, 
	id VARCHAR(40) NOT NULL, 
	name VARCHAR(200) NOT NULL, 
	max_sell_ticks INTEGER NOT NULL, 
	max_open_ticks INTEGER NOT NULL, 
	disabled BOOLEAN NOT NULL, 
	created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL, 
	PRIMARY KEY (seq), 
	UNIQUE (id)
);
CREATE TABLE locks (
	name VARCHAR(64) NOT NULL, 
	PRIMARY KEY (name)
);
CREATE TABLE operator_tokens (
	token_hash VARCHAR(64) NOT NULL, 
	created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL, 
	revoked_at TIMESTAMP WITHOUT TIME ZONE, 
	PRIMARY KEY (token_hash)
);
CREATE TABLE rounds (
	seq SERIAL NOT NULL, 
	id VARCHAR(40) NOT NULL, 
	trigger VARCHAR(20) NOT NULL, 
	mechanism VARCHAR(64) NOT NULL, 
	status VARCHAR(20) NOT NULL, 
	started_at TIMESTAMP WITHOUT TIME ZONE NOT NULL, 
	finished_at TIMESTAMP WITHOUT TIME ZONE NOT NULL, 
	fills_count INTEGER NOT NULL, 
	cleared_ticks INTEGER NOT NULL, 
	expired_count INTEGER NOT NULL, 
	error TEXT, 
	PRIMARY KEY (seq), 
	UNIQUE (id)
);
CREATE INDEX ix_rounds_trigger_seq ON rounds (trigger, seq);
CREATE TABLE settings (
	key VARCHAR(64) NOT NULL, 
	value TEXT NOT NULL, 
	PRIMARY KEY (key)
);
CREATE TABLE day_clearings (
	seq SERIAL NOT NULL, 
	round_id VARCHAR(40) NOT NULL, 
	day DATE NOT NULL, 
	mechanism VARCHAR(64) NOT NULL, 
	price_ticks INTEGER, 
	cleared_ticks INTEGER NOT NULL, 
	buy_ticks INTEGER NOT NULL, 
	sell_ticks INTEGER NOT NULL, 
	orders_count INTEGER NOT NULL, 
	created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL, 
	PRIMARY KEY (seq), 
	FOREIGN KEY(round_id) REFERENCES rounds (id)
);
CREATE INDEX ix_day_clearings_day ON day_clearings (day);
CREATE TABLE household_tokens (
	token_hash VARCHAR(64) NOT NULL, 
	household_id VARCHAR(40) NOT NULL, 
	created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL, 
	revoked_at TIMESTAMP WITHOUT TIME ZONE, 
	PRIMARY KEY (token_hash), 
	FOREIGN KEY(household_id) REFERENCES households (id)
);
CREATE TABLE join_codes (
	code_hash VARCHAR(64) NOT NULL, 
	household_id VARCHAR(40) NOT NULL, 
	kind VARCHAR(10) NOT NULL, 
	created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL, 
	used_at TIMESTAMP WITHOUT TIME ZONE, 
	expires_at TIMESTAMP WITHOUT TIME ZONE, 
	PRIMARY KEY (code_hash), 
	FOREIGN KEY(household_id) REFERENCES households (id)
);
CREATE TABLE requests (
	seq SERIAL NOT NULL, 
	id VARCHAR(40) NOT NULL, 
	household_id VARCHAR(40) NOT NULL, 
	client_request_id VARCHAR(200) NOT NULL, 
	body_hash VARCHAR(64) NOT NULL, 
	side VARCHAR(4) NOT NULL, 
	note VARCHAR(500), 
	max_power_kw FLOAT, 
	created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL, 
	PRIMARY KEY (seq), 
	CONSTRAINT uq_requests_client_id UNIQUE (household_id, client_request_id), 
	UNIQUE (id), 
	FOREIGN KEY(household_id) REFERENCES households (id)
);
CREATE TABLE orders (
	seq SERIAL NOT NULL, 
	id VARCHAR(40) NOT NULL, 
	request_id VARCHAR(40) NOT NULL, 
	household_id VARCHAR(40) NOT NULL, 
	day DATE NOT NULL, 
	side VARCHAR(4) NOT NULL, 
	volume_ticks INTEGER NOT NULL, 
	price_ticks INTEGER NOT NULL, 
	filled_ticks INTEGER NOT NULL, 
	filled_money_ticks BIGINT NOT NULL, 
	status VARCHAR(20) NOT NULL, 
	created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL, 
	updated_at TIMESTAMP WITHOUT TIME ZONE NOT NULL, 
	PRIMARY KEY (seq), 
	UNIQUE (id), 
	FOREIGN KEY(request_id) REFERENCES requests (id), 
	FOREIGN KEY(household_id) REFERENCES households (id)
);
CREATE INDEX ix_orders_day_status ON orders (day, status);
CREATE INDEX ix_orders_household ON orders (household_id, day);
CREATE INDEX ix_orders_request ON orders (request_id);
CREATE TABLE fills (
	seq SERIAL NOT NULL, 
	id VARCHAR(40) NOT NULL, 
	round_id VARCHAR(40) NOT NULL, 
	order_id VARCHAR(40) NOT NULL, 
	request_id VARCHAR(40) NOT NULL, 
	household_id VARCHAR(40) NOT NULL, 
	day DATE NOT NULL, 
	side VARCHAR(4) NOT NULL, 
	volume_ticks INTEGER NOT NULL, 
	price_ticks INTEGER NOT NULL, 
	created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL, 
	PRIMARY KEY (seq), 
	UNIQUE (id), 
	FOREIGN KEY(round_id) REFERENCES rounds (id), 
	FOREIGN KEY(order_id) REFERENCES orders (id)
);
CREATE INDEX ix_fills_day ON fills (day);
CREATE INDEX ix_fills_household ON fills (household_id, seq);
CREATE TABLE ledger (
	seq SERIAL NOT NULL, 
	id VARCHAR(40) NOT NULL, 
	fill_id VARCHAR(40) NOT NULL, 
	household_id VARCHAR(40) NOT NULL, 
	day DATE NOT NULL, 
	side VARCHAR(4) NOT NULL, 
	volume_ticks INTEGER NOT NULL, 
	price_ticks INTEGER NOT NULL, 
	amount_ticks BIGINT NOT NULL, 
	settled_at TIMESTAMP WITHOUT TIME ZONE NOT NULL, 
	PRIMARY KEY (seq), 
	UNIQUE (id), 
	UNIQUE (fill_id), 
	FOREIGN KEY(fill_id) REFERENCES fills (id)
);
CREATE INDEX ix_ledger_household ON ledger (household_id, day);

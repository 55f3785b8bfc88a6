-- The payment cycle (docs/payment-cycle.md): one evaluation per orchestrator
-- per interval, the health reports orchestrators push, and payouts.

-- One row per orchestrator per interval, written in the transaction that
-- credits (or counts a miss). The primary key is what makes "exactly one
-- credit per orchestrator per interval" hold when several cycle processes
-- run, and when a cycle restarts in the middle of an interval.
CREATE TABLE cycle_runs (
  orchestrator_id VARCHAR(128) NOT NULL,
  interval_start DATETIME(6) NOT NULL,
  outcome VARCHAR(16) NOT NULL,
  source VARCHAR(8) NULL,
  services_up INT NULL,
  total_services INT NULL,
  ledger_event_id BIGINT NULL,
  detail VARCHAR(512) NULL,
  created_at DATETIME(6) NOT NULL,
  PRIMARY KEY (orchestrator_id, interval_start),
  -- Pruning old rows.
  KEY ix_cycle_runs_interval (interval_start),
  CONSTRAINT fk_cycle_runs_orchestrator FOREIGN KEY (orchestrator_id)
    REFERENCES orchestrators (orchestrator_id),
  CONSTRAINT ck_cycle_runs_outcome CHECK (outcome IN
    ('credited', 'healthy', 'partial', 'missed', 'unknown'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The last health report each orchestrator pushed (POST
-- /api/orchestrators/{id}/health), validated, in the health body format.
CREATE TABLE health_reports (
  orchestrator_id VARCHAR(128) NOT NULL,
  report JSON NOT NULL,
  reported_at DATETIME(6) NOT NULL,
  reported_ip VARCHAR(64) NULL,
  PRIMARY KEY (orchestrator_id),
  -- The reports recent enough to use, once per interval.
  KEY ix_health_reports_reported (reported_at),
  CONSTRAINT fk_health_reports_orchestrator FOREIGN KEY (orchestrator_id)
    REFERENCES orchestrators (orchestrator_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Payouts. A live payout is written (pending) before anything is sent, and
-- moves pending -> sent (tx_hash) -> confirmed | failed; `unknown` when a
-- send may or may not have reached the signer. open_orchestrator_id is set
-- while a payout is pending, sent or unknown, so its unique key allows one
-- open payout per orchestrator. (interval_start, orchestrator_id) allows one
-- payout record per orchestrator per interval, whatever the mode.
CREATE TABLE payouts (
  id BIGINT NOT NULL AUTO_INCREMENT,
  orchestrator_id VARCHAR(128) NOT NULL,
  to_address VARCHAR(42) NOT NULL,
  amount_eth DECIMAL(38,18) NOT NULL,
  mode VARCHAR(8) NOT NULL,
  status VARCHAR(16) NOT NULL,
  interval_start DATETIME(6) NOT NULL,
  open_orchestrator_id VARCHAR(128) NULL,
  from_address VARCHAR(42) NULL,
  chain_id BIGINT NULL,
  tx_hash VARCHAR(66) NULL,
  error VARCHAR(512) NULL,
  send_started_at DATETIME(6) NULL,
  sent_at DATETIME(6) NULL,
  finished_at DATETIME(6) NULL,
  ledger_event_id BIGINT NULL,
  created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uq_payouts_interval_orchestrator (interval_start, orchestrator_id),
  UNIQUE KEY uq_payouts_open (open_orchestrator_id),
  -- Listing by orchestrator or by status, newest first.
  KEY ix_payouts_orchestrator (orchestrator_id, id),
  KEY ix_payouts_status (status, id),
  CONSTRAINT fk_payouts_orchestrator FOREIGN KEY (orchestrator_id)
    REFERENCES orchestrators (orchestrator_id),
  CONSTRAINT ck_payouts_amount_positive CHECK (amount_eth > 0),
  CONSTRAINT ck_payouts_mode CHECK (mode IN ('dry_run', 'live')),
  CONSTRAINT ck_payouts_status CHECK (status IN
    ('simulated', 'pending', 'sent', 'confirmed', 'failed', 'unknown'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Finding cooldowns that have expired, without scanning the registry.
ALTER TABLE orchestrators ADD KEY ix_orchestrators_cooldown (cooldown_expires_at);

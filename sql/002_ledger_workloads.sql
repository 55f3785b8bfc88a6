-- The ledger journal, workloads, and idempotency keys.
-- ledger_events is append-only: one row per balance change, written in the
-- transaction that changes balances.balance_eth.

CREATE TABLE ledger_events (
  id BIGINT NOT NULL AUTO_INCREMENT,
  orchestrator_id VARCHAR(128) NOT NULL,
  event VARCHAR(32) NOT NULL,
  amount DECIMAL(38,18) NOT NULL,
  balance DECIMAL(38,18) NOT NULL,
  delta DECIMAL(38,18) NOT NULL,
  reason VARCHAR(256) NULL,
  metadata JSON NULL,
  created_at DATETIME(6) NOT NULL,
  PRIMARY KEY (id),
  KEY ix_ledger_events_orchestrator (orchestrator_id, id),
  CONSTRAINT fk_ledger_events_orchestrator FOREIGN KEY (orchestrator_id)
    REFERENCES orchestrators (orchestrator_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE workloads (
  workload_id VARCHAR(255) NOT NULL,
  orchestrator_id VARCHAR(128) NOT NULL,
  plan_id VARCHAR(128) NULL,
  run_id VARCHAR(256) NULL,
  artifact_hash VARCHAR(256) NULL,
  artifact_uri VARCHAR(512) NULL,
  payout_amount_eth DECIMAL(38,18) NOT NULL,
  status VARCHAR(16) NOT NULL,
  submitted_at DATETIME(6) NOT NULL,
  notes VARCHAR(1024) NULL,
  tx_hash VARCHAR(128) NULL,
  credited BOOLEAN NOT NULL DEFAULT FALSE,
  credited_at DATETIME(6) NULL,
  PRIMARY KEY (workload_id),
  -- Listing by orchestrator, newest first.
  KEY ix_workloads_orchestrator_submitted (orchestrator_id, submitted_at),
  -- Listing by status, newest first.
  KEY ix_workloads_status_submitted (status, submitted_at),
  -- Listing everything newest first, and the summary: a covering index, so
  -- a time range never touches the table rows.
  KEY ix_workloads_submitted_cover (submitted_at, orchestrator_id, status, payout_amount_eth),
  CONSTRAINT fk_workloads_orchestrator FOREIGN KEY (orchestrator_id)
    REFERENCES orchestrators (orchestrator_id),
  CONSTRAINT ck_workloads_status CHECK (status IN ('pending', 'verified', 'paid', 'rejected')),
  CONSTRAINT ck_workloads_payout_positive CHECK (payout_amount_eth > 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Idempotency-Key: the first response to a keyed request, replayed to
-- retries with the same body. Rows are kept at least 24 hours.
CREATE TABLE idempotency_keys (
  scope VARCHAR(64) NOT NULL,
  idempotency_key VARCHAR(255) NOT NULL,
  request_hash CHAR(64) NOT NULL,
  status INT NOT NULL,
  response_body MEDIUMTEXT NOT NULL,
  created_at DATETIME(6) NOT NULL,
  PRIMARY KEY (scope, idempotency_key),
  KEY ix_idempotency_keys_created (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Orchestrator registry, balances and the registration rate-limit windows.
-- Identifiers compare exactly (utf8mb4_bin); addresses are matched through
-- address_key, the lower-cased address, which is unique.

CREATE TABLE orchestrators (
  orchestrator_id VARCHAR(128) NOT NULL,
  address VARCHAR(42) NOT NULL,
  address_key VARCHAR(42) NOT NULL,
  capability VARCHAR(128) NULL,
  contact_email VARCHAR(255) NULL,
  host_public_ip VARCHAR(64) NULL,
  host_name VARCHAR(128) NULL,
  health_url VARCHAR(512) NULL,
  health_timeout DOUBLE NULL,
  monitored_services JSON NULL,
  min_service_uptime DOUBLE NULL,
  last_seen_ip VARCHAR(64) NULL,
  is_top_100 BOOLEAN NOT NULL DEFAULT TRUE,
  denylisted BOOLEAN NOT NULL DEFAULT FALSE,
  eligible_for_payments BOOLEAN NOT NULL DEFAULT TRUE,
  registration_count INT NOT NULL DEFAULT 0,
  consecutive_misses INT NOT NULL DEFAULT 0,
  first_seen DATETIME(6) NOT NULL,
  last_seen DATETIME(6) NOT NULL,
  cooldown_expires_at DATETIME(6) NULL,
  last_missed_all_services DATETIME(6) NULL,
  last_healthy_at DATETIME(6) NULL,
  last_cooldown_started_at DATETIME(6) NULL,
  last_cooldown_cleared_at DATETIME(6) NULL,
  PRIMARY KEY (orchestrator_id),
  UNIQUE KEY uq_orchestrators_address_key (address_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE balances (
  orchestrator_id VARCHAR(128) NOT NULL,
  balance_eth DECIMAL(38,18) NOT NULL DEFAULT 0,
  updated_at DATETIME(6) NOT NULL,
  PRIMARY KEY (orchestrator_id),
  CONSTRAINT fk_balances_orchestrator FOREIGN KEY (orchestrator_id)
    REFERENCES orchestrators (orchestrator_id),
  CONSTRAINT ck_balances_non_negative CHECK (balance_eth >= 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- One row per rate-limit key ("id:<orchestrator_id>" or "ip:<address>"),
-- locked FOR UPDATE so that concurrent workers count one at a time.
CREATE TABLE rate_limit_keys (
  bucket VARCHAR(200) NOT NULL,
  PRIMARY KEY (bucket)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Accepted attempts inside the longest window; older rows are pruned.
CREATE TABLE rate_limit_hits (
  id BIGINT NOT NULL AUTO_INCREMENT,
  bucket VARCHAR(200) NOT NULL,
  hit_at DATETIME(6) NOT NULL,
  PRIMARY KEY (id),
  KEY ix_rate_limit_hits_bucket_time (bucket, hit_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

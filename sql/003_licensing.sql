-- Image licensing: orchestrator tokens, encrypted image secrets, access
-- grants and leases (API.md, "Image licensing"; docs/licensing.md).
--
-- Tokens are stored only as the SHA-256 hex of the token, looked up through
-- a unique index. Image secrets are stored only as AES-256-GCM blobs
-- (version || nonce || ciphertext || tag, image_ref as associated data).
-- Grants and leases refer to images by a surrogate id so that their keys stay
-- small; image_ref itself is unique.

CREATE TABLE orchestrator_tokens (
  token_id CHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  orchestrator_id VARCHAR(128) NOT NULL,
  token_hash CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  created_at DATETIME(6) NOT NULL,
  revoked_at DATETIME(6) NULL,
  last_seen_at DATETIME(6) NULL,
  PRIMARY KEY (token_id),
  UNIQUE KEY uq_orchestrator_tokens_hash (token_hash),
  KEY ix_orchestrator_tokens_owner (orchestrator_id, created_at),
  CONSTRAINT fk_orchestrator_tokens_orchestrator FOREIGN KEY (orchestrator_id)
    REFERENCES orchestrators (orchestrator_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE license_images (
  image_id BIGINT NOT NULL AUTO_INCREMENT,
  image_ref VARCHAR(512) NOT NULL,
  -- SecretBox blob: secrets are at most 1536 bytes (2048 base64 chars), the
  -- blob adds 29.
  secret_ciphertext VARBINARY(2048) NOT NULL,
  created_at DATETIME(6) NOT NULL,
  rotated_at DATETIME(6) NULL,
  revoked_at DATETIME(6) NULL,
  PRIMARY KEY (image_id),
  UNIQUE KEY uq_license_images_ref (image_ref),
  KEY ix_license_images_created (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- One row per (orchestrator, image) allowed to take leases.
CREATE TABLE license_grants (
  orchestrator_id VARCHAR(128) NOT NULL,
  image_id BIGINT NOT NULL,
  granted_at DATETIME(6) NOT NULL,
  PRIMARY KEY (orchestrator_id, image_id),
  KEY ix_license_grants_image (image_id),
  CONSTRAINT fk_license_grants_orchestrator FOREIGN KEY (orchestrator_id)
    REFERENCES orchestrators (orchestrator_id),
  CONSTRAINT fk_license_grants_image FOREIGN KEY (image_id)
    REFERENCES license_images (image_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- A lease is active while revoked_at is NULL and expires_at lies ahead.
-- The heartbeat touches one row by primary key.
CREATE TABLE license_leases (
  lease_id CHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  orchestrator_id VARCHAR(128) NOT NULL,
  image_id BIGINT NOT NULL,
  issued_at DATETIME(6) NOT NULL,
  last_seen_at DATETIME(6) NOT NULL,
  last_seen_ip VARCHAR(64) NULL,
  expires_at DATETIME(6) NOT NULL,
  revoked_at DATETIME(6) NULL,
  PRIMARY KEY (lease_id),
  KEY ix_license_leases_issued (issued_at),
  KEY ix_license_leases_owner (orchestrator_id, issued_at),
  KEY ix_license_leases_image (image_id, issued_at),
  CONSTRAINT fk_license_leases_orchestrator FOREIGN KEY (orchestrator_id)
    REFERENCES orchestrators (orchestrator_id),
  CONSTRAINT fk_license_leases_image FOREIGN KEY (image_id)
    REFERENCES license_images (image_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

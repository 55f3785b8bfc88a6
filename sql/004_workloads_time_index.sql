-- Listing every workload newest first (no filter) orders by
-- (submitted_at, workload_id); the covering summary index cannot serve that
-- order, so the plain time index (InnoDB appends the primary key) does.
CREATE INDEX ix_workloads_submitted ON workloads (submitted_at);

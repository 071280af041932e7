-- When each device last synced and how many ops it held pending then, for the admin's
-- list of devices (written at most every few seconds per device).
ALTER TABLE devices ADD COLUMN last_sync_ms BIGINT;
ALTER TABLE devices ADD COLUMN pending INTEGER NOT NULL DEFAULT 0;

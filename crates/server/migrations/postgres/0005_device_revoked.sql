-- An admin can revoke a device (a lost tablet): its token stops working until it is
-- enrolled again with a new admin code, as the same device.
ALTER TABLE devices ADD COLUMN revoked_ms BIGINT;

-- Admin codes enrol one device each, until they expire; refused enrolments are counted
-- for the admin, with a keyed hash of the client's address (never the address).

CREATE TABLE admin_codes (
    hash       TEXT PRIMARY KEY NOT NULL, -- sha256 (hex) of the code
    office     TEXT NOT NULL REFERENCES offices (code),
    made_ms    INTEGER NOT NULL,
    expires_ms INTEGER NOT NULL,
    made_by    TEXT NOT NULL              -- 'server' (printed) or the admin's staff id
);
CREATE INDEX admin_codes_office ON admin_codes (office);

-- An office that never enrolled a device keeps its printed code, for a day from now. An
-- office with devices used it already, when codes could be used again and again: it
-- makes a new one (the admin page, or `loket-server reset-admin-code`).
INSERT INTO admin_codes (hash, office, made_ms, expires_ms, made_by)
SELECT s.value, s.office,
       CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER),
       CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) + 86400000,
       'server'
FROM settings s
WHERE s.key = 'admin_code_sha256'
  AND NOT EXISTS (SELECT 1 FROM devices d WHERE d.office = s.office);
DELETE FROM settings WHERE key = 'admin_code_sha256';

CREATE TABLE enrol_failures (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    office TEXT NOT NULL,
    at_ms  INTEGER NOT NULL,
    client TEXT NOT NULL,
    reason TEXT NOT NULL
);
CREATE INDEX enrol_failures_office ON enrol_failures (office, at_ms);

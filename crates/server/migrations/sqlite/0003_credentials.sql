-- Staff are proven by the server. PIN hashes stay on the server (they were synced to
-- every tablet inside the save_staff ops); a signed-in staff member holds a credential
-- per device; wrong PINs are counted on disk.

CREATE TABLE staff_pins (
    office     TEXT NOT NULL REFERENCES offices (code),
    staff      TEXT NOT NULL,
    salt       TEXT NOT NULL,
    iterations INTEGER NOT NULL,
    hash       TEXT NOT NULL,
    PRIMARY KEY (office, staff)
);

-- Each person keeps the PIN they had: the newest hash of their account's ops.
INSERT OR REPLACE INTO staff_pins (office, staff, salt, iterations, hash)
SELECT office,
       json_extract(body, '$.body.save_staff.id'),
       json_extract(body, '$.body.save_staff.pin.salt'),
       json_extract(body, '$.body.save_staff.pin.iterations'),
       json_extract(body, '$.body.save_staff.pin.hash')
FROM ops
WHERE kind = 'save_staff' AND json_extract(body, '$.body.save_staff.pin.hash') IS NOT NULL
ORDER BY seq;

-- Then the hashes leave the log that every tablet pulls.
UPDATE ops SET body = json_remove(body, '$.body.save_staff.pin')
WHERE kind = 'save_staff' AND json_extract(body, '$.body.save_staff.pin') IS NOT NULL;

CREATE TABLE credentials (
    id         TEXT PRIMARY KEY NOT NULL,
    office     TEXT NOT NULL REFERENCES offices (code),
    staff      TEXT NOT NULL,
    device     TEXT NOT NULL REFERENCES devices (id),
    key        TEXT NOT NULL, -- the secret, hex: the server checks proofs with it
    issued_ms  INTEGER NOT NULL,
    revoked_ms INTEGER
);
CREATE INDEX credentials_staff ON credentials (office, staff);

-- Wrong PINs in a row, per staff member and per device (`subject`), as PinThrottle JSON.
CREATE TABLE pin_throttles (
    office  TEXT NOT NULL,
    subject TEXT NOT NULL,
    state   TEXT NOT NULL,
    PRIMARY KEY (office, subject)
);

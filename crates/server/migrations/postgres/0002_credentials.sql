-- Staff are proven by the server (as SQLite's 0003_credentials): PIN hashes stay on the
-- server, credentials per staff member and device, wrong PINs counted on disk.

CREATE TABLE staff_pins (
    office     TEXT NOT NULL REFERENCES offices (code),
    staff      TEXT NOT NULL,
    salt       TEXT NOT NULL,
    iterations INTEGER NOT NULL,
    hash       TEXT NOT NULL,
    PRIMARY KEY (office, staff)
);

-- Each person keeps the PIN they had: the newest hash of their account's ops.
INSERT INTO staff_pins (office, staff, salt, iterations, hash)
SELECT DISTINCT ON (office, body::jsonb #>> '{body,save_staff,id}')
       office,
       body::jsonb #>> '{body,save_staff,id}',
       body::jsonb #>> '{body,save_staff,pin,salt}',
       (body::jsonb #>> '{body,save_staff,pin,iterations}')::INTEGER,
       body::jsonb #>> '{body,save_staff,pin,hash}'
FROM ops
WHERE kind = 'save_staff' AND body::jsonb #>> '{body,save_staff,pin,hash}' IS NOT NULL
ORDER BY office, body::jsonb #>> '{body,save_staff,id}', seq DESC;

-- Then the hashes leave the log that every tablet pulls.
UPDATE ops SET body = (body::jsonb #- '{body,save_staff,pin}')::TEXT
WHERE kind = 'save_staff' AND body::jsonb #> '{body,save_staff,pin}' IS NOT NULL;

CREATE TABLE credentials (
    id         TEXT PRIMARY KEY NOT NULL,
    office     TEXT NOT NULL REFERENCES offices (code),
    staff      TEXT NOT NULL,
    device     TEXT NOT NULL REFERENCES devices (id),
    key        TEXT NOT NULL, -- the secret, hex: the server checks proofs with it
    issued_ms  BIGINT NOT NULL,
    revoked_ms BIGINT
);
CREATE INDEX credentials_staff ON credentials (office, staff);

-- Wrong PINs in a row, per staff member and per device (`subject`), as PinThrottle JSON.
CREATE TABLE pin_throttles (
    office  TEXT NOT NULL,
    subject TEXT NOT NULL,
    state   TEXT NOT NULL,
    PRIMARY KEY (office, subject)
);

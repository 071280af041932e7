-- Loket's first schema. Every row carries its office from the start: one backend will
-- serve many Kantor Camat, and a device belongs to exactly one.

CREATE TABLE offices (
    code               TEXT PRIMARY KEY NOT NULL,
    name               TEXT NOT NULL,
    utc_offset_minutes INTEGER NOT NULL,
    created_at         TEXT NOT NULL
);

-- A device holds only the sha256 of its token; the token itself left with the device.
CREATE TABLE devices (
    id         TEXT PRIMARY KEY NOT NULL,
    office     TEXT NOT NULL REFERENCES offices (code),
    name       TEXT NOT NULL,
    letter     TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    -- Ticket numbers are unique per office and day only because letters are.
    UNIQUE (office, letter)
);

-- The op log: the audit trail and the source every office state is folded from.
-- `seq` is global across offices and never reused (AUTOINCREMENT), so gaps are fine.
CREATE TABLE ops (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT NOT NULL UNIQUE,
    office      TEXT NOT NULL,
    device      TEXT NOT NULL,
    actor       TEXT NOT NULL,
    kind        TEXT NOT NULL,
    at          TEXT NOT NULL,
    body        TEXT NOT NULL, -- the whole Op as JSON
    outcome     TEXT NOT NULL, -- the Outcome as JSON, fixed when the op was ordered
    received_at TEXT NOT NULL
);

CREATE INDEX ops_office_seq ON ops (office, seq);

-- Per-office settings, e.g. the sha256 of the admin code.
CREATE TABLE settings (
    office TEXT NOT NULL,
    key    TEXT NOT NULL,
    value  TEXT NOT NULL,
    PRIMARY KEY (office, key)
);

-- Loket's schema on PostgreSQL: the same tables as SQLite's migrations arrive at.
-- Every row carries its office; each office's log is its own history (see offices.epoch).

CREATE TABLE offices (
    code               TEXT PRIMARY KEY NOT NULL,
    name               TEXT NOT NULL,
    utc_offset_minutes INTEGER NOT NULL,
    created_at         TEXT NOT NULL,
    -- Names the history of the office's log; made anew when a backup is restored.
    epoch              TEXT NOT NULL,
    -- The last sequence number given out (a restore may leave it past the last op stored).
    head               BIGINT NOT NULL DEFAULT 0
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
CREATE TABLE ops (
    office      TEXT NOT NULL REFERENCES offices (code),
    seq         BIGINT NOT NULL,
    id          TEXT NOT NULL UNIQUE,
    device      TEXT NOT NULL,
    actor       TEXT NOT NULL,
    kind        TEXT NOT NULL,
    at          TEXT NOT NULL,
    body        TEXT NOT NULL, -- the whole Op as JSON
    outcome     TEXT NOT NULL, -- the Outcome as JSON, fixed when the op was ordered
    received_at TEXT NOT NULL,
    PRIMARY KEY (office, seq)
);

-- Per-office settings, e.g. the sha256 of the admin code.
CREATE TABLE settings (
    office TEXT NOT NULL,
    key    TEXT NOT NULL,
    value  TEXT NOT NULL,
    PRIMARY KEY (office, key)
);

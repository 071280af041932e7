-- Each office's log is its own history: sequence numbers per office (never reused), the
-- office's head (the last one given out, which a restore may leave past the last op
-- stored), and an epoch naming the history, made anew when a backup is restored.

ALTER TABLE offices ADD COLUMN epoch TEXT NOT NULL DEFAULT '';
ALTER TABLE offices ADD COLUMN head INTEGER NOT NULL DEFAULT 0;
UPDATE offices
SET epoch = lower(hex(randomblob(16))),
    head = COALESCE((SELECT MAX(seq) FROM ops WHERE ops.office = offices.code), 0);

-- The old global seqs increase within each office, so they stay as they are.
CREATE TABLE office_ops (
    office      TEXT NOT NULL REFERENCES offices (code),
    seq         INTEGER NOT NULL,
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
INSERT INTO office_ops (office, seq, id, device, actor, kind, at, body, outcome, received_at)
SELECT office, seq, id, device, actor, kind, at, body, outcome, received_at FROM ops;
DROP TABLE ops;
ALTER TABLE office_ops RENAME TO ops;

-- A device enrolled again keeps, until its new token is heard from, the token it came with
-- and the code it spent: if the answer was lost on the way (the network, a server killed
-- just after the commit), the tablet still holds only its old token, and trying again
-- with it and the same code gives it a token again instead of locking it out with its
-- unsent work.
ALTER TABLE devices ADD COLUMN previous_token_hash TEXT;
ALTER TABLE devices ADD COLUMN again_code_hash TEXT;
ALTER TABLE devices ADD COLUMN again_ms BIGINT;
CREATE INDEX devices_previous_token ON devices (previous_token_hash);

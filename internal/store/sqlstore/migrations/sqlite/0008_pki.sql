-- Electronic signatures (katori §15-2, joso §20-2): each network's certificate
-- authority (認証局) and its users' signing keys. Private keys are stored only
-- sealed with the master key, which is never stored beside them.
--
-- A CA generation never changes; a signing key changes once, when it is revoked,
-- and neither is ever removed: the revocation time is what tells a signature made
-- before it from one made after, and a key whose row is gone no longer verifies.
-- The one other change allowed is re-sealing a private key (a master-key rotation).

CREATE TABLE pki_cas (
    network_id TEXT NOT NULL REFERENCES networks(id),
    generation INTEGER NOT NULL,
    serial     TEXT NOT NULL,
    cert       BLOB NOT NULL,
    key_sealed TEXT NOT NULL,
    not_before TIMESTAMP NOT NULL,
    not_after  TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (network_id, generation)
);

CREATE TABLE signing_keys (
    network_id    TEXT NOT NULL REFERENCES networks(id),
    id            TEXT NOT NULL,
    user_id       TEXT NOT NULL,
    serial        TEXT NOT NULL,
    ca_generation INTEGER NOT NULL,
    cert          BLOB NOT NULL,
    key_sealed    TEXT NOT NULL,
    not_before    TIMESTAMP NOT NULL,
    not_after     TIMESTAMP NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    revoked_at    TIMESTAMP,
    revoked_by    TEXT NOT NULL DEFAULT '',
    revoke_reason TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (network_id, id),
    UNIQUE (network_id, serial),
    FOREIGN KEY (network_id, ca_generation) REFERENCES pki_cas (network_id, generation)
);
CREATE INDEX signing_keys_user ON signing_keys (network_id, user_id, created_at);
CREATE INDEX signing_keys_revoked ON signing_keys (network_id, ca_generation, revoked_at);

CREATE TRIGGER pki_cas_fixed BEFORE UPDATE ON pki_cas
WHEN NEW.network_id IS NOT OLD.network_id OR NEW.generation IS NOT OLD.generation OR NEW.serial IS NOT OLD.serial
    OR NEW.cert IS NOT OLD.cert OR NEW.not_before IS NOT OLD.not_before OR NEW.not_after IS NOT OLD.not_after
    OR NEW.created_at IS NOT OLD.created_at
BEGIN SELECT RAISE(ABORT, 'pki_cas: only the sealed key may change'); END;
CREATE TRIGGER pki_cas_no_delete BEFORE DELETE ON pki_cas
BEGIN SELECT RAISE(ABORT, 'pki_cas rows are never removed'); END;

CREATE TRIGGER signing_keys_revoke_once BEFORE UPDATE ON signing_keys
WHEN NEW.network_id IS NOT OLD.network_id OR NEW.id IS NOT OLD.id OR NEW.user_id IS NOT OLD.user_id
    OR NEW.serial IS NOT OLD.serial OR NEW.ca_generation IS NOT OLD.ca_generation OR NEW.cert IS NOT OLD.cert
    OR NEW.not_before IS NOT OLD.not_before OR NEW.not_after IS NOT OLD.not_after
    OR NEW.created_at IS NOT OLD.created_at
    OR (OLD.revoked_at IS NOT NULL AND (NEW.revoked_at IS NOT OLD.revoked_at
        OR NEW.revoked_by IS NOT OLD.revoked_by OR NEW.revoke_reason IS NOT OLD.revoke_reason))
BEGIN SELECT RAISE(ABORT, 'signing_keys: a key is revoked once and otherwise never changes'); END;
CREATE TRIGGER signing_keys_no_delete BEFORE DELETE ON signing_keys
BEGIN SELECT RAISE(ABORT, 'signing_keys rows are never removed'); END;

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
    cert       BYTEA NOT NULL,
    key_sealed TEXT NOT NULL,
    not_before TIMESTAMPTZ NOT NULL,
    not_after  TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (network_id, generation)
);

CREATE TABLE signing_keys (
    network_id    TEXT NOT NULL REFERENCES networks(id),
    id            TEXT NOT NULL,
    user_id       TEXT NOT NULL,
    serial        TEXT NOT NULL,
    ca_generation INTEGER NOT NULL,
    cert          BYTEA NOT NULL,
    key_sealed    TEXT NOT NULL,
    not_before    TIMESTAMPTZ NOT NULL,
    not_after     TIMESTAMPTZ NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    revoked_at    TIMESTAMPTZ,
    revoked_by    TEXT NOT NULL DEFAULT '',
    revoke_reason TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (network_id, id),
    UNIQUE (network_id, serial),
    FOREIGN KEY (network_id, ca_generation) REFERENCES pki_cas (network_id, generation)
);
CREATE INDEX signing_keys_user ON signing_keys (network_id, user_id, created_at);
CREATE INDEX signing_keys_revoked ON signing_keys (network_id, ca_generation, revoked_at);

CREATE FUNCTION renraku_pki_cas_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.network_id, NEW.generation, NEW.serial, NEW.cert, NEW.not_before, NEW.not_after, NEW.created_at)
       IS DISTINCT FROM
       (OLD.network_id, OLD.generation, OLD.serial, OLD.cert, OLD.not_before, OLD.not_after, OLD.created_at) THEN
        RAISE EXCEPTION 'pki_cas: only the sealed key may change' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER pki_cas_fixed BEFORE UPDATE ON pki_cas
    FOR EACH ROW EXECUTE FUNCTION renraku_pki_cas_fixed();
CREATE TRIGGER pki_cas_no_delete BEFORE DELETE ON pki_cas
    FOR EACH ROW EXECUTE FUNCTION renraku_append_only();
CREATE TRIGGER pki_cas_no_truncate BEFORE TRUNCATE ON pki_cas
    FOR EACH STATEMENT EXECUTE FUNCTION renraku_append_only();

CREATE FUNCTION renraku_signing_keys_revoke_once() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.network_id, NEW.id, NEW.user_id, NEW.serial, NEW.ca_generation, NEW.cert, NEW.not_before,
        NEW.not_after, NEW.created_at)
       IS DISTINCT FROM
       (OLD.network_id, OLD.id, OLD.user_id, OLD.serial, OLD.ca_generation, OLD.cert, OLD.not_before,
        OLD.not_after, OLD.created_at)
       OR (OLD.revoked_at IS NOT NULL AND (NEW.revoked_at, NEW.revoked_by, NEW.revoke_reason)
           IS DISTINCT FROM (OLD.revoked_at, OLD.revoked_by, OLD.revoke_reason)) THEN
        RAISE EXCEPTION 'signing_keys: a key is revoked once and otherwise never changes'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER signing_keys_revoke_once BEFORE UPDATE ON signing_keys
    FOR EACH ROW EXECUTE FUNCTION renraku_signing_keys_revoke_once();
CREATE TRIGGER signing_keys_no_delete BEFORE DELETE ON signing_keys
    FOR EACH ROW EXECUTE FUNCTION renraku_append_only();
CREATE TRIGGER signing_keys_no_truncate BEFORE TRUNCATE ON signing_keys
    FOR EACH STATEMENT EXECUTE FUNCTION renraku_append_only();

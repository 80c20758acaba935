-- Foundation schema: networks, organizations, accounts, sessions, audit log.
-- Every tenant row carries network_id; times are UTC.

CREATE TABLE networks (
    id          TEXT PRIMARY KEY,
    profile     TEXT NOT NULL,
    name        TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE applications (
    network_id          TEXT NOT NULL REFERENCES networks(id),
    id                  TEXT NOT NULL,
    org_name            TEXT NOT NULL,
    org_type            TEXT NOT NULL,
    address             TEXT NOT NULL,
    phone               TEXT NOT NULL,
    admin_name          TEXT NOT NULL,
    admin_email         TEXT NOT NULL,
    admin_phone         TEXT NOT NULL,
    agreed_terms        BOOLEAN NOT NULL,
    agreed_undertakings TEXT NOT NULL,
    status              TEXT NOT NULL,
    conditions          TEXT NOT NULL DEFAULT '',
    reject_reason       TEXT NOT NULL DEFAULT '',
    decided_by          TEXT NOT NULL DEFAULT '',
    decided_at          TIMESTAMPTZ,
    org_id              TEXT NOT NULL DEFAULT '',
    notice_hash         TEXT NOT NULL,
    created_at          TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (network_id, id)
);
CREATE INDEX applications_status ON applications (network_id, status, created_at);

CREATE TABLE organizations (
    network_id     TEXT NOT NULL REFERENCES networks(id),
    id             TEXT NOT NULL,
    name           TEXT NOT NULL,
    type           TEXT NOT NULL,
    address        TEXT NOT NULL,
    phone          TEXT NOT NULL,
    status         TEXT NOT NULL,
    conditions     TEXT NOT NULL DEFAULT '',
    suspend_reason TEXT NOT NULL DEFAULT '',
    application_id TEXT NOT NULL DEFAULT '',
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (network_id, id)
);

CREATE TABLE users (
    network_id           TEXT NOT NULL REFERENCES networks(id),
    id                   TEXT NOT NULL,
    login_id             TEXT NOT NULL,
    org_id               TEXT NOT NULL DEFAULT '',
    role                 TEXT NOT NULL,
    operator_role        TEXT NOT NULL DEFAULT '',
    occupation           TEXT NOT NULL DEFAULT '',
    display_name         TEXT NOT NULL,
    email                TEXT NOT NULL DEFAULT '',
    password_hash        TEXT NOT NULL,
    must_change_password BOOLEAN NOT NULL,
    totp_secret          TEXT NOT NULL DEFAULT '',
    totp_enabled         BOOLEAN NOT NULL DEFAULT FALSE,
    totp_last_step       BIGINT NOT NULL DEFAULT 0,
    status               TEXT NOT NULL,
    suspend_reason       TEXT NOT NULL DEFAULT '',
    failed_logins        INTEGER NOT NULL DEFAULT 0,
    locked_until         TIMESTAMPTZ,
    created_at           TIMESTAMPTZ NOT NULL,
    updated_at           TIMESTAMPTZ NOT NULL,
    password_changed_at  TIMESTAMPTZ,
    last_login_at        TIMESTAMPTZ,
    replaced_by          TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (network_id, id),
    UNIQUE (network_id, login_id)
);
CREATE INDEX users_org ON users (network_id, org_id);

CREATE TABLE sessions (
    network_id   TEXT NOT NULL REFERENCES networks(id),
    id           TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    kind         TEXT NOT NULL,
    stage        TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL,
    idle_until   TIMESTAMPTZ NOT NULL,
    user_agent   TEXT NOT NULL DEFAULT '',
    remote_addr  TEXT NOT NULL DEFAULT '',
    revoked_at   TIMESTAMPTZ,
    PRIMARY KEY (network_id, id)
);
CREATE INDEX sessions_user ON sessions (network_id, user_id);

CREATE TABLE staff_requests (
    network_id     TEXT NOT NULL REFERENCES networks(id),
    id             TEXT NOT NULL,
    org_id         TEXT NOT NULL,
    requested_by   TEXT NOT NULL,
    display_name   TEXT NOT NULL,
    email          TEXT NOT NULL DEFAULT '',
    occupation     TEXT NOT NULL,
    kind           TEXT NOT NULL,
    target_user_id TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL,
    reason         TEXT NOT NULL DEFAULT '',
    decided_by     TEXT NOT NULL DEFAULT '',
    decided_at     TIMESTAMPTZ,
    user_id        TEXT NOT NULL DEFAULT '',
    created_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (network_id, id)
);

CREATE TABLE audit_events (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    network_id    TEXT NOT NULL,
    at            TIMESTAMPTZ NOT NULL,
    actor_user_id TEXT NOT NULL,
    actor_login   TEXT NOT NULL,
    actor_org_id  TEXT NOT NULL,
    actor_role    TEXT NOT NULL,
    action        TEXT NOT NULL,
    target_type   TEXT NOT NULL,
    target_id     TEXT NOT NULL,
    person_id     TEXT NOT NULL,
    reason        TEXT NOT NULL,
    outcome       TEXT NOT NULL,
    remote_addr   TEXT NOT NULL,
    request_id    TEXT NOT NULL,
    detail        TEXT NOT NULL,
    mac           TEXT NOT NULL
);
CREATE INDEX audit_events_net ON audit_events (network_id, id);

CREATE TABLE audit_leaves (
    network_id TEXT NOT NULL,
    leaf_index BIGINT NOT NULL,
    event_id   BIGINT NOT NULL UNIQUE,
    leaf_hash  BYTEA NOT NULL,
    PRIMARY KEY (network_id, leaf_index)
);

CREATE TABLE audit_checkpoints (
    network_id TEXT NOT NULL,
    tree_size  BIGINT NOT NULL,
    root_hash  BYTEA NOT NULL,
    note       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (network_id, tree_size)
);

-- The audit log is append-only: the database refuses changes and removals, for
-- every role (triggers), and the application role gets no UPDATE/DELETE grant.
CREATE FUNCTION renraku_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION renraku_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION renraku_append_only();
CREATE TRIGGER audit_leaves_append_only BEFORE UPDATE OR DELETE ON audit_leaves
    FOR EACH ROW EXECUTE FUNCTION renraku_append_only();
CREATE TRIGGER audit_leaves_no_truncate BEFORE TRUNCATE ON audit_leaves
    FOR EACH STATEMENT EXECUTE FUNCTION renraku_append_only();
CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE ON audit_checkpoints
    FOR EACH ROW EXECUTE FUNCTION renraku_append_only();
CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION renraku_append_only();
REVOKE UPDATE, DELETE, TRUNCATE ON audit_events, audit_leaves, audit_checkpoints FROM PUBLIC;

CREATE TABLE leases (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);

-- Foundation schema: networks, organizations, accounts, sessions, audit log.
-- Every tenant row carries network_id; times are UTC.

CREATE TABLE networks (
    id          TEXT PRIMARY KEY,
    profile     TEXT NOT NULL,
    name        TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL
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
    decided_at          TIMESTAMP,
    org_id              TEXT NOT NULL DEFAULT '',
    notice_hash         TEXT NOT NULL,
    created_at          TIMESTAMP NOT NULL,
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
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL,
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
    locked_until         TIMESTAMP,
    created_at           TIMESTAMP NOT NULL,
    updated_at           TIMESTAMP NOT NULL,
    password_changed_at  TIMESTAMP,
    last_login_at        TIMESTAMP,
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
    created_at   TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL,
    idle_until   TIMESTAMP NOT NULL,
    user_agent   TEXT NOT NULL DEFAULT '',
    remote_addr  TEXT NOT NULL DEFAULT '',
    revoked_at   TIMESTAMP,
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
    decided_at     TIMESTAMP,
    user_id        TEXT NOT NULL DEFAULT '',
    created_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (network_id, id)
);

CREATE TABLE audit_events (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    network_id    TEXT NOT NULL,
    at            TIMESTAMP NOT NULL,
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
    leaf_hash  BLOB NOT NULL,
    PRIMARY KEY (network_id, leaf_index)
);

CREATE TABLE audit_checkpoints (
    network_id TEXT NOT NULL,
    tree_size  BIGINT NOT NULL,
    root_hash  BLOB NOT NULL,
    note       TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (network_id, tree_size)
);

-- The audit log is append-only: the database refuses changes and removals.
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
CREATE TRIGGER audit_leaves_no_update BEFORE UPDATE ON audit_leaves
BEGIN SELECT RAISE(ABORT, 'audit_leaves is append-only'); END;
CREATE TRIGGER audit_leaves_no_delete BEFORE DELETE ON audit_leaves
BEGIN SELECT RAISE(ABORT, 'audit_leaves is append-only'); END;
CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END;
CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only'); END;

CREATE TABLE leases (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL
);

-- People supported by the network and who may see them: people, households,
-- consents, attachments, access and access requests; the operator's claims
-- imports, disasters and occupation matrix.
-- Every tenant row carries network_id; times are UTC; calendar dates (birth,
-- consent, expiry, read window) are TEXT 'YYYY-MM-DD' or '' and compare as text.

-- 事業所番号 / 医療機関コード, matched by the claims import.
ALTER TABLE organizations ADD COLUMN code TEXT NOT NULL DEFAULT '';
CREATE INDEX organizations_code ON organizations (network_id, code);

-- Operators' audit viewer: who viewed or changed one person's record.
CREATE INDEX audit_events_person ON audit_events (network_id, person_id, id);

CREATE TABLE households (
    network_id TEXT NOT NULL REFERENCES networks(id),
    id         TEXT NOT NULL,
    name       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (network_id, id)
);

CREATE TABLE people (
    network_id        TEXT NOT NULL REFERENCES networks(id),
    id                TEXT NOT NULL,
    family_name       TEXT NOT NULL,
    given_name        TEXT NOT NULL,
    family_kana       TEXT NOT NULL,
    given_kana        TEXT NOT NULL,
    -- family_kana || given_kana without spaces, kept by the store: the kana search.
    kana_key          TEXT NOT NULL,
    birth_date        TEXT NOT NULL DEFAULT '',
    sex               TEXT NOT NULL DEFAULT '',
    address           TEXT NOT NULL DEFAULT '',
    phone             TEXT NOT NULL DEFAULT '',
    care_insured_no   TEXT NOT NULL DEFAULT '',
    health_insured_no TEXT NOT NULL DEFAULT '',
    household_id      TEXT NOT NULL DEFAULT '',
    registered_org    TEXT NOT NULL DEFAULT '',
    registered_by     TEXT NOT NULL DEFAULT '',
    eligible          BOOLEAN NOT NULL,
    lost_reason       TEXT NOT NULL DEFAULT '',
    lost_on           TEXT NOT NULL DEFAULT '',
    readable_until    TEXT NOT NULL DEFAULT '',
    status            TEXT NOT NULL,
    consent           TEXT NOT NULL,
    consent_form      TEXT NOT NULL DEFAULT '',
    consent_scopes    TEXT NOT NULL DEFAULT '[]',
    -- consent_scopes contains "disaster", kept by the store (joso §21).
    consent_disaster  BOOLEAN NOT NULL DEFAULT FALSE,
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (network_id, id)
);
CREATE INDEX people_kana ON people (network_id, family_kana, given_kana);
CREATE INDEX people_birth_date ON people (network_id, birth_date);
CREATE INDEX people_care_insured_no ON people (network_id, care_insured_no);
CREATE INDEX people_health_insured_no ON people (network_id, health_insured_no);
CREATE INDEX people_registered_org ON people (network_id, registered_org);
CREATE INDEX people_household ON people (network_id, household_id);

CREATE TABLE consents (
    network_id    TEXT NOT NULL REFERENCES networks(id),
    id            TEXT NOT NULL,
    person_id     TEXT NOT NULL,
    kind          TEXT NOT NULL,
    signer_name   TEXT NOT NULL DEFAULT '',
    relationship  TEXT NOT NULL DEFAULT '',
    consented_on  TEXT NOT NULL,
    form_version  TEXT NOT NULL,
    scopes        TEXT NOT NULL,
    legal_basis   TEXT NOT NULL DEFAULT '',
    attachment_id TEXT NOT NULL DEFAULT '',
    entered_by    TEXT NOT NULL,
    entered_org   TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    withdrawn_at  TIMESTAMPTZ,
    withdrawn_by  TEXT NOT NULL DEFAULT '',
    withdraw_note TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (network_id, id)
);
CREATE INDEX consents_person ON consents (network_id, person_id, created_at);

-- Content-addressed: id is the SHA-256 of data, so storing the same file again is a no-op.
CREATE TABLE attachments (
    network_id   TEXT NOT NULL REFERENCES networks(id),
    id           TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    data         BYTEA NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    created_by   TEXT NOT NULL,
    PRIMARY KEY (network_id, id)
);

CREATE TABLE access (
    network_id     TEXT NOT NULL REFERENCES networks(id),
    id             TEXT NOT NULL,
    person_id      TEXT NOT NULL,
    org_id         TEXT NOT NULL,
    kind           TEXT NOT NULL,
    granted_by     TEXT NOT NULL DEFAULT '',
    granted_by_org TEXT NOT NULL DEFAULT '',
    expires_on     TEXT NOT NULL DEFAULT '',
    created_at     TIMESTAMPTZ NOT NULL,
    ended_at       TIMESTAMPTZ,
    ended_by       TEXT NOT NULL DEFAULT '',
    end_reason     TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (network_id, id)
);
-- The people list of an organization starts here (FindPeople).
CREATE INDEX access_org ON access (network_id, org_id, person_id);
CREATE INDEX access_person ON access (network_id, person_id);

CREATE TABLE access_requests (
    network_id   TEXT NOT NULL REFERENCES networks(id),
    id           TEXT NOT NULL,
    person_id    TEXT NOT NULL,
    org_id       TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    reason       TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL,
    decided_by   TEXT NOT NULL DEFAULT '',
    decided_at   TIMESTAMPTZ,
    created_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (network_id, id)
);
CREATE INDEX access_requests_person ON access_requests (network_id, person_id, created_at);
CREATE INDEX access_requests_status ON access_requests (network_id, status, created_at);

CREATE TABLE claim_imports (
    network_id  TEXT NOT NULL REFERENCES networks(id),
    id          TEXT NOT NULL,
    file_name   TEXT NOT NULL,
    imported_by TEXT NOT NULL,
    lines       INTEGER NOT NULL,
    accepted    INTEGER NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (network_id, id)
);

CREATE TABLE claims (
    network_id     TEXT NOT NULL REFERENCES networks(id),
    import_id      TEXT NOT NULL,
    line           INTEGER NOT NULL,
    insured_no     TEXT NOT NULL,
    org_code       TEXT NOT NULL,
    insurance_kind TEXT NOT NULL,
    service_month  TEXT NOT NULL,
    PRIMARY KEY (network_id, import_id, line)
);

CREATE TABLE disasters (
    network_id  TEXT NOT NULL REFERENCES networks(id),
    id          TEXT NOT NULL,
    name        TEXT NOT NULL,
    started_at  TIMESTAMPTZ NOT NULL,
    ended_at    TIMESTAMPTZ,
    declared_by TEXT NOT NULL,
    ended_by    TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (network_id, id)
);

CREATE TABLE matrix (
    network_id TEXT NOT NULL REFERENCES networks(id),
    occupation TEXT NOT NULL,
    category   TEXT NOT NULL,
    can_read   BOOLEAN NOT NULL,
    can_write  BOOLEAN NOT NULL,
    PRIMARY KEY (network_id, occupation, category)
);

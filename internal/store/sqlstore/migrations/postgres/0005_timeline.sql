-- The shared timeline (連絡帳, SPEC §5): entries on a person's timeline, every
-- version of their text, their addressees and attachments, and who read them.
-- Every tenant row carries network_id; times are UTC.
--
-- Records are append-only (katori §34 (8)): an edit adds a version and moves
-- the entry's current text; a deletion sets a tombstone (who and when). Only a
-- purge the profile requires (sendai §12-3) removes rows.

CREATE TABLE timeline_entries (
    network_id        TEXT NOT NULL REFERENCES networks(id),
    id                TEXT NOT NULL,
    person_id         TEXT NOT NULL,
    -- The first entry of the thread (its own id for a first entry); a reply
    -- takes its thread's category.
    thread_id         TEXT NOT NULL,
    reply_to          TEXT NOT NULL DEFAULT '',
    category          TEXT NOT NULL,
    body              TEXT NOT NULL,
    -- 要対応: the author asks the addressees to act; an addressee marks it 対応済み.
    action_required   BOOLEAN NOT NULL DEFAULT FALSE,
    author_id         TEXT NOT NULL,
    author_name       TEXT NOT NULL,
    author_org        TEXT NOT NULL DEFAULT '',
    author_occupation TEXT NOT NULL DEFAULT '',
    version           INTEGER NOT NULL DEFAULT 1,
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL,
    deleted_at        TIMESTAMPTZ,
    deleted_by        TEXT NOT NULL DEFAULT '',
    deleted_by_name   TEXT NOT NULL DEFAULT '',
    done_at           TIMESTAMPTZ,
    done_by           TEXT NOT NULL DEFAULT '',
    done_by_name      TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (network_id, id)
);
-- A person's timeline, newest first; the replies of a page's threads.
CREATE INDEX timeline_entries_person ON timeline_entries (network_id, person_id, created_at, id);
CREATE INDEX timeline_entries_thread ON timeline_entries (network_id, thread_id, created_at);

-- Every version of an entry's text, the first included.
CREATE TABLE timeline_versions (
    network_id     TEXT NOT NULL REFERENCES networks(id),
    entry_id       TEXT NOT NULL,
    version        INTEGER NOT NULL,
    body           TEXT NOT NULL,
    edited_by      TEXT NOT NULL,
    edited_by_name TEXT NOT NULL,
    edited_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (network_id, entry_id, version)
);

-- Addressees: organizations ('org') or users ('user') of the network.
CREATE TABLE timeline_addressees (
    network_id TEXT NOT NULL REFERENCES networks(id),
    entry_id   TEXT NOT NULL,
    kind       TEXT NOT NULL,
    target_id  TEXT NOT NULL,
    PRIMARY KEY (network_id, entry_id, kind, target_id)
);
-- The inbox: entries addressed to a user or to their organization.
CREATE INDEX timeline_addressees_target ON timeline_addressees (network_id, kind, target_id, entry_id);

-- Read marks: who read an entry, and when first.
CREATE TABLE timeline_reads (
    network_id TEXT NOT NULL REFERENCES networks(id),
    entry_id   TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    user_name  TEXT NOT NULL,
    org_id     TEXT NOT NULL DEFAULT '',
    read_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (network_id, entry_id, user_id)
);

-- Files of an entry (photos, PDFs, medical images: sendai §13), stored once in
-- the content-addressed attachments table.
CREATE TABLE entry_attachments (
    network_id    TEXT NOT NULL,
    entry_id      TEXT NOT NULL,
    attachment_id TEXT NOT NULL,
    PRIMARY KEY (network_id, entry_id, attachment_id),
    FOREIGN KEY (network_id, attachment_id) REFERENCES attachments (network_id, id)
);
CREATE INDEX entry_attachments_attachment ON entry_attachments (network_id, attachment_id);

-- The electronic bulletin board (電子掲示板, beppu §8 (2), fukuoka §14 (2)) and the
-- notifications: in-app, and the outbox of "something new is waiting" e-mails.
-- Every tenant row carries network_id; times are UTC.

CREATE TABLE board_posts (
    network_id      TEXT NOT NULL REFERENCES networks(id),
    id              TEXT NOT NULL,
    kind            TEXT NOT NULL,
    title           TEXT NOT NULL,
    body            TEXT NOT NULL,
    pinned          BOOLEAN NOT NULL DEFAULT FALSE,
    -- The audience as JSON arrays, for display; board_audience holds the same for
    -- filtering in SQL. An empty array does not narrow the audience.
    audience_org_types   TEXT NOT NULL DEFAULT '[]',
    audience_roles       TEXT NOT NULL DEFAULT '[]',
    audience_occupations TEXT NOT NULL DEFAULT '[]',
    -- The maintenance window (beppu §9-3), NULL for notices.
    starts_at       TIMESTAMPTZ,
    ends_at         TIMESTAMPTZ,
    urgent          BOOLEAN NOT NULL DEFAULT FALSE,
    status          TEXT NOT NULL,
    version         INTEGER NOT NULL,
    author_id       TEXT NOT NULL,
    author_name     TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    updated_by      TEXT NOT NULL DEFAULT '',
    withdrawn_at    TIMESTAMPTZ,
    withdrawn_by    TEXT NOT NULL DEFAULT '',
    withdraw_reason TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (network_id, id)
);
CREATE INDEX board_posts_list ON board_posts (network_id, status, pinned, created_at);
CREATE INDEX board_posts_maintenance ON board_posts (network_id, kind, ends_at);

-- One row per narrowing value of a post's audience: dim is org_type, role or
-- occupation.
CREATE TABLE board_audience (
    network_id TEXT NOT NULL,
    post_id    TEXT NOT NULL,
    dim        TEXT NOT NULL,
    value      TEXT NOT NULL,
    PRIMARY KEY (network_id, post_id, dim, value),
    FOREIGN KEY (network_id, post_id) REFERENCES board_posts (network_id, id)
);

-- Who opened a post, when, and which version they saw.
CREATE TABLE board_reads (
    network_id TEXT NOT NULL,
    post_id    TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    version    INTEGER NOT NULL,
    read_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (network_id, post_id, user_id),
    FOREIGN KEY (network_id, post_id) REFERENCES board_posts (network_id, id),
    FOREIGN KEY (network_id, user_id) REFERENCES users (network_id, id)
);

-- In-app notifications: a kind and a link, never content.
CREATE TABLE notifications (
    network_id TEXT NOT NULL,
    id         TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    kind       TEXT NOT NULL,
    link       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    read_at    TIMESTAMPTZ,
    PRIMARY KEY (network_id, id),
    FOREIGN KEY (network_id, user_id) REFERENCES users (network_id, id)
);
CREATE INDEX notifications_user ON notifications (network_id, user_id, created_at);
CREATE INDEX notifications_unread ON notifications (network_id, user_id, read_at);

-- One row per user who chose e-mail notifications: the choice and the outbox of
-- the one mail owed ("something new is waiting"), written in the transaction of
-- the notification, sent by the mailer of `renraku serve` with retries.
CREATE TABLE notify_mail (
    network_id      TEXT NOT NULL,
    user_id         TEXT NOT NULL,
    email_on        BOOLEAN NOT NULL,
    pending_since   TIMESTAMPTZ,
    queued_seq      BIGINT NOT NULL DEFAULT 0,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ,
    last_sent_at    TIMESTAMPTZ,
    last_error      TEXT NOT NULL DEFAULT '',
    updated_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (network_id, user_id),
    FOREIGN KEY (network_id, user_id) REFERENCES users (network_id, id)
);
CREATE INDEX notify_mail_due ON notify_mail (network_id, pending_since);

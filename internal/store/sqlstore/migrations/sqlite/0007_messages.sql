-- Messages between staff users (fukuoka §14 (3) 業務利用者同士の情報交換機能):
-- conversations, who takes part and how far each has read, and the messages.
-- Every row carries network_id; times are UTC. Messages are never changed.

CREATE TABLE conversations (
    network_id      TEXT NOT NULL REFERENCES networks(id),
    id              TEXT NOT NULL,
    subject         TEXT NOT NULL DEFAULT '',
    -- The person the conversation is about ('' = none): the policy on that
    -- person applies to every participant.
    person_id       TEXT NOT NULL DEFAULT '',
    created_by      TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    last_message_at TIMESTAMP NOT NULL,
    last_seq        BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (network_id, id)
);
CREATE INDEX conversations_person ON conversations (network_id, person_id);

CREATE TABLE conversation_participants (
    network_id      TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    user_id         TEXT NOT NULL,
    added_by        TEXT NOT NULL,
    joined_at       TIMESTAMP NOT NULL,
    left_at         TIMESTAMP,
    -- The newest message the participant has read (read marks, unread counts).
    read_seq        BIGINT NOT NULL DEFAULT 0,
    read_at         TIMESTAMP,
    PRIMARY KEY (network_id, conversation_id, user_id),
    FOREIGN KEY (network_id, conversation_id) REFERENCES conversations (network_id, id)
);
-- A user's list of conversations.
CREATE INDEX conversation_participants_user ON conversation_participants (network_id, user_id, conversation_id);

CREATE TABLE messages (
    network_id      TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    id              TEXT NOT NULL,
    seq             BIGINT NOT NULL,
    author_id       TEXT NOT NULL,
    author_org      TEXT NOT NULL DEFAULT '',
    kind            TEXT NOT NULL,
    body            TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (network_id, id),
    UNIQUE (network_id, conversation_id, seq),
    FOREIGN KEY (network_id, conversation_id) REFERENCES conversations (network_id, id)
);

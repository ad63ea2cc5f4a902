-- The SCIM bridge's state. One text serves SQLite and PostgreSQL: only TEXT and BIGINT
-- columns, flags as 0/1, times as Unix milliseconds (queue) or RFC 3339 text (meta).

-- One row per SCIM user; a deleted user stays (deleted = 1) until every backend has
-- removed it, so its userName cannot be taken while a backend still holds the account.
CREATE TABLE scim_users (
    id TEXT PRIMARY KEY,
    user_name TEXT NOT NULL,
    user_name_key TEXT NOT NULL UNIQUE,
    external_id TEXT,
    document TEXT NOT NULL,
    version BIGINT NOT NULL,
    password_version BIGINT NOT NULL,
    deleted BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_ms BIGINT NOT NULL
);
CREATE INDEX scim_users_external_id ON scim_users (external_id);
CREATE INDEX scim_users_listing ON scim_users (created_ms, id);

-- Every email of a user with its type, both lower-cased, for `emails.value eq` and
-- `emails[type eq "work"].value eq` filters.
CREATE TABLE scim_user_emails (
    user_id TEXT NOT NULL,
    email_key TEXT NOT NULL,
    email_type TEXT NOT NULL,
    PRIMARY KEY (user_id, email_key, email_type)
);
CREATE INDEX scim_user_emails_key ON scim_user_emails (email_key);

-- The durable queue: one row per user and backend, converging the backend to the
-- user's version `desired_version`. A row is due when its state is pending or failed,
-- its next attempt has come and no live lease holds it.
CREATE TABLE backend_sync (
    user_id TEXT NOT NULL,
    backend TEXT NOT NULL,
    backend_user_id TEXT,
    desired_version BIGINT NOT NULL,
    synced_version BIGINT NOT NULL,
    synced_state TEXT,
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    next_attempt_ms BIGINT NOT NULL,
    lease_owner TEXT,
    lease_until_ms BIGINT NOT NULL,
    last_error TEXT,
    notice TEXT,
    idempotency_key TEXT,
    -- 1 once a create may have been sent for the account the row has no id for yet:
    -- the next attempt looks the user up before creating, never creating blindly.
    create_started BIGINT NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (user_id, backend)
);
CREATE INDEX backend_sync_due ON backend_sync (state, next_attempt_ms);

-- The filter index (issue 24): every present value of every user, flattened, so that the
-- whole filter grammar of RFC 7644 §3.4.2.2 and sortBy run in SQL with bound parameters.
-- `attr` is the lower-cased attribute (`emails`, an extension's URN + `:` + name),
-- `attr_path` the lower-cased path of the value (`emails.value`, `name.familyname`),
-- `element` its index in a multi-valued attribute (0 for a single value), `value_key`
-- the text it compares as (lower-cased in Rust unless case-exact; dateTimes normalised
-- to UTC; booleans `true`/`false`) and `value_num` a number. One text serves SQLite and
-- PostgreSQL.
CREATE TABLE scim_user_values (
    user_id TEXT NOT NULL,
    attr TEXT NOT NULL,
    attr_path TEXT NOT NULL,
    element BIGINT NOT NULL,
    value_key TEXT,
    value_num DOUBLE PRECISION,
    PRIMARY KEY (user_id, attr_path, element)
);
-- A filter is one correlated lookup per user: by the user and path (with the value, so
-- the index covers the comparison), or, for an equality, by path, value and user.
-- Both, so that neither database's planner scans every user's values for one user.
CREATE INDEX scim_user_values_user ON scim_user_values (user_id, attr_path, value_key);
CREATE INDEX scim_user_values_key ON scim_user_values (attr_path, value_key, user_id);
CREATE INDEX scim_user_values_element ON scim_user_values (user_id, attr, element);

-- Which version of the flattening indexed a user; 0: not indexed yet. The bridge
-- indexes, when it opens the store, every user whose version is not its own.
ALTER TABLE scim_users ADD COLUMN index_version BIGINT NOT NULL DEFAULT 0;

-- The email lookup table the index replaces.
DROP TABLE scim_user_emails;

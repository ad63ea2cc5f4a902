//! The operations of [`UserProvisioner`](crate::UserProvisioner), named once for
//! everything that observes or shapes calls by operation: the
//! [`hooks`](crate::hooks) see which one a call is, and the `testing` feature's
//! `Faulty` wrapper fails, delays and counts calls per operation.

use std::fmt;

/// Which operation of [`UserProvisioner`](crate::UserProvisioner) a call is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Operation {
    /// `create_user`.
    Create,
    /// `get_user`.
    Get,
    /// `update_user`.
    Update,
    /// `delete_user`.
    Delete,
    /// `list_users` (one page; `list_all_users` is one call per page).
    List,
    /// `find_user`.
    Find,
    /// `wait_until_visible`.
    WaitUntilVisible,
}

impl Operation {
    /// A short lowercase name (`create`, `get`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Operation::Create => "create",
            Operation::Get => "get",
            Operation::Update => "update",
            Operation::Delete => "delete",
            Operation::List => "list",
            Operation::Find => "find",
            Operation::WaitUntilVisible => "wait_until_visible",
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

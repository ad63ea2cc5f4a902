//! Reading users a page at a time: the request, the page and the cursor between pages.

use std::convert::Infallible;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::user::User;

/// An opaque position in a user list, from [`UserPage::next`].
///
/// Store it as text ([`as_str`](Self::as_str), `Display`, serde as a bare string) and
/// read it back with `str::parse`, `From<String>` or [`from_stored`](Self::from_stored);
/// each provider checks the cursor when it is used.
///
/// ```
/// use user_provisioner::PageCursor;
///
/// let cursor: PageCursor = "100".parse().unwrap();
/// assert_eq!(cursor, PageCursor::from_stored("100"));
/// assert_eq!(cursor.to_string(), "100");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PageCursor(String);

impl PageCursor {
    // Cursors are made by the adapters and the in-memory stand-in.
    pub(crate) fn new(cursor: impl Into<String>) -> Self {
        Self(cursor.into())
    }

    /// The cursor as text, to store between calls.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A cursor read back from [`PageCursor::as_str`]. Each provider checks it when used.
    pub fn from_stored(cursor: impl Into<String>) -> Self {
        Self(cursor.into())
    }
}

impl fmt::Display for PageCursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for PageCursor {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl FromStr for PageCursor {
    type Err = Infallible;

    /// Any text; see [`PageCursor::from_stored`].
    fn from_str(cursor: &str) -> std::result::Result<Self, Infallible> {
        Ok(Self(cursor.to_owned()))
    }
}

impl From<String> for PageCursor {
    fn from(cursor: String) -> Self {
        Self(cursor)
    }
}

impl From<&str> for PageCursor {
    fn from(cursor: &str) -> Self {
        Self(cursor.to_owned())
    }
}

impl From<PageCursor> for String {
    fn from(cursor: PageCursor) -> Self {
        cursor.0
    }
}

/// Which page of users to read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ListUsers {
    /// The most users to return on this page; `None` lets the provider choose.
    pub page_size: Option<u32>,
    /// Where to continue; `None` starts at the beginning.
    pub cursor: Option<PageCursor>,
}

impl ListUsers {
    /// The first page, sized by the provider.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the page size.
    pub fn with_page_size(mut self, size: u32) -> Self {
        self.page_size = Some(size);
        self
    }

    /// Continues from a cursor.
    pub fn with_cursor(mut self, cursor: PageCursor) -> Self {
        self.cursor = Some(cursor);
        self
    }
}

/// One page of users.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UserPage {
    /// The users on this page.
    pub users: Vec<User>,
    /// The cursor of the next page; `None` on the last page.
    pub next: Option<PageCursor>,
}

impl UserPage {
    /// A page of users.
    pub fn new(users: Vec<User>, next: Option<PageCursor>) -> Self {
        Self { users, next }
    }
}

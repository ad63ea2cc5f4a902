//! How a user is stored under a set of [`Capabilities`]: a field the backend does not
//! keep is dropped, and names a provider keeps in its one name field are joined into
//! the display name (Connect), as the adapters' providers do.

use crate::capabilities::{Capabilities, FieldSupport};
use crate::user::Field;

/// The value of a text field as the store keeps it: as such when stored, else nothing.
pub(super) fn kept(caps: &Capabilities, field: Field, value: Option<&str>) -> Option<String> {
    value
        .filter(|_| caps.field(field).is_stored())
        .map(str::to_owned)
}

/// The display name as a provider with one name field makes it: the display name, else
/// the person names kept in it joined by a space, else a username kept in it.
pub(super) fn display_name(
    caps: &Capabilities,
    display: Option<&str>,
    given: Option<&str>,
    family: Option<&str>,
    username: Option<&str>,
) -> Option<String> {
    let into_display = |field| caps.field(field) == FieldSupport::StoredIn(Field::DisplayName);
    fn present(text: Option<&str>) -> Option<&str> {
        text.map(str::trim).filter(|text| !text.is_empty())
    }
    if let Some(display) = present(display).filter(|_| caps.field(Field::DisplayName).is_kept()) {
        return Some(display.to_owned());
    }
    let names: Vec<&str> = [(Field::GivenName, given), (Field::FamilyName, family)]
        .into_iter()
        .filter(|(field, _)| into_display(*field))
        .filter_map(|(_, text)| present(text))
        .collect();
    if !names.is_empty() {
        return Some(names.join(" "));
    }
    present(username)
        .filter(|_| into_display(Field::Username))
        .map(str::to_owned)
}

//! Checks of what the ECE server would refuse, made before sending.

use crate::error::{Error, Result};

use super::models::EceRole;

/// Whether `c` may appear in a user name this client creates. The server's exact rule
/// is UNCONFIRMED ("not empty and no special characters"); see the module docs.
fn allowed_in_user_name(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@')
}

/// A user name for a create: not empty, only the allowed characters.
pub(crate) fn new_user_name(field: &str, name: &str) -> Result<()> {
    if name.is_empty() {
        return Err(Error::invalid_input(field, "must not be empty"));
    }
    if let Some(bad) = name.chars().find(|c| !allowed_in_user_name(*c)) {
        return Err(Error::invalid_input(
            field,
            format!(
                "{bad:?} is a special character; ECE user names may hold only ASCII \
                 letters, digits, '.', '_', '-' and '@'"
            ),
        ));
    }
    Ok(())
}

/// A user name that identifies an existing user (it may come from an external realm,
/// so only emptiness is refused; the path segment is percent-encoded).
pub(crate) fn existing_user_name(field: &str, name: &str) -> Result<()> {
    if name.is_empty() {
        return Err(Error::invalid_input(field, "must not be empty"));
    }
    Ok(())
}

/// The documented role rules: `ece_platform_admin` only alone; `ece_deployment_manager`
/// and `ece_deployment_viewer` not together; no empty or repeated role names.
pub(crate) fn roles(field: &str, roles: &[EceRole]) -> Result<()> {
    for (index, role) in roles.iter().enumerate() {
        if role.as_str().trim().is_empty() {
            return Err(Error::invalid_input(
                format!("{field}[{index}]"),
                "must not be empty",
            ));
        }
        if roles[..index].contains(role) {
            return Err(Error::invalid_input(
                format!("{field}[{index}]"),
                format!("{role} is listed twice"),
            ));
        }
    }
    if roles.contains(&EceRole::PlatformAdmin) && roles.len() > 1 {
        return Err(Error::invalid_input(
            field,
            "ece_platform_admin must be the only role: it already grants everything",
        ));
    }
    if roles.contains(&EceRole::DeploymentManager) && roles.contains(&EceRole::DeploymentViewer) {
        return Err(Error::invalid_input(
            field,
            "ece_deployment_manager and ece_deployment_viewer cannot be held together",
        ));
    }
    Ok(())
}

pub(crate) use crate::validate::email;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_names() {
        for good in ["jdoe", "j.doe_2-x", "jdoe@example.com", "A1"] {
            assert!(new_user_name("user_name", good).is_ok(), "{good}");
        }
        for bad in ["", "j doe", "j/doe", "jdoe!", "jöe", "a:b", "x\n"] {
            assert!(new_user_name("user_name", bad).is_err(), "{bad:?}");
        }
        assert!(existing_user_name("user_name", "CN=Jane Doe/ext").is_ok());
        assert!(existing_user_name("user_name", "").is_err());
    }

    #[test]
    fn role_rules() {
        use EceRole::*;
        assert!(roles("r", &[]).is_ok());
        assert!(roles("r", &[PlatformAdmin]).is_ok());
        assert!(roles("r", &[PlatformViewer, DeploymentManager]).is_ok());
        assert!(roles("r", &[PlatformViewer, DeploymentViewer]).is_ok());
        assert!(roles("r", &[Other("custom".into())]).is_ok());
        assert!(roles("r", &[PlatformAdmin, PlatformViewer]).is_err());
        assert!(roles("r", &[DeploymentViewer, DeploymentManager]).is_err());
        assert!(roles("r", &[PlatformViewer, PlatformViewer]).is_err());
        assert!(roles("r", &[Other(" ".into())]).is_err());
    }
}

//! Allocating the lowest free extension of a configured range.

use std::collections::BTreeSet;
use std::ops::RangeInclusive;
use std::time::Instant;

use crate::error::{Error, Result};
use crate::options::RequestOptions;

use super::client::{CreateReply, NetSapiensClient};
use super::models::CreateUser;

/// The largest page the server serves.
const PAGE: u32 = 1000;

impl NetSapiensClient {
    /// The numeric extensions in `range` that the domain's users hold now.
    async fn taken_extensions(
        &self,
        range: &RangeInclusive<u32>,
        options: &RequestOptions,
    ) -> Result<BTreeSet<u32>> {
        let mut taken = BTreeSet::new();
        let mut page = Some(self.first_page(PAGE));
        while let Some(query) = page {
            let users = self.list(&query, options).await?;
            taken.extend(
                users
                    .iter()
                    .filter_map(|user| user.user.trim().parse::<u32>().ok())
                    .filter(|extension| range.contains(extension)),
            );
            page = query.next(users.len());
        }
        Ok(taken)
    }

    /// Creates `request` under the lowest free extension of `range`: lists the domain's
    /// users, then tries free extensions from the lowest, moving on after each 409, for
    /// at most the configured number of attempts. `started` is when the call began, for
    /// the deadline of a lookup after an unknown outcome.
    pub(crate) async fn create_allocating(
        &self,
        mut request: CreateUser,
        range: &RangeInclusive<u32>,
        options: &RequestOptions,
        started: Instant,
    ) -> Result<(String, CreateReply)> {
        let taken = self.taken_extensions(range, options).await?;
        let mut last_conflict = None;
        let free = range.clone().filter(|extension| !taken.contains(extension));
        for extension in free.take(self.config.allocation_attempts as usize) {
            request.user = extension.to_string();
            match self.send_create(&request, options).await {
                Ok(reply) => return Ok((request.user, reply)),
                Err(Error::Conflict(api)) => last_conflict = Some(api),
                Err(other) => {
                    let reply = self
                        .recover_create(&request, other, options, started)
                        .await?;
                    return Ok((request.user, reply));
                }
            }
        }
        match last_conflict {
            Some(api) => Err(Error::Conflict(api)),
            None => Err(Error::config(
                "extension_range",
                format!(
                    "no free extension in {}..={}; widen the range or set the \
                     netsapiens.extension attribute",
                    range.start(),
                    range.end()
                ),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::netsapiens::ListQuery;

    #[test]
    fn a_full_page_of_the_maximum_size_leads_to_another() {
        let query = ListQuery::new(1, PAGE);
        assert_eq!(query.next(PAGE as usize), Some(ListQuery::new(1001, PAGE)));
    }
}

//! The one view of a VPC link both versions map to, and the errors of this crate.

use std::time::Duration;

use serde::Serialize;

use crate::Version;

/// A VPC link as found in AWS, whatever its version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Link {
    pub id: String,
    pub name: String,
    pub version: Version,
    pub status: Status,
    /// AWS's explanation of the status (why a link is `FAILED`), when it gives one.
    pub status_message: Option<String>,
    /// v1: the target load balancer ARNs; v2: the subnet ids. Sorted.
    pub targets: Vec<String>,
    /// v2: the security group ids, sorted; v1: empty.
    pub security_groups: Vec<String>,
    /// v2: when AWS made it (milliseconds since the epoch); v1 links carry no date. Settles
    /// duplicates (`gw_core::ObservedResource::seniority`).
    #[serde(skip)]
    pub created_millis: Option<i64>,
}

impl Link {
    /// How progress and errors name the link: `VPC link cortex-prod (abc123)`.
    pub fn describe(&self) -> String {
        describe(&self.name, &self.id)
    }

    /// The order in which one of several links is kept: the oldest first, then the lowest id,
    /// an unknown age counting as the youngest (as `gw_core::ObservedResource::seniority`).
    pub fn seniority(&self) -> (i64, &str) {
        (self.created_millis.unwrap_or(i64::MAX), self.id.as_str())
    }
}

pub(crate) fn describe(name: &str, id: &str) -> String {
    format!("VPC link {name} ({id})")
}

/// A link's fields as one AWS answer spells them (the SDKs repeat them in a listing item, and
/// in `GetVpcLink`'s and `CreateVpcLink`'s outputs); [`LinkFields::into_link`] makes the
/// [`Link`] of every one of them.
pub(crate) struct LinkFields<'a> {
    /// The operation that answered, for the error when the id is missing.
    pub operation: &'static str,
    pub version: Version,
    pub id: Option<&'a str>,
    pub name: Option<&'a str>,
    pub targets: &'a [String],
    pub security_groups: &'a [String],
    pub status: Option<&'a str>,
    pub status_message: Option<&'a str>,
    pub created_millis: Option<i64>,
}

impl LinkFields<'_> {
    /// The [`Link`]; a link without an id is [`LinkError::Unexpected`], never a panic.
    pub(crate) fn into_link(self) -> Result<Link, LinkError> {
        let id = self.id.filter(|id| !id.is_empty()).ok_or_else(|| {
            LinkError::Unexpected(format!(
                "{} returned a VPC link without an id",
                self.operation
            ))
        })?;
        Ok(Link {
            id: id.to_string(),
            name: self.name.unwrap_or_default().to_string(),
            version: self.version,
            // AWS always sends a status; a missing one is treated as not ready yet.
            status: self.status.map_or(Status::Pending, Status::from_aws),
            status_message: self
                .status_message
                .filter(|m| !m.is_empty())
                .map(str::to_string),
            targets: sorted(self.targets),
            security_groups: sorted(self.security_groups),
            created_millis: self.created_millis,
        })
    }
}

fn sorted(values: &[String]) -> Vec<String> {
    let mut values = values.to_vec();
    values.sort();
    values
}

/// The status of a VPC link. Displayed (and serialised) as AWS spells it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Status {
    Pending,
    Available,
    Deleting,
    Failed,
    /// v2 only: no traffic for 60 days; AWS removed the network interfaces and recreates them
    /// when requests resume.
    Inactive,
    /// A status this version of cortex-net does not know.
    #[serde(untagged)]
    Other(String),
}

impl Status {
    /// From AWS's spelling; unknown values are kept in [`Status::Other`].
    pub fn from_aws(value: &str) -> Self {
        match value {
            "PENDING" => Status::Pending,
            "AVAILABLE" => Status::Available,
            "DELETING" => Status::Deleting,
            "FAILED" => Status::Failed,
            "INACTIVE" => Status::Inactive,
            other => Status::Other(other.to_string()),
        }
    }

    /// Whether requests can pass through a link in this status: AVAILABLE, or INACTIVE (AWS
    /// recreates its network interfaces when traffic resumes, so waiting would never end). The
    /// one place that decides it, for waits, plans and `doctor` alike.
    pub fn is_usable(&self) -> bool {
        matches!(self, Status::Available | Status::Inactive)
    }

    pub fn as_str(&self) -> &str {
        match self {
            Status::Pending => "PENDING",
            Status::Available => "AVAILABLE",
            Status::Deleting => "DELETING",
            Status::Failed => "FAILED",
            Status::Inactive => "INACTIVE",
            Status::Other(other) => other,
        }
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    /// AWS could not build the link (`FAILED`); `message` is AWS's status message.
    #[error(
        "VPC link {name} ({id}) FAILED: {message}. Check that the load balancer (v1: its ARN; \
         v2: its subnets and security groups) still exists in this account and region, that no \
         other VPC link targets the same Network Load Balancer, and that the account's \
         network-interface quota is not reached; then run `cortex-net down` and `cortex-net up` \
         again"
    )]
    Failed {
        name: String,
        id: String,
        message: String,
    },
    /// The link did not become `AVAILABLE` within the timeout.
    #[error(
        "VPC link {name} ({id}) is still {status} after {}s. AWS can take several minutes to \
         provision a VPC link: raise `gateway.vpc_link_timeout_seconds` in cortex-net.yaml (or \
         CORTEX_NET_GATEWAY__VPC_LINK_TIMEOUT_SECONDS) if needed, and re-run `cortex-net up`, \
         which continues waiting on the same link rather than creating another",
        waited.as_secs()
    )]
    TimedOut {
        name: String,
        id: String,
        status: String,
        waited: Duration,
    },
    /// The link was not gone within the timeout after its deletion was requested.
    #[error(
        "VPC link {name} ({id}) is still {status} {}s after its deletion was requested. Raise \
         `gateway.vpc_link_timeout_seconds` in cortex-net.yaml (or \
         CORTEX_NET_GATEWAY__VPC_LINK_TIMEOUT_SECONDS) if needed, and re-run `cortex-net down`, \
         which continues where it stopped",
        waited.as_secs()
    )]
    DeleteTimedOut {
        name: String,
        id: String,
        status: String,
        waited: Duration,
    },
    /// An AWS call failed; its `Display` says what to do.
    #[error(transparent)]
    Aws(Box<gw_core::AwsError>),
    /// An AWS call whose outcome a fresh observation may settle (see
    /// [`gw_core::ProviderError::Unsettled`]).
    #[error("{operation} did not complete: {message}")]
    Unsettled {
        operation: &'static str,
        message: String,
    },
    /// AWS answered something we cannot work with (a link without an id).
    #[error("unexpected answer from AWS: {0}")]
    Unexpected(String),
}

impl LinkError {
    /// Whether AWS said the link does not exist.
    pub(crate) fn is_not_found(&self) -> bool {
        matches!(self, LinkError::Aws(error) if error.is_not_found())
    }
}

impl From<gw_core::AwsError> for LinkError {
    fn from(error: gw_core::AwsError) -> Self {
        LinkError::Aws(Box::new(error))
    }
}

impl From<LinkError> for gw_core::ProviderError {
    fn from(error: LinkError) -> Self {
        match error {
            LinkError::Aws(error) => gw_core::ProviderError::Aws(error),
            LinkError::Unsettled { operation, message } => {
                gw_core::ProviderError::Unsettled { operation, message }
            }
            LinkError::Unexpected(message) => gw_core::ProviderError::Unexpected(message),
            other @ (LinkError::Failed { .. }
            | LinkError::TimedOut { .. }
            | LinkError::DeleteTimedOut { .. }) => {
                gw_core::ProviderError::Failed(other.to_string())
            }
        }
    }
}

/// Hint appended when AWS refuses to delete a link (it is still referenced).
pub(crate) const IN_USE_HINT: &str = "If an integration still uses this VPC link, it must be \
    deleted first: re-run `cortex-net down`, which removes integrations before the link";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_round_trips_aws_spelling() {
        for s in [
            "PENDING",
            "AVAILABLE",
            "DELETING",
            "FAILED",
            "INACTIVE",
            "NEW_ONE",
        ] {
            assert_eq!(Status::from_aws(s).to_string(), s);
        }
        assert_eq!(Status::from_aws("NEW_ONE"), Status::Other("NEW_ONE".into()));
        assert_eq!(Status::from_aws("INACTIVE"), Status::Inactive);
    }

    #[test]
    fn status_serialises_as_aws_spells_it() {
        let json = |s: Status| serde_json::to_string(&s).unwrap();
        assert_eq!(json(Status::Available), "\"AVAILABLE\"");
        assert_eq!(json(Status::Other("NEW_ONE".into())), "\"NEW_ONE\"");
    }

    #[test]
    fn errors_say_what_to_do() {
        let failed = LinkError::Failed {
            name: "cortex-prod".into(),
            id: "abc".into(),
            message: "NLB not found".into(),
        }
        .to_string();
        assert!(failed.starts_with("VPC link cortex-prod (abc) FAILED: NLB not found."));
        assert!(failed.contains("`cortex-net down` and `cortex-net up`"));

        let provider: gw_core::ProviderError = LinkError::TimedOut {
            name: "cortex-prod".into(),
            id: "abc".into(),
            status: "PENDING".into(),
            waited: Duration::from_secs(600),
        }
        .into();
        assert!(
            matches!(provider, gw_core::ProviderError::Failed(_)),
            "{provider:?}"
        );
        let text = provider.to_string();
        assert!(
            text.starts_with("VPC link cortex-prod (abc) is still PENDING after 600s."),
            "{text}"
        );
        assert!(text.contains("gateway.vpc_link_timeout_seconds"), "{text}");
    }
}

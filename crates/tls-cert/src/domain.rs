//! API Gateway custom domain names: one view ([`DomainName`]) of what either API returns, the
//! mapping of a domain to an API and stage ([`Mapping`]), and the DNS record the user must create
//! ([`dns_record`]). [`v2`] serves HTTP APIs (always REGIONAL, API mappings); [`v1`] serves REST
//! APIs (REGIONAL or EDGE, base path mappings). Both make their calls behind one narrow trait,
//! so that the rules below are written once, in `shared`.
//!
//! Ownership: a domain name carries both ownership tags from its creation; `find_owned` sees only
//! those, and `delete` reads the tags again first and refuses a domain name without them (a
//! domain name is a public name someone else may have made, unlike a generated id). Mappings
//! cannot be tagged: they are ours because their domain name is, so callers only touch mappings
//! of owned domain names. Mappings must be removed before the API they point to, and the domain
//! name after the API ([`gw_core::ResourceKind::deletion_rank`]).

use gw_core::GatewayKind;
use serde::Serialize;

use crate::DomainEndpoint;

mod shared;
pub mod v1;
pub mod v2;

/// A custom domain name as found in AWS, whichever API it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DomainName {
    pub name: String,
    /// The gateway kind whose API Gateway API it belongs to: `Http` (`apigatewayv2`) or `Rest`
    /// (`apigateway`).
    pub api: GatewayKind,
    pub endpoint: DomainEndpoint,
    pub certificate_arn: Option<String>,
    /// Where DNS must point: the regional domain name (`ApiGatewayDomainName`,
    /// `regionalDomainName`) or, for EDGE, the CloudFront distribution's domain name. Emulators
    /// may leave it out.
    pub target: Option<String>,
    /// The hosted zone of `target`, for a Route 53 alias record. Emulators may leave it out.
    pub hosted_zone_id: Option<String>,
}

impl DomainName {
    /// The resource both providers report for it: its certificate, and where its DNS record
    /// must point (when AWS says). The one place a domain name becomes a
    /// [`gw_core::ObservedResource`].
    pub fn observed(&self) -> gw_core::ObservedResource {
        use gw_core::attr;
        let mut resource = gw_core::Resource::new(gw_core::ResourceKind::DomainName, &self.name)
            .with(
                attr::CERTIFICATE,
                self.certificate_arn.clone().unwrap_or_default(),
            );
        if let Some(target) = &self.target {
            resource = resource.with(attr::TARGET_DOMAIN, target);
        }
        if let Some(zone) = &self.hosted_zone_id {
            resource = resource.with(attr::HOSTED_ZONE, zone);
        }
        gw_core::ObservedResource {
            resource,
            id: self.name.clone(),
            parent_id: None,
            created_millis: None,
        }
    }

    /// How progress and errors name it: `custom domain api.example.com`.
    pub fn describe(&self) -> String {
        format!("custom domain {}", self.name)
    }

    /// AWS's names of the target and hosted zone fields, for messages.
    fn field_names(&self) -> (&'static str, &'static str) {
        match (self.api, self.endpoint) {
            (GatewayKind::Http, _) => ("ApiGatewayDomainName", "HostedZoneId"),
            (GatewayKind::Rest, DomainEndpoint::Regional) => {
                ("regionalDomainName", "regionalHostedZoneId")
            }
            (GatewayKind::Rest, DomainEndpoint::Edge) => {
                ("distributionDomainName", "distributionHostedZoneId")
            }
        }
    }
}

/// An owned domain name and the CloudFormation stack its tags name ([`gw_core::STACK_TAG`]), if
/// any: a domain name a stack made is the stack's to change, even when it carries our tags too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnedDomain {
    pub domain: DomainName,
    pub stack: Option<String>,
}

impl OwnedDomain {
    /// [`DomainName::observed`], naming the stack among its attributes ([`gw_core::STACK_TAG`],
    /// which `gw_core::Observed::stack` finds): `up` and `down` then leave the gateway to it.
    pub fn observed(&self) -> gw_core::ObservedResource {
        let mut observed = self.domain.observed();
        if let Some(stack) = &self.stack {
            observed.resource = observed.resource.with(gw_core::STACK_TAG, stack);
        }
        observed
    }
}

/// A domain name's mapping to an API stage: an API mapping (HTTP APIs) or a base path mapping
/// (REST APIs). Only root mappings are made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mapping {
    /// What deletes it: the API mapping id (v2), or the base path as AWS names it (v1, `(none)`
    /// for the root).
    pub id: String,
    pub api_id: String,
    pub stage: String,
    /// The path under the domain; empty for the root.
    pub path: String,
}

/// The DNS record the user must create so that the custom domain reaches the API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DnsRecord {
    /// The record's name: the custom domain.
    pub name: String,
    /// `CNAME` (regional domain names) or `A (alias)` (edge-optimized ones, to CloudFront).
    /// Both kinds work for both endpoints; an alias also works at a zone apex (Route 53 only).
    pub kind: String,
    /// What the record points to.
    pub target: Option<String>,
    /// The hosted zone id an alias record needs.
    pub hosted_zone_id: Option<String>,
    /// Set when AWS did not report the target or the hosted zone id (emulators leave them out):
    /// says so, and how to look them up.
    pub note: Option<String>,
}

impl DnsRecord {
    /// One line for the user: `api.example.com CNAME d-abc.execute-api... (alias hosted zone Z..)`.
    pub fn describe(&self) -> String {
        let mut text = format!(
            "{} {} {}",
            self.name,
            self.kind,
            self.target.as_deref().unwrap_or("<target unknown>")
        );
        if let Some(zone) = &self.hosted_zone_id {
            text.push_str(&format!(" (hosted zone {zone})"));
        }
        if let Some(note) = &self.note {
            text.push_str(". ");
            text.push_str(note);
        }
        text
    }
}

/// What a gateway reports about its custom domain: the stable URL (the stage is mapped at the
/// root) and the DNS record the user must create.
pub fn custom_domain(domain: &DomainName) -> gw_core::CustomDomain {
    let record = dns_record(domain);
    gw_core::CustomDomain {
        name: domain.name.clone(),
        url: format!("https://{}", domain.name),
        dns_record: gw_core::DnsRecord {
            name: record.name,
            kind: record.kind,
            target: record.target,
            hosted_zone_id: record.hosted_zone_id,
            note: record.note,
        },
    }
}

/// The DNS record `domain` needs. When AWS left out the target or the hosted zone id, the record
/// says so in [`DnsRecord::note`] instead of leaving the user with nothing.
pub fn dns_record(domain: &DomainName) -> DnsRecord {
    let kind = match domain.endpoint {
        DomainEndpoint::Regional => "CNAME",
        DomainEndpoint::Edge => "A (alias)",
    };
    let (target_field, zone_field) = domain.field_names();
    let look_up = format!(
        "look it up with `aws {} get-domain-name --domain-name {}`",
        domain.api.aws_api(),
        domain.name
    );
    let target = domain.target.clone().filter(|t| !t.is_empty());
    let hosted_zone_id = domain.hosted_zone_id.clone().filter(|z| !z.is_empty());
    let note = match (&target, &hosted_zone_id) {
        (Some(_), Some(_)) => None,
        (None, None) => Some(format!(
            "AWS did not report the target ({target_field}) nor its hosted zone id \
             ({zone_field}); {look_up}"
        )),
        (None, Some(_)) => Some(format!(
            "AWS did not report the target ({target_field}); {look_up}"
        )),
        (Some(_), None) => Some(format!(
            "AWS did not report the hosted zone id ({zone_field}) that an alias record needs \
             (a CNAME to the target works without it); {look_up}"
        )),
    };
    DnsRecord {
        name: domain.name.clone(),
        kind: kind.to_string(),
        target,
        hosted_zone_id,
        note,
    }
}

/// The error for a domain name `delete` refuses because it lacks our tags.
pub(crate) fn not_ours(name: &str, owner: &gw_core::Ownership) -> crate::CertError {
    crate::CertError::Invalid(format!(
        "custom domain {name} is not tagged as cortex-net's for cluster {} ({}={}, {}={}): \
         cortex-net does not delete it; remove it yourself if it is no longer needed",
        owner.cluster(),
        gw_core::CLUSTER_TAG,
        owner.cluster(),
        gw_core::MANAGED_BY_TAG,
        gw_core::MANAGED_BY_VALUE,
    ))
}

#[cfg(test)]
mod tests;

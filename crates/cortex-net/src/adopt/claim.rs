//! What adoption writes: on the API, its VPC link and its custom domain, the ownership tags
//! `up` would have put there, and nothing else (names stay: `up` finds the API and its link by
//! tags and matches them by kind, whatever their name).

use super::judge::{Gateway, Link, Tags};
use super::preview::{AsClaimed, Claimed};
use crate::error::CliError;
use gw_core::{GatewayKind, Ownership, VpcLinkVersion};
use serde::Serialize;

/// Which resource a claim is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Part {
    Api,
    VpcLink,
    DomainName,
}

/// One resource adoption writes on.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Claim {
    pub(crate) part: Part,
    /// `HTTP API`, `VPC link v1`, `custom domain` ...
    pub(crate) label: String,
    pub(crate) id: String,
    pub(crate) name: String,
    /// The tags added (the resource's other tags stay).
    pub(crate) tags: Tags,
    #[serde(skip)]
    version: Option<VpcLinkVersion>,
}

impl Claim {
    /// `HTTP API a1 (by-hand): tag k=v, ...`
    pub(crate) fn describe(&self) -> String {
        let tags: Vec<String> = self.tags.iter().map(|(k, v)| format!("{k}={v}")).collect();
        // A domain name is its own id.
        let name = if self.name == self.id {
            String::new()
        } else {
            format!(" ({})", self.name)
        };
        format!("{} {}{name}: tag {}", self.label, self.id, tags.join(", "))
    }
}

/// The claims that make `gateway` (of `kind`) the cluster's, the VPC link and `domain` with it;
/// resources already `owner`'s are left out. The API comes last: an
/// interrupted adoption leaves it untagged, so it is listed and adopted again.
pub(crate) fn claims(
    gateway: &Gateway,
    kind: GatewayKind,
    owner: &Ownership,
    domain: Option<&str>,
) -> Vec<Claim> {
    let narrowed = owner.for_gateway(kind);
    let mut claims = Vec::new();
    for link in &gateway.links {
        let link_owner = match link.version {
            VpcLinkVersion::V1 => owner,
            VpcLinkVersion::V2 => &narrowed,
        };
        claims.push(link_claim(link, link_owner));
    }
    for found in gateway
        .domains
        .iter()
        .filter(|d| Some(d.name.as_str()) == domain)
    {
        claims.push(Claim {
            part: Part::DomainName,
            label: "custom domain".to_string(),
            id: found.name.clone(),
            name: found.name.clone(),
            tags: narrowed.tags(),
            version: None,
        });
    }
    claims.push(Claim {
        part: Part::Api,
        label: kind.label().to_string(),
        id: gateway.id.clone(),
        name: gateway.name.clone(),
        tags: owner.tags(),
        version: None,
    });
    let found_tags = |claim: &Claim| -> Tags {
        match claim.part {
            Part::Api => gateway.tags.clone(),
            Part::VpcLink => gateway
                .links
                .iter()
                .find(|l| l.id == claim.id)
                .map(|l| l.tags.clone())
                .unwrap_or_default(),
            Part::DomainName => gateway
                .domains
                .iter()
                .find(|d| d.name == claim.id)
                .map(|d| d.tags.clone())
                .unwrap_or_default(),
        }
    };
    claims.retain(|claim| {
        let tags = found_tags(claim);
        !claim.tags.iter().all(|(k, v)| tags.get(k) == Some(v))
    });
    claims
}

fn link_claim(link: &Link, owner: &Ownership) -> Claim {
    Claim {
        part: Part::VpcLink,
        label: format!("VPC link {}", link.version),
        id: link.id.clone(),
        name: link.name.clone(),
        tags: owner.tags(),
        version: Some(link.version),
    }
}

/// The claims as the listings will show them once written (for the plan after adoption).
pub(crate) fn as_claimed(claims: &[Claim]) -> AsClaimed {
    let mut view = AsClaimed::default();
    for claim in claims {
        let claimed = Claimed {
            tags: claim.tags.clone(),
        };
        let into = match claim.part {
            Part::Api => &mut view.apis,
            Part::VpcLink => &mut view.links,
            Part::DomainName => &mut view.domains,
        };
        into.insert(claim.id.clone(), claimed);
    }
    view
}

/// Writes the claims in order, through the provider of `kind` (a v2 link through apigatewayv2
/// whatever the API's kind).
pub(crate) async fn write(
    sdk: &aws_config::SdkConfig,
    kind: GatewayKind,
    claims: &[Claim],
) -> Result<(), CliError> {
    let v2 = aws_sdk_apigatewayv2::Client::new(sdk);
    let v1 = aws_sdk_apigateway::Client::new(sdk);
    for claim in claims {
        let (id, tags) = (claim.id.as_str(), &claim.tags);
        match (claim.part, kind, claim.version) {
            (Part::Api, GatewayKind::Http, _) => gw_http::adopt::claim_api(&v2, id, tags).await,
            (Part::Api, GatewayKind::Rest, _) => gw_rest::adopt::claim_api(&v1, id, tags).await,
            (Part::VpcLink, _, Some(VpcLinkVersion::V1)) => {
                gw_rest::adopt::claim_vpc_link(&v1, id, tags).await
            }
            (Part::VpcLink, _, _) => gw_http::adopt::claim_vpc_link(&v2, id, tags).await,
            (Part::DomainName, GatewayKind::Http, _) => {
                gw_http::adopt::claim_domain(&v2, id, tags).await
            }
            (Part::DomainName, GatewayKind::Rest, _) => {
                gw_rest::adopt::claim_domain(&v1, id, tags).await
            }
        }?;
        tracing::info!("adopted {}", claim.describe());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::judge::Shared;
    use super::*;
    use gw_core::{CLUSTER_TAG, GATEWAY_TAG};

    fn by_hand() -> Gateway {
        Gateway {
            kind: Some(GatewayKind::Http),
            id: "a1".into(),
            name: "by-hand".into(),
            links: vec![Link {
                id: "l1".into(),
                name: "my-link".into(),
                version: VpcLinkVersion::V2,
                tags: Tags::new(),
                target_arns: Vec::new(),
            }],
            domains: vec![Shared {
                name: "api.example.com".into(),
                tags: Tags::new(),
            }],
            ..Gateway::default()
        }
    }

    #[test]
    fn link_then_named_domain_then_api_each_with_the_tags_up_puts_there_and_no_new_name() {
        let owner = Ownership::new("prod");
        let claims = claims(
            &by_hand(),
            GatewayKind::Http,
            &owner,
            Some("api.example.com"),
        );
        let parts: Vec<Part> = claims.iter().map(|c| c.part).collect();
        assert_eq!(parts, [Part::VpcLink, Part::DomainName, Part::Api]);
        assert_eq!(
            claims[0].tags.get(GATEWAY_TAG).map(String::as_str),
            Some("http"),
            "a v2 link carries the gateway tag, as vpclink puts it"
        );
        assert_eq!(
            claims[1].tags.get(GATEWAY_TAG).map(String::as_str),
            Some("http")
        );
        assert_eq!(
            claims[2].tags,
            owner.tags(),
            "the API: the ownership tags only"
        );
        let view = as_claimed(&claims);
        assert!(view.apis.contains_key("a1") && view.links.contains_key("l1"));
        assert_eq!(
            claims[2].describe(),
            "HTTP API a1 (by-hand): tag cortex.dev/cluster-name=prod, managed-by=cortex-net"
        );
        assert!(
            claims[0]
                .describe()
                .starts_with("VPC link v2 l1 (my-link): tag ")
        );
        let json = serde_json::to_value(&claims[0]).unwrap_or_default();
        assert_eq!(json["name"], "my-link");
        assert!(json.get("rename_to").is_none(), "{json}");
    }

    #[test]
    fn what_is_ours_already_is_not_claimed_again_whatever_its_name() {
        let owner = Ownership::new("prod");
        let mut gateway = by_hand();
        gateway.tags = owner.tags();
        gateway.tags.insert(CLUSTER_TAG.into(), "prod".into());
        gateway.links[0].tags = owner.for_gateway(GatewayKind::Http).tags();
        let claims = claims(&gateway, GatewayKind::Http, &owner, None);
        assert!(claims.is_empty(), "{claims:?}");
    }
}

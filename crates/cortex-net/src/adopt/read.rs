//! Reads every HTTP and REST API of the region through the providers (`gw_http::adopt`,
//! `gw_rest::adopt`) and puts both kinds in the one shape [`judge`](super::judge) decides on.

use super::judge::{Gateway, Link, Shared, Tags};
use crate::error::CliError;
use gw_core::{GatewayKind, VpcLinkVersion};

/// Every API of both kinds in the region, each with the VPC links and domains it uses.
pub(crate) async fn gateways(
    sdk: &aws_config::SdkConfig,
    region: &str,
) -> Result<Vec<Gateway>, CliError> {
    let v2 = aws_sdk_apigatewayv2::Client::new(sdk);
    let v1 = aws_sdk_apigateway::Client::new(sdk);
    let (http, rest) = tokio::join!(gw_http::adopt::find_all(&v2), gw_rest::adopt::find_all(&v1));
    let (http, rest) = (http?, rest?);
    let mut found = from_http(&http, region);
    // REST APIs reach an ALB through a v2 link: those are looked up among the v2 links.
    found.extend(from_rest(&rest, &http.vpc_links, region));
    Ok(found)
}

fn base_url(id: &str, region: &str) -> String {
    format!("https://{id}.execute-api.{region}.amazonaws.com")
}

fn from_http(found: &gw_http::adopt::Found, region: &str) -> Vec<Gateway> {
    found
        .apis
        .iter()
        .map(|api| {
            let targets: Vec<(String, Option<String>)> = api
                .integrations
                .iter()
                .map(|i| (i.uri.clone(), i.vpc_link.clone()))
                .collect();
            Gateway {
                kind: Some(GatewayKind::Http),
                id: api.id.clone(),
                name: api.name.clone(),
                base_url: api
                    .endpoint
                    .clone()
                    .unwrap_or_else(|| base_url(&api.id, region)),
                tags: api.tags.clone(),
                stages: api.stages.clone(),
                links: links_used(&targets, |id| {
                    let link = found.vpc_links.iter().find(|l| l.id == id)?;
                    Some(v2_link(link))
                }),
                targets,
                domains: domains(&api.domains, |name| {
                    found.domains.iter().find(|d| d.id == name).map(|d| &d.tags)
                }),
            }
        })
        .collect()
}

fn v2_link(link: &gw_http::adopt::FoundShared) -> Link {
    Link {
        id: link.id.clone(),
        name: link.name.clone(),
        version: VpcLinkVersion::V2,
        tags: link.tags.clone(),
        target_arns: Vec::new(),
    }
}

fn from_rest(
    found: &gw_rest::adopt::Found,
    v2_links: &[gw_http::adopt::FoundShared],
    region: &str,
) -> Vec<Gateway> {
    found
        .apis
        .iter()
        .map(|api| {
            let targets: Vec<(String, Option<String>)> = api
                .integrations
                .iter()
                .map(|i| (i.uri.clone(), i.vpc_link.clone()))
                .collect();
            let link = |id: &str| {
                let v1 = found.vpc_links.iter().find(|l| l.id == id).map(|l| Link {
                    id: l.id.clone(),
                    name: l.name.clone(),
                    version: VpcLinkVersion::V1,
                    tags: l.tags.clone(),
                    target_arns: l.target_arns.clone(),
                });
                v1.or_else(|| v2_links.iter().find(|l| l.id == id).map(v2_link))
            };
            Gateway {
                kind: Some(GatewayKind::Rest),
                id: api.id.clone(),
                name: api.name.clone(),
                base_url: base_url(&api.id, region),
                tags: api.tags.clone(),
                stages: api.stages.clone(),
                links: links_used(&targets, link),
                targets,
                domains: domains(&api.domains, |name| {
                    found.domains.iter().find(|d| d.id == name).map(|d| &d.tags)
                }),
            }
        })
        .collect()
}

/// The links the targets go through, each once, as `find` finds them (a link that is gone is
/// left out: there is nothing to tag).
fn links_used(
    targets: &[(String, Option<String>)],
    find: impl Fn(&str) -> Option<Link>,
) -> Vec<Link> {
    let mut ids: Vec<&str> = targets.iter().filter_map(|(_, l)| l.as_deref()).collect();
    ids.sort_unstable();
    ids.dedup();
    ids.into_iter().filter_map(find).collect()
}

fn domains<'a>(names: &[String], tags: impl Fn(&str) -> Option<&'a Tags>) -> Vec<Shared> {
    names
        .iter()
        .map(|name| Shared {
            name: name.clone(),
            tags: tags(name).cloned().unwrap_or_default(),
        })
        .collect()
}

//! `cortex-net adopt`: takes over a gateway made by hand following Cortex's guide, keeping its
//! id and so its invoke URL. Without `--api-id` it lists the HTTP and REST APIs of the region
//! in front of the cluster's load balancer, each with what cortex-net may do with it; with one,
//! it checks the API (it fronts this load balancer only, no other cluster, stack or tool owns
//! it or its link or domain, the configuration keeps its kind and stage), shows what it would
//! write and the plan `up` would then make (computed before writing: `adopt/preview.rs`),
//! asks, and writes the ownership tags on the API, its VPC link and the named custom domain.
//! Nothing else changes, names included: `up` finds the API and its link by their tags and
//! matches them by kind (`gw_core::ResourceKind::is_one_per_gateway`).
//!
//! Exit codes: 1 when AWS's state refuses it (another owner, another load balancer), 2 when
//! the input does (an id that does not exist, a configuration that would change the URL).

mod claim;
mod judge;
mod preview;
mod read;

use crate::cli::{Cli, OutputFormat};
use crate::commands::confirm;
use crate::desired;
use crate::error::CliError;
use crate::output;
use crate::session::Session;
use claim::Claim;
use gw_core::{DesiredGateway, GatewayKind, Ownership, Plan};
use judge::{Candidate, Gateway, Verdict};
use lb_discovery::LoadBalancer;
use serde::Serialize;

/// What the user named to adopt.
#[derive(Debug, Clone, Default)]
pub struct Ids {
    pub api_id: Option<String>,
    pub vpc_link_id: Option<String>,
    pub domain: Option<String>,
}

pub async fn run(cli: &Cli, ids: Ids, yes: bool) -> Result<(), CliError> {
    if ids.api_id.is_none() && (ids.vpc_link_id.is_some() || ids.domain.is_some()) {
        return Err(CliError::invalid(
            "--vpc-link-id and --domain go with --api-id: run `cortex-net adopt` to list the \
             candidates, then `cortex-net adopt --api-id ID`",
        ));
    }
    let session = Session::open(cli).await?;
    let (lb, gateways) = tokio::join!(
        session.load_balancer(),
        read::gateways(&session.sdk, &session.region)
    );
    let (lb, gateways) = (lb?, gateways?);
    match &ids.api_id {
        None => list(cli.output, &session, &lb, &gateways),
        Some(api_id) => {
            let gateway = gateways.iter().find(|g| &g.id == api_id).ok_or_else(|| {
                CliError::invalid(format!(
                    "no HTTP or REST API has the id {api_id} in {}: run `cortex-net adopt` \
                     without --api-id to list the candidates",
                    session.region
                ))
            })?;
            let chosen = Chosen {
                lb: &lb,
                gateway,
                owner: session.owner(),
                configured: session.config.settings.gateway.r#type,
            };
            adopt(cli.output, &session, chosen, &ids, yes).await
        }
    }
}

/// The listing: the load balancer and every API in front of it.
#[derive(Serialize)]
struct Listing<'a> {
    load_balancer: &'a str,
    dns_name: &'a str,
    candidates: Vec<Candidate>,
}

fn list(
    format: OutputFormat,
    session: &Session,
    lb: &LoadBalancer,
    gateways: &[Gateway],
) -> Result<(), CliError> {
    let listing = Listing {
        load_balancer: &lb.name,
        dns_name: &lb.dns_name,
        candidates: gateways
            .iter()
            .filter(|g| g.fronts(lb))
            .map(|g| g.candidate(lb, session.owner()))
            .collect(),
    };
    output::emit(format, &listing, || list_text(&listing))
}

fn list_text(listing: &Listing<'_>) {
    println!(
        "Gateways in front of load balancer {} ({}):",
        listing.load_balancer, listing.dns_name
    );
    if listing.candidates.is_empty() {
        println!("  none: no HTTP or REST API of this region sends requests to it");
    }
    for found in &listing.candidates {
        let kind = found.kind.map(|k| k.as_str()).unwrap_or("?");
        println!("  {kind} API {} ({})", found.id, found.name);
        for url in &found.invoke_urls {
            println!("    invoke URL  {url}");
        }
        for link in &found.vpc_links {
            println!(
                "    VPC link    {} ({}, {})",
                link.id, link.name, link.version
            );
        }
        for domain in &found.domains {
            println!("    domain      {}", domain.name);
        }
        match &found.verdict {
            Verdict::Adoptable => println!(
                "    adoptable   cortex-net adopt --api-id {}{}",
                found.id,
                found
                    .domains
                    .first()
                    .map(|d| format!(" --domain {}", d.name))
                    .unwrap_or_default()
            ),
            Verdict::Adopted => println!("    adopted     already this cluster's"),
            Verdict::Refused { reason } => println!("    refused     {reason}"),
        }
    }
}

/// The API the user named, with what it is judged against.
#[derive(Clone, Copy)]
struct Chosen<'a> {
    lb: &'a LoadBalancer,
    gateway: &'a Gateway,
    owner: &'a Ownership,
    /// `gateway.type`.
    configured: GatewayKind,
}

/// What adoption does: printed before asking, and (JSON) once done.
#[derive(Serialize)]
struct Adoption {
    api: Candidate,
    invoke_url: String,
    claims: Vec<Claim>,
    /// What `up` would change once adopted.
    plan_after: Plan,
    adopted: bool,
}

async fn adopt(
    format: OutputFormat,
    session: &Session,
    chosen: Chosen<'_>,
    ids: &Ids,
    yes: bool,
) -> Result<(), CliError> {
    let Chosen { lb, gateway, .. } = chosen;
    let desired = desired::build(&session.config, &session.region, lb)?;
    let kind = check_fits(chosen, &desired, ids)?;
    let domain = ids
        .domain
        .clone()
        .or_else(|| desired.domain.as_ref().map(|d| d.name.clone()));
    let claims = claim::claims(gateway, kind, session.owner(), domain.as_deref());
    let plan_after = preview::plan_after(session, &desired, &claim::as_claimed(&claims)).await?;
    let mut adoption = Adoption {
        api: gateway.candidate(lb, session.owner()),
        invoke_url: gateway.invoke_url(&desired.stage),
        claims,
        plan_after,
        adopted: false,
    };
    if adoption.claims.is_empty() {
        adoption.adopted = true;
        return output::emit(format, &adoption, || {
            println!(
                "{} {} is this cluster's already: nothing to adopt. `cortex-net plan` shows \
                 what `up` would change:\n{}",
                kind.label(),
                gateway.id,
                adoption.plan_after
            );
        });
    }
    // People see what they confirm: on stdout as text, on stderr when stdout is JSON.
    match format {
        OutputFormat::Text => print!("{}", adoption_text(&adoption, &lb.name)),
        OutputFormat::Json if !yes => eprint!("{}", adoption_text(&adoption, &lb.name)),
        OutputFormat::Json => {}
    }
    confirm(yes, "Adopt these resources (tags only)?")?;
    claim::write(&session.sdk, kind, &adoption.claims).await?;
    adoption.adopted = true;
    output::emit(format, &adoption, || {
        println!(
            "Adopted: the gateway is this cluster's. Its invoke URL stays {}; run `cortex-net up` \
             to converge it to the configuration.",
            adoption.invoke_url
        );
    })
}

fn adoption_text(adoption: &Adoption, lb: &str) -> String {
    let kind = adoption.api.kind.map(|k| k.label()).unwrap_or("API");
    let mut text = format!(
        "Adopting {kind} {} ({}) in front of load balancer {lb}; its invoke URL stays {}.\n\
         Adoption writes only tags (names stay):\n",
        adoption.api.id, adoption.api.name, adoption.invoke_url
    );
    for claim in &adoption.claims {
        text.push_str(&format!("  {}\n", claim.describe()));
    }
    text.push_str(&format!(
        "Then `cortex-net up` would make this plan:\n{}\n",
        adoption.plan_after
    ));
    text
}

/// Refuses what cortex-net may not take (AWS state: exit 1) and what the configuration or the
/// ids given would get wrong (exit 2); the gateway's kind otherwise.
fn check_fits(
    chosen: Chosen<'_>,
    desired: &DesiredGateway,
    ids: &Ids,
) -> Result<GatewayKind, CliError> {
    let Chosen {
        lb,
        gateway,
        owner,
        configured,
    } = chosen;
    let kind = gateway.kind.unwrap_or(configured);
    let what = format!("{} {} ({})", kind.label(), gateway.id, gateway.name);
    if let Verdict::Refused { reason } = gateway.verdict(lb, owner) {
        return Err(CliError::failed(format!(
            "refusing to adopt {what}: {reason}"
        )));
    }
    if kind != configured {
        return Err(CliError::invalid(format!(
            "{what} is a {kind} gateway but `gateway.type` is {configured}: set `gateway.type: \
             {kind}` in cortex-net.yaml, then adopt again (or `up` would replace it)"
        )));
    }
    if !gateway.stages.is_empty() && !gateway.stages.contains(&desired.stage) {
        return Err(CliError::invalid(format!(
            "{what} serves stage(s) {} but the configuration's stage is {}: set \
             `gateway.stage: {}` in cortex-net.yaml so that its invoke URL stays, then adopt \
             again",
            gateway.stages.join(", "),
            desired.stage,
            gateway.stages[0]
        )));
    }
    check_named(gateway, desired, ids, &what)?;
    Ok(kind)
}

/// The VPC link and domain named must be the API's own, and a domain the configuration's.
fn check_named(
    gateway: &Gateway,
    desired: &DesiredGateway,
    ids: &Ids,
    what: &str,
) -> Result<(), CliError> {
    if let Some(link) = &ids.vpc_link_id
        && !gateway.links.iter().any(|l| &l.id == link)
    {
        let used: Vec<&str> = gateway.links.iter().map(|l| l.id.as_str()).collect();
        return Err(CliError::invalid(format!(
            "VPC link {link} is not the one {what} uses ({}): leave --vpc-link-id out (the \
             API's own link is adopted with it)",
            if used.is_empty() {
                "none".to_string()
            } else {
                used.join(", ")
            }
        )));
    }
    let Some(domain) = &ids.domain else {
        return Ok(());
    };
    if !gateway.domains.iter().any(|d| &d.name == domain) {
        return Err(CliError::invalid(format!(
            "custom domain {domain} is not mapped to {what}: name the domain mapped to it, or \
             leave --domain out"
        )));
    }
    if desired.domain.as_ref().map(|d| &d.name) != Some(domain) {
        return Err(CliError::invalid(format!(
            "custom domain {domain} is not the configuration's: set `gateway.domain: {domain}` \
             and its certificate in cortex-net.yaml (or `up` would remove it), then adopt again"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::load_balancer;
    use gw_core::{DomainSpec, LoadBalancerKind, Scheme};
    use judge::Shared;

    fn lb() -> LoadBalancer {
        load_balancer(Scheme::InternetFacing, LoadBalancerKind::Network)
    }

    fn by_hand(lb: &LoadBalancer, kind: GatewayKind, stage: &str) -> Gateway {
        Gateway {
            kind: Some(kind),
            id: "a1".into(),
            name: "by-hand".into(),
            stages: vec![stage.to_string()],
            targets: vec![(format!("http://{}/{{proxy}}", lb.dns_name), None)],
            domains: vec![Shared {
                name: "api.example.com".into(),
                tags: Default::default(),
            }],
            ..Gateway::default()
        }
    }

    fn fits(
        gateway: &Gateway,
        configured: GatewayKind,
        ids: &Ids,
    ) -> Result<GatewayKind, CliError> {
        let lb = lb();
        let owner = Ownership::new("prod");
        let mut desired = gw_core::testing::desired(configured).build();
        desired.domain = Some(DomainSpec {
            name: "api.example.com".into(),
            certificate_arn: "arn:cert".into(),
        });
        let chosen = Chosen {
            lb: &lb,
            gateway,
            owner: &owner,
            configured,
        };
        check_fits(chosen, &desired, ids)
    }

    fn refused(result: Result<GatewayKind, CliError>) -> CliError {
        match result {
            Ok(kind) => panic!("adopted as {kind}"),
            Err(error) => error,
        }
    }

    #[test]
    fn the_guides_gateway_fits_a_configuration_of_its_kind_and_stage() {
        let lb = lb();
        let http = by_hand(&lb, GatewayKind::Http, "$default");
        let kind =
            fits(&http, GatewayKind::Http, &Ids::default()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(kind, GatewayKind::Http);
        let rest = by_hand(&lb, GatewayKind::Rest, "dev");
        let ids = Ids {
            domain: Some("api.example.com".into()),
            ..Ids::default()
        };
        assert!(fits(&rest, GatewayKind::Rest, &ids).is_ok());
    }

    #[test]
    fn what_would_change_the_url_or_the_kind_is_invalid_input_with_the_setting_to_change() {
        let lb = lb();
        let rest = by_hand(&lb, GatewayKind::Rest, "prod");
        let stage = refused(fits(&rest, GatewayKind::Rest, &Ids::default()));
        assert_eq!(stage.exit_code(), crate::EXIT_INVALID_INPUT);
        assert!(stage.to_string().contains("gateway.stage: prod"), "{stage}");
        let kind = refused(fits(&rest, GatewayKind::Http, &Ids::default()));
        assert_eq!(kind.exit_code(), crate::EXIT_INVALID_INPUT);
        assert!(kind.to_string().contains("gateway.type: rest"), "{kind}");

        let http = by_hand(&lb, GatewayKind::Http, "$default");
        for (ids, says) in [
            (
                Ids {
                    vpc_link_id: Some("l9".into()),
                    ..Ids::default()
                },
                "VPC link l9",
            ),
            (
                Ids {
                    domain: Some("other.example.com".into()),
                    ..Ids::default()
                },
                "not mapped",
            ),
        ] {
            let error = refused(fits(&http, GatewayKind::Http, &ids));
            assert_eq!(error.exit_code(), crate::EXIT_INVALID_INPUT);
            assert!(error.to_string().contains(says), "{error}");
        }
    }

    #[test]
    fn someone_elses_gateway_is_an_aws_state_refusal() {
        let lb = lb();
        let mut http = by_hand(&lb, GatewayKind::Http, "$default");
        http.tags = [(gw_core::STACK_TAG.to_string(), "net".to_string())].into();
        let error = refused(fits(&http, GatewayKind::Http, &Ids::default()));
        assert_eq!(error.exit_code(), crate::EXIT_FAILURE);
        assert!(
            error
                .to_string()
                .starts_with("refusing to adopt HTTP API a1"),
            "{error}"
        );
    }

    #[test]
    fn the_preview_names_the_kept_url_every_write_and_the_plan_after() {
        let lb = lb();
        let gateway = by_hand(&lb, GatewayKind::Http, "$default");
        let owner = Ownership::new("prod");
        let claims = claim::claims(&gateway, GatewayKind::Http, &owner, None);
        let adoption = Adoption {
            api: gateway.candidate(&lb, &owner),
            invoke_url: "https://a1.example".into(),
            claims,
            plan_after: Plan::default(),
            adopted: false,
        };
        let text = adoption_text(&adoption, &lb.name);
        assert!(text.starts_with("Adopting HTTP API a1 (by-hand)"), "{text}");
        assert!(text.contains("stays https://a1.example"), "{text}");
        assert!(
            text.contains("only tags (names stay):\n  HTTP API a1 (by-hand): tag "),
            "{text}"
        );
        assert!(!text.contains("rename"), "{text}");
        assert!(
            !text.contains("custom domain"),
            "not named, not adopted: {text}"
        );
        assert!(
            text.ends_with("No changes: AWS already matches the configuration.\n"),
            "{text}"
        );
    }

    #[test]
    fn observations_name_the_kept_api_as_up_names_the_gateway() {
        // gw_core names the kept API and link `cortex-<cluster>` so that references to an
        // adopted one compare equal to the desired state: the name `desired` gives.
        let mut observed = gw_core::Observed {
            resources: vec![gw_core::ObservedResource {
                resource: gw_core::Resource::new(gw_core::ResourceKind::Api, "by-hand"),
                id: "a1".into(),
                parent_id: None,
                created_millis: None,
            }],
        };
        observed.name_kept(gw_core::ResourceKind::Api, &Ownership::new("prod"));
        assert_eq!(
            observed.resources[0].resource.name,
            desired::gateway_name("prod")
        );
    }
}

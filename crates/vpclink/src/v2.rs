//! VPC links v2 (`apigatewayv2`): HTTP APIs, and REST APIs to an NLB or ALB, through the load
//! balancer's subnets and security groups. Tags come back with every link.

use std::collections::HashMap;

use aws_sdk_apigatewayv2::Client;
use aws_sdk_apigatewayv2::types::VpcLinkStatus;
use gw_core::{Ownership, Progress};

use crate::aws::{aws_error, delete_error, is_not_found};
use crate::{Link, LinkError, Status, Version, WaitOptions};

/// Links carrying both ownership tags for `owner`'s cluster; every other link is invisible.
pub async fn find_owned(client: &Client, owner: &Ownership) -> Result<Vec<Link>, LinkError> {
    let mut found = Vec::new();
    let mut next_token: Option<String> = None;
    loop {
        let page = client
            .get_vpc_links()
            .set_next_token(next_token.clone())
            .send()
            .await
            .map_err(|e| aws_error("GetVpcLinks", &e))?;
        for item in page.items() {
            if !item.tags().is_some_and(|tags| owner.owns(tags)) {
                continue;
            }
            let mut link = to_link(
                "GetVpcLinks",
                item.vpc_link_id(),
                item.name(),
                item.subnet_ids(),
                item.security_group_ids(),
                item.vpc_link_status(),
                item.vpc_link_status_message(),
            )?;
            link.created_millis = item.created_date().and_then(|d| d.to_millis().ok());
            found.push(link);
        }
        match page.next_token() {
            Some(next) if !next.is_empty() && next_token.as_deref() != Some(next) => {
                next_token = Some(next.to_string());
            }
            _ => break,
        }
    }
    Ok(found)
}

/// Creates a link in `subnets` with `security_groups`, tagged for `owner` at creation.
pub async fn create(
    client: &Client,
    owner: &Ownership,
    name: &str,
    subnets: &[String],
    security_groups: &[String],
) -> Result<Link, LinkError> {
    let tags: HashMap<String, String> = owner.tags().into_iter().collect();
    let out = client
        .create_vpc_link()
        .name(name)
        .set_subnet_ids(Some(subnets.to_vec()))
        .set_security_group_ids(Some(security_groups.to_vec()))
        .set_tags(Some(tags))
        // Sent once: a lost answer is settled by finding the link by its tags.
        .customize()
        .config_override(
            aws_sdk_apigatewayv2::Config::builder().retry_classifier(aws_calls::CreateOnce),
        )
        .send()
        .await
        .map_err(|e| aws_error("CreateVpcLink", &e))?;
    let link = to_link(
        "CreateVpcLink",
        out.vpc_link_id(),
        out.name(),
        out.subnet_ids(),
        out.security_group_ids(),
        out.vpc_link_status(),
        out.vpc_link_status_message(),
    )?;
    tracing::info!(
        "created {} in subnets {}",
        link.describe(),
        link.targets.join(", ")
    );
    Ok(link)
}

/// The link with this id, or `None` if it does not exist.
pub async fn get(client: &Client, id: &str) -> Result<Option<Link>, LinkError> {
    match client.get_vpc_link().vpc_link_id(id).send().await {
        Ok(out) => to_link(
            "GetVpcLink",
            out.vpc_link_id(),
            out.name(),
            out.subnet_ids(),
            out.security_group_ids(),
            out.vpc_link_status(),
            out.vpc_link_status_message(),
        )
        .map(Some),
        Err(e) if is_not_found(&e) => Ok(None),
        Err(e) => Err(aws_error("GetVpcLink", &e)),
    }
}

/// Requests the deletion of the link `id` (which must come from [`find_owned`]). A link already
/// gone counts as deleted. AWS refuses while an integration references the link.
pub async fn delete(client: &Client, id: &str) -> Result<(), LinkError> {
    match client.delete_vpc_link().vpc_link_id(id).send().await {
        Ok(_) => Ok(()),
        Err(e) if is_not_found(&e) => Ok(()),
        Err(e) => Err(delete_error(&e)),
    }
}

/// [`crate::wait_available`] polling [`get`].
pub async fn wait_available(
    client: &Client,
    link: &Link,
    options: &WaitOptions,
    progress: &dyn Progress,
) -> Result<Link, LinkError> {
    crate::wait_available(link, options, progress, || get(client, &link.id)).await
}

/// [`crate::wait_deleted`] polling [`get`].
pub async fn wait_deleted(
    client: &Client,
    link: &Link,
    options: &WaitOptions,
    progress: &dyn Progress,
) -> Result<(), LinkError> {
    crate::wait_deleted(link, options, progress, || get(client, &link.id)).await
}

fn to_link(
    operation: &str,
    id: Option<&str>,
    name: Option<&str>,
    subnets: &[String],
    security_groups: &[String],
    status: Option<&VpcLinkStatus>,
    status_message: Option<&str>,
) -> Result<Link, LinkError> {
    let id = id.filter(|id| !id.is_empty()).ok_or_else(|| {
        LinkError::Unexpected(format!("{operation} returned a VPC link without an id"))
    })?;
    let mut targets = subnets.to_vec();
    targets.sort();
    let mut security_groups = security_groups.to_vec();
    security_groups.sort();
    Ok(Link {
        id: id.to_string(),
        name: name.unwrap_or_default().to_string(),
        version: Version::V2,
        // AWS always sends a status; a missing one is treated as not ready yet.
        status: status.map_or(Status::Pending, |s| Status::from_aws(s.as_str())),
        status_message: status_message.filter(|m| !m.is_empty()).map(str::to_string),
        targets,
        security_groups,
        created_millis: None,
    })
}

#[cfg(test)]
mod tests;

//! VPC links v1 (`apigateway`): REST APIs to a Network Load Balancer.
//!
//! `GetVpcLinks` returns each link's tags; when an item comes without them (some
//! implementations omit them), they are read with `GetTags` on the link's ARN,
//! `arn:<partition>:apigateway:<region>::/vpclinks/<id>`.

use std::collections::HashMap;

use aws_sdk_apigateway::Client;
use aws_sdk_apigateway::types::VpcLinkStatus;
use gw_core::{Ownership, Progress};

use crate::aws::{aws_error, delete_error, is_not_found};
use crate::{Link, LinkError, Status, Version, WaitOptions};

/// The most `GetVpcLinks` returns per page.
const PAGE_SIZE: i32 = 500;

/// Links carrying both ownership tags for `owner`'s cluster; every other link is invisible.
pub async fn find_owned(client: &Client, owner: &Ownership) -> Result<Vec<Link>, LinkError> {
    let mut found = Vec::new();
    let mut position: Option<String> = None;
    loop {
        let page = client
            .get_vpc_links()
            .limit(PAGE_SIZE)
            .set_position(position.clone())
            .send()
            .await
            .map_err(|e| aws_error("GetVpcLinks", &e))?;
        for item in page.items() {
            let Some(id) = item.id() else {
                // Without an id it can be neither tagged-checked nor used.
                tracing::warn!("GetVpcLinks returned a VPC link without an id; ignoring it");
                continue;
            };
            let owned = match item.tags().filter(|tags| !tags.is_empty()) {
                Some(tags) => owner.owns(tags),
                None => owner.owns(&get_tags(client, id).await?),
            };
            if owned {
                found.push(to_link(
                    "GetVpcLinks",
                    item.id(),
                    item.name(),
                    item.target_arns(),
                    item.status(),
                    item.status_message(),
                )?);
            }
        }
        match page.position() {
            Some(next) if !next.is_empty() && position.as_deref() != Some(next) => {
                position = Some(next.to_string());
            }
            _ => break,
        }
    }
    Ok(found)
}

/// Creates a link to `nlb_arn`, tagged for `owner` at creation. The tags are then read back
/// and put again with `TagResource` if they did not stick: an untagged link would be invisible
/// to [`find_owned`], and the next run would create a second one.
pub async fn create(
    client: &Client,
    owner: &Ownership,
    name: &str,
    nlb_arn: &str,
) -> Result<Link, LinkError> {
    let tags: HashMap<String, String> = owner.tags().into_iter().collect();
    let out = client
        .create_vpc_link()
        .name(name)
        .description(format!(
            "cortex-net: API Gateway to the load balancer of Cortex cluster {}",
            owner.cluster()
        ))
        .target_arns(nlb_arn)
        .set_tags(Some(tags.clone()))
        // Sent once: a lost answer is settled by finding the link by its tags.
        .customize()
        .config_override(
            aws_sdk_apigateway::Config::builder().retry_classifier(aws_calls::CreateOnce),
        )
        .send()
        .await
        .map_err(|e| aws_error("CreateVpcLink", &e))?;
    let link = to_link(
        "CreateVpcLink",
        out.id(),
        out.name(),
        out.target_arns(),
        out.status(),
        out.status_message(),
    )?;
    tracing::info!("created {} to {nlb_arn}", link.describe());

    let stuck = match get_tags(client, &link.id).await {
        Ok(found) => owner.owns(&found),
        Err(error) => {
            tracing::warn!(
                "could not read the tags of {} back ({error}); tagging it again",
                link.describe()
            );
            false
        }
    };
    if !stuck {
        let arn = arn(client, &link.id)?;
        client
            .tag_resource()
            .resource_arn(&arn)
            .set_tags(Some(tags))
            .send()
            .await
            .map_err(|e| {
                LinkError::from(aws_calls::aws_error("TagResource", &e).with_hint(format!(
                    "{} was created but is not tagged as cortex-net's, so the next run would \
                     not find it: tag it (aws apigateway tag-resource --resource-arn {arn} --tags \
                     {}={},{}={}) or delete it (aws apigateway delete-vpc-link --vpc-link-id {}) \
                     before re-running",
                    link.describe(),
                    gw_core::CLUSTER_TAG,
                    owner.cluster(),
                    gw_core::MANAGED_BY_TAG,
                    gw_core::MANAGED_BY_VALUE,
                    link.id,
                )))
            })?;
        tracing::info!("tagged {} after creation", link.describe());
    }
    Ok(link)
}

/// The link with this id, or `None` if it does not exist.
pub async fn get(client: &Client, id: &str) -> Result<Option<Link>, LinkError> {
    match client.get_vpc_link().vpc_link_id(id).send().await {
        Ok(out) => to_link(
            "GetVpcLink",
            out.id(),
            out.name(),
            out.target_arns(),
            out.status(),
            out.status_message(),
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

/// The ARN API Gateway tags a v1 link by: `arn:aws:apigateway:<region>::/vpclinks/<id>`.
pub fn arn(client: &Client, id: &str) -> Result<String, LinkError> {
    let region = client
        .config()
        .region()
        .map(|r| r.as_ref().to_string())
        .ok_or_else(|| {
            LinkError::Unexpected(
                "no AWS region is configured. Set `region` in cluster.yaml, --region, or \
                 AWS_REGION"
                    .to_string(),
            )
        })?;
    Ok(arn_in(&region, id))
}

pub(crate) fn arn_in(region: &str, id: &str) -> String {
    let partition = if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    };
    format!("arn:{partition}:apigateway:{region}::/vpclinks/{id}")
}

async fn get_tags(client: &Client, id: &str) -> Result<HashMap<String, String>, LinkError> {
    let arn = arn(client, id)?;
    match client.get_tags().resource_arn(&arn).send().await {
        Ok(out) => Ok(out.tags().cloned().unwrap_or_default()),
        // Deleted between the listing and now: it has no tags, so it is not ours.
        Err(e) if is_not_found(&e) => Ok(HashMap::new()),
        Err(e) => Err(aws_error("GetTags", &e)),
    }
}

fn to_link(
    operation: &str,
    id: Option<&str>,
    name: Option<&str>,
    targets: &[String],
    status: Option<&VpcLinkStatus>,
    status_message: Option<&str>,
) -> Result<Link, LinkError> {
    let id = id.filter(|id| !id.is_empty()).ok_or_else(|| {
        LinkError::Unexpected(format!("{operation} returned a VPC link without an id"))
    })?;
    let mut targets = targets.to_vec();
    targets.sort();
    Ok(Link {
        id: id.to_string(),
        name: name.unwrap_or_default().to_string(),
        version: Version::V1,
        // AWS always sends a status; a missing one is treated as not ready yet.
        status: status.map_or(Status::Pending, |s| Status::from_aws(s.as_str())),
        status_message: status_message.filter(|m| !m.is_empty()).map(str::to_string),
        targets,
        security_groups: Vec::new(),
        created_millis: None,
    })
}

#[cfg(test)]
mod tests;

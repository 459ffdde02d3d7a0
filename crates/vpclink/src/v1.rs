//! VPC links v1 (`apigateway`): REST APIs to a Network Load Balancer.
//!
//! `GetVpcLinks` returns each link's tags; when an item comes without them (some
//! implementations omit them), they are read with `GetTags` on the link's ARN,
//! `arn:<partition>:apigateway:<region>::/vpclinks/<id>`. Tags given to `CreateVpcLink` are read
//! back, and put again with `TagResource` when they did not stick.
//!
//! The functions here are [`crate::links`] bound to the `apigateway` client.

use aws_calls::AwsResultExt;
use aws_sdk_apigateway::Client;
use gw_core::Ownership;

use crate::link::LinkFields;
use crate::links::{self, Listed, NewLink, Tags, VpcLinkApi};
use crate::{Link, LinkError, Version};

/// The most `GetVpcLinks` returns per page.
const PAGE_SIZE: i32 = 500;

/// The fields of a v1 link, which the SDK repeats in `VpcLink`, `GetVpcLinkOutput` and
/// `CreateVpcLinkOutput`.
macro_rules! fields {
    ($operation:literal, $link:expr) => {
        LinkFields {
            operation: $operation,
            version: Version::V1,
            id: $link.id(),
            name: $link.name(),
            targets: $link.target_arns(),
            security_groups: &[],
            status: $link.status().map(|s| s.as_str()),
            status_message: $link.status_message(),
            // v1 links carry no date.
            created_millis: None,
        }
    };
}

impl VpcLinkApi for Client {
    const VERSION: Version = Version::V1;
    /// The Network Load Balancer's ARN.
    type Target = str;

    async fn list_links(&self) -> Result<Vec<Listed>, LinkError> {
        let items = self
            .get_vpc_links()
            .limit(PAGE_SIZE)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .aws("GetVpcLinks")?;
        let mut listed = Vec::with_capacity(items.len());
        for item in &items {
            let Some(id) = item.id() else {
                // Without an id it can be neither tag-checked nor used.
                tracing::warn!("GetVpcLinks returned a VPC link without an id; ignoring it");
                continue;
            };
            let tags = match item.tags().filter(|tags| !tags.is_empty()) {
                Some(tags) => tags.clone(),
                None => get_tags(self, id).await?,
            };
            listed.push(Listed {
                link: fields!("GetVpcLinks", item).into_link(),
                tags,
            });
        }
        Ok(listed)
    }

    async fn create_link(&self, new: &NewLink<'_, str>) -> Result<Link, LinkError> {
        let link = crate::sdk::create_once!(
            aws_sdk_apigateway,
            self.create_vpc_link()
                .name(new.name)
                .description(format!(
                    "cortex-net: API Gateway to the load balancer of Cortex cluster {}",
                    new.owner.cluster()
                ))
                .target_arns(new.target)
                .set_tags(Some(new.owner.tags().into_iter().collect()))
        );
        tracing::info!("created {} to {}", link.describe(), new.target);
        ensure_tagged(self, new.owner, &link).await?;
        Ok(link)
    }

    crate::sdk::get_and_delete!();
}

/// Reads the tags of a new link back and tags it again when the create-time tags did not
/// stick; a link that cannot be tagged is reported with its id and how to tag or delete it.
async fn ensure_tagged(client: &Client, owner: &Ownership, link: &Link) -> Result<(), LinkError> {
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
    if stuck {
        return Ok(());
    }
    let arn = arn(client, &link.id)?;
    client
        .tag_resource()
        .resource_arn(&arn)
        .set_tags(Some(owner.tags().into_iter().collect()))
        .send()
        .await
        .aws("TagResource")
        .map_err(|error| {
            error.with_hint(format!(
                "{} was created but is not tagged as cortex-net's, so the next run would not \
                 find it: tag it (aws apigateway tag-resource --resource-arn {arn} --tags \
                 {}={},{}={}) or delete it (aws apigateway delete-vpc-link --vpc-link-id {}) \
                 before re-running",
                link.describe(),
                gw_core::CLUSTER_TAG,
                owner.cluster(),
                gw_core::MANAGED_BY_TAG,
                gw_core::MANAGED_BY_VALUE,
                link.id,
            ))
        })?;
    tracing::info!("tagged {} after creation", link.describe());
    Ok(())
}

/// The tags of link `id`; none when it was deleted since it was listed (so it is not ours).
async fn get_tags(client: &Client, id: &str) -> Result<Tags, LinkError> {
    let arn = arn(client, id)?;
    match client
        .get_tags()
        .resource_arn(&arn)
        .send()
        .await
        .aws("GetTags")
    {
        Ok(out) => Ok(out.tags().cloned().unwrap_or_default()),
        Err(error) if error.is_not_found() => Ok(Tags::new()),
        Err(error) => Err(error.into()),
    }
}

crate::links::bound_to!(Client);

/// Creates a link to `nlb_arn`, tagged for `owner` at creation. The tags are then read back
/// and put again with `TagResource` if they did not stick: an untagged link would be invisible
/// to [`find_owned`], and the next run would create a second one.
pub async fn create(
    client: &Client,
    owner: &Ownership,
    name: &str,
    nlb_arn: &str,
) -> Result<Link, LinkError> {
    links::create(client, owner, name, nlb_arn).await
}

/// The ARN API Gateway tags a v1 link by, in the client's region and its partition:
/// `arn:<partition>:apigateway:<region>::/vpclinks/<id>`.
pub fn arn(client: &Client, id: &str) -> Result<String, LinkError> {
    let region = client.config().region().ok_or_else(|| {
        LinkError::Unexpected(
            "no AWS region is configured. Set `region` in cluster.yaml, --region, or AWS_REGION"
                .to_string(),
        )
    })?;
    Ok(gw_core::apigateway_arn(
        region.as_ref(),
        &format!("/vpclinks/{id}"),
    ))
}

#[cfg(test)]
mod tests;

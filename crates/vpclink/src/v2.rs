//! VPC links v2 (`apigatewayv2`): HTTP APIs, and REST APIs to an NLB or ALB, through the load
//! balancer's subnets and security groups. Tags come back with every link, and so does the
//! creation date that settles duplicates.
//!
//! The functions here are [`crate::links`] bound to the `apigatewayv2` client.

use aws_calls::AwsResultExt;
use aws_sdk_apigatewayv2::Client;
use gw_core::Ownership;

use crate::link::LinkFields;
use crate::links::{self, Listed, NewLink, VpcLinkApi};
use crate::{Link, LinkError, Version};

/// Where a v2 link is made: the load balancer's subnets and security groups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    pub subnets: Vec<String>,
    pub security_groups: Vec<String>,
}

/// The fields of a v2 link, which the SDK repeats in `VpcLink`, `GetVpcLinkOutput` and
/// `CreateVpcLinkOutput`.
macro_rules! fields {
    ($operation:literal, $link:expr) => {
        LinkFields {
            operation: $operation,
            version: Version::V2,
            id: $link.vpc_link_id(),
            name: $link.name(),
            targets: $link.subnet_ids(),
            security_groups: $link.security_group_ids(),
            status: $link.vpc_link_status().map(|s| s.as_str()),
            status_message: $link.vpc_link_status_message(),
            created_millis: $link.created_date().and_then(|d| d.to_millis().ok()),
        }
    };
}

impl VpcLinkApi for Client {
    const VERSION: Version = Version::V2;
    type Target = Placement;

    async fn list_links(&self) -> Result<Vec<Listed>, LinkError> {
        let items = aws_calls::all_pages(|token| async move {
            let page = self
                .get_vpc_links()
                .set_next_token(token)
                .send()
                .await
                .aws("GetVpcLinks")?;
            let next = page.next_token().map(str::to_string);
            Ok((page.items.unwrap_or_default(), next))
        })
        .await?;
        Ok(items
            .iter()
            .map(|item| Listed {
                link: fields!("GetVpcLinks", item).into_link(),
                tags: item.tags().cloned().unwrap_or_default(),
            })
            .collect())
    }

    async fn create_link(&self, new: &NewLink<'_, Placement>) -> Result<Link, LinkError> {
        let link = crate::sdk::create_once!(
            aws_sdk_apigatewayv2,
            self.create_vpc_link()
                .name(new.name)
                .set_subnet_ids(Some(new.target.subnets.clone()))
                .set_security_group_ids(Some(new.target.security_groups.clone()))
                .set_tags(Some(new.owner.tags().into_iter().collect()))
        );
        tracing::info!(
            "created {} in subnets {}",
            link.describe(),
            link.targets.join(", ")
        );
        Ok(link)
    }

    crate::sdk::get_and_delete!();
}

crate::links::bound_to!(Client);

/// Creates a link in `subnets` with `security_groups`, tagged for `owner` at creation.
pub async fn create(
    client: &Client,
    owner: &Ownership,
    name: &str,
    subnets: &[String],
    security_groups: &[String],
) -> Result<Link, LinkError> {
    let placement = Placement {
        subnets: subnets.to_vec(),
        security_groups: security_groups.to_vec(),
    };
    links::create(client, owner, name, &placement).await
}

#[cfg(test)]
mod tests;

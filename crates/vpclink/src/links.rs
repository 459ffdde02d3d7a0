//! What VPC links v1 and v2 share, written once: the four calls both APIs offer
//! ([`VpcLinkApi`], implemented by `aws_sdk_apigateway::Client` and
//! `aws_sdk_apigatewayv2::Client`) and the logic over them: which links are owned, in which
//! order, what a missing link means, the hint when AWS refuses a deletion, and the waits.
//!
//! `vpclink::v1::*` and `vpclink::v2::*` are these functions bound to one client.

use std::collections::HashMap;
use std::future::Future;

use gw_core::{AwsError, Ownership, Progress};

use crate::link::IN_USE_HINT;
use crate::{Link, LinkError, Version, WaitOptions};

/// A resource's tags, as both APIs carry them.
pub type Tags = HashMap<String, String>;

/// One link of a listing with its tags (read separately where the listing leaves them out).
#[derive(Debug)]
pub struct Listed {
    /// The link, or why AWS's answer cannot be one (a link without an id): an error only if
    /// the link turns out to be ours.
    pub link: Result<Link, LinkError>,
    pub tags: Tags,
}

/// A link to create: its name, its owner (whose tags it carries from the start) and where it
/// leads ([`VpcLinkApi::Target`]).
#[derive(Debug, Clone, Copy)]
pub struct NewLink<'a, T: ?Sized> {
    pub owner: &'a Ownership,
    pub name: &'a str,
    pub target: &'a T,
}

/// The calls on VPC links both API Gateway APIs offer, each turning AWS's answer into a
/// [`Link`] and SDK failures into [`gw_core::AwsError`]s. Implemented for the two SDK clients
/// only; use the functions of this module (or `vpclink::v1` / `vpclink::v2`) rather than these
/// methods, which leave the shared decisions (ownership, not found, waiting) to them.
pub trait VpcLinkApi: sealed::Sealed + Sync {
    /// The version of the links this API manages.
    const VERSION: Version;
    /// Where a new link leads: v1 a Network Load Balancer's ARN, v2 subnets and security
    /// groups ([`crate::v2::Placement`]).
    type Target: Sync + ?Sized;

    /// Every link of the account and region, with its tags.
    fn list_links(&self) -> impl Future<Output = Result<Vec<Listed>, LinkError>> + Send;

    /// The link `id`; AWS's `NotFoundException` (as [`LinkError::Aws`]) when there is none.
    fn get_link(&self, id: &str) -> impl Future<Output = Result<Link, LinkError>> + Send;

    /// Creates a link carrying the owner's tags, sent once (`aws_calls::CreateOnce`): a lost
    /// answer is settled by finding the link by its tags. Returns only once the tags are known
    /// to be on the link (v1 reads them back and tags again), since an untagged link would be
    /// invisible to [`find_owned`] and the next run would make a second one.
    fn create_link(
        &self,
        new: &NewLink<'_, Self::Target>,
    ) -> impl Future<Output = Result<Link, LinkError>> + Send;

    /// Requests the deletion of the link `id`.
    fn delete_link(&self, id: &str) -> impl Future<Output = Result<(), AwsError>> + Send;
}

pub(crate) mod sealed {
    /// Only this crate implements [`super::VpcLinkApi`]: the shared logic relies on what the two
    /// SDK implementations promise.
    pub trait Sealed {}
    impl Sealed for aws_sdk_apigateway::Client {}
    impl Sealed for aws_sdk_apigatewayv2::Client {}
}

/// An owned link and the CloudFormation stack its tags name ([`gw_core::STACK_TAG`]), if any:
/// a link a stack made is the stack's to change, even when it carries our tags too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnedLink {
    pub link: Link,
    pub stack: Option<String>,
}

/// Links carrying both ownership tags for `owner` (for v2, the gateway tag too when `owner`
/// names one); every other link is invisible. Oldest first, then by id (the order
/// `gw_core::ObservedResource::seniority` keeps duplicates in), so that every run picks the
/// same one of several.
pub async fn find_owned<A: VpcLinkApi>(api: &A, owner: &Ownership) -> Result<Vec<Link>, LinkError> {
    let owned = find_owned_with_stack(api, owner).await?;
    Ok(owned.into_iter().map(|owned| owned.link).collect())
}

/// [`find_owned`], each link with the stack its tags name (what observing reports).
pub async fn find_owned_with_stack<A: VpcLinkApi>(
    api: &A,
    owner: &Ownership,
) -> Result<Vec<OwnedLink>, LinkError> {
    let mut owned = Vec::new();
    for listed in api.list_links().await? {
        if owner.owns(&listed.tags) {
            let stack = gw_core::stack_of(&listed.tags).map(str::to_string);
            let link = listed.link?;
            owned.push(OwnedLink { link, stack });
        }
    }
    owned.sort_by(|a, b| a.link.seniority().cmp(&b.link.seniority()));
    Ok(owned)
}

/// Creates a link named `name` to `target`, tagged for `owner` (see
/// [`VpcLinkApi::create_link`]). Call it only after [`find_owned`] found none.
pub async fn create<A: VpcLinkApi>(
    api: &A,
    owner: &Ownership,
    name: &str,
    target: &A::Target,
) -> Result<Link, LinkError> {
    api.create_link(&NewLink {
        owner,
        name,
        target,
    })
    .await
}

/// The link with this id, or `None` if it does not exist.
pub async fn get<A: VpcLinkApi>(api: &A, id: &str) -> Result<Option<Link>, LinkError> {
    match api.get_link(id).await {
        Ok(link) => Ok(Some(link)),
        Err(error) if error.is_not_found() => Ok(None),
        Err(error) => Err(error),
    }
}

/// Requests the deletion of the link `id` (which must come from [`find_owned`]). A link already
/// gone counts as deleted. AWS refuses while an integration references the link
/// (`BadRequestException` for v1, `ConflictException` for v2): the error then says to delete
/// the integrations first.
pub async fn delete<A: VpcLinkApi>(api: &A, id: &str) -> Result<(), LinkError> {
    match api.delete_link(id).await {
        Ok(()) => Ok(()),
        Err(error) if error.is_not_found() => Ok(()),
        Err(error) if error.has_code("BadRequestException") || error.is_conflict() => {
            Err(error.with_hint(IN_USE_HINT).into())
        }
        Err(error) => Err(error.into()),
    }
}

/// [`crate::wait_available`] polling [`get`].
pub async fn wait_available<A: VpcLinkApi>(
    api: &A,
    link: &Link,
    options: &WaitOptions,
    progress: &dyn Progress,
) -> Result<Link, LinkError> {
    crate::wait::wait_available(link, options, progress, || get(api, &link.id)).await
}

/// [`crate::wait_deleted`] polling [`get`].
pub async fn wait_deleted<A: VpcLinkApi>(
    api: &A,
    link: &Link,
    options: &WaitOptions,
    progress: &dyn Progress,
) -> Result<(), LinkError> {
    crate::wait::wait_deleted(link, options, progress, || get(api, &link.id)).await
}

/// [`delete`], then [`wait_deleted`]: the link is gone when this returns `Ok`.
pub async fn delete_and_wait<A: VpcLinkApi>(
    api: &A,
    link: &Link,
    options: &WaitOptions,
    progress: &dyn Progress,
) -> Result<(), LinkError> {
    delete(api, &link.id).await?;
    wait_deleted(api, link, options, progress).await
}

/// The functions of this module bound to one SDK client, as `vpclink::v1::*` and
/// `vpclink::v2::*` (all but `create`, whose target differs).
macro_rules! bound_to {
    ($client:ty) => {
        /// Links carrying both ownership tags for `owner`'s cluster; every other link is
        /// invisible. See [`crate::links::find_owned`].
        pub async fn find_owned(
            client: &$client,
            owner: &gw_core::Ownership,
        ) -> Result<Vec<$crate::Link>, $crate::LinkError> {
            $crate::links::find_owned(client, owner).await
        }

        /// [`find_owned`], each link with the CloudFormation stack its tags name, if any. See
        /// [`crate::links::find_owned_with_stack`].
        pub async fn find_owned_with_stack(
            client: &$client,
            owner: &gw_core::Ownership,
        ) -> Result<Vec<$crate::links::OwnedLink>, $crate::LinkError> {
            $crate::links::find_owned_with_stack(client, owner).await
        }

        /// The link with this id, or `None` if it does not exist.
        pub async fn get(
            client: &$client,
            id: &str,
        ) -> Result<Option<$crate::Link>, $crate::LinkError> {
            $crate::links::get(client, id).await
        }

        /// Requests the deletion of the link `id` (which must come from [`find_owned`]). A
        /// link already gone counts as deleted. AWS refuses while an integration references
        /// the link. See [`crate::links::delete`].
        pub async fn delete(client: &$client, id: &str) -> Result<(), $crate::LinkError> {
            $crate::links::delete(client, id).await
        }

        /// [`crate::wait_available`] polling [`get`].
        pub async fn wait_available(
            client: &$client,
            link: &$crate::Link,
            options: &$crate::WaitOptions,
            progress: &dyn gw_core::Progress,
        ) -> Result<$crate::Link, $crate::LinkError> {
            $crate::links::wait_available(client, link, options, progress).await
        }

        /// [`crate::wait_deleted`] polling [`get`].
        pub async fn wait_deleted(
            client: &$client,
            link: &$crate::Link,
            options: &$crate::WaitOptions,
            progress: &dyn gw_core::Progress,
        ) -> Result<(), $crate::LinkError> {
            $crate::links::wait_deleted(client, link, options, progress).await
        }

        /// [`delete`], then [`wait_deleted`]: the link is gone when this returns `Ok`.
        pub async fn delete_and_wait(
            client: &$client,
            link: &$crate::Link,
            options: &$crate::WaitOptions,
            progress: &dyn gw_core::Progress,
        ) -> Result<(), $crate::LinkError> {
            $crate::links::delete_and_wait(client, link, options, progress).await
        }
    };
}
pub(crate) use bound_to;

#[cfg(test)]
pub(crate) mod tests;

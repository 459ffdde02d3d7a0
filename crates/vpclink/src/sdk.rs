//! What the two SDK crates spell alike (`get_vpc_link`, `delete_vpc_link`, a create sent once),
//! written once as macros for the two [`crate::VpcLinkApi`] implementations; each expands
//! where that version's `fields!` (its reading of a link) is in scope.

/// `get_link` and `delete_link` of [`crate::VpcLinkApi`].
macro_rules! get_and_delete {
    () => {
        async fn get_link(&self, id: &str) -> Result<$crate::Link, $crate::LinkError> {
            let out = self
                .get_vpc_link()
                .vpc_link_id(id)
                .send()
                .await
                .aws("GetVpcLink")?;
            fields!("GetVpcLink", out).into_link()
        }

        async fn delete_link(&self, id: &str) -> Result<(), gw_core::AwsError> {
            self.delete_vpc_link()
                .vpc_link_id(id)
                .send()
                .await
                .aws("DeleteVpcLink")
                .map(drop)
        }
    };
}
pub(crate) use get_and_delete;

/// Sends a `CreateVpcLink` request of the SDK crate `$sdk` once (`aws_calls::CreateOnce`: a
/// lost answer is settled by finding the link by its tags) and reads the new link.
macro_rules! create_once {
    ($sdk:ident, $request:expr) => {{
        let out = $request
            .customize()
            .config_override($sdk::Config::builder().retry_classifier(aws_calls::CreateOnce))
            .send()
            .await
            .aws("CreateVpcLink")?;
        fields!("CreateVpcLink", out).into_link()?
    }};
}
pub(crate) use create_once;

//! What `up` would change right after the adoption, computed before anything is written: the
//! provider observes AWS through clients whose listing answers carry the claimed tags
//! ([`AsClaimed`], an SDK interceptor on the answers), and the usual diff runs on that
//! observation. So the plan shown is the providers' own, on the state adoption leaves.

use aws_sdk_apigatewayv2::config::interceptors::FinalizerInterceptorContextMut;
use aws_sdk_apigatewayv2::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_apigatewayv2::error::BoxError;
use gw_core::{DesiredGateway, GatewayKind, GatewayProvider, Plan};
use std::collections::HashMap;
use std::sync::Arc;

use super::judge::Tags;
use crate::error::CliError;
use crate::session::Session;

/// The tags one resource gets (adoption writes nothing else).
#[derive(Debug, Clone, Default)]
pub(crate) struct Claimed {
    pub(crate) tags: Tags,
}

impl Claimed {
    fn lay_over(&self, tags: &mut Option<HashMap<String, String>>) {
        tags.get_or_insert_with(HashMap::new)
            .extend(self.tags.clone());
    }
}

/// The resources being adopted, by id (domains by name), as AWS will list them afterwards.
#[derive(Debug, Clone, Default)]
pub(crate) struct AsClaimed {
    pub(crate) apis: HashMap<String, Claimed>,
    pub(crate) links: HashMap<String, Claimed>,
    pub(crate) domains: HashMap<String, Claimed>,
}

/// Lays the claims (`AsClaimed`) over a listing answer of either API Gateway API (any
/// type-erased answer with `downcast_mut`); other answers pass untouched.
macro_rules! lay_over_answer {
    ($claims:expr, $answer:expr) => {{
        use aws_sdk_apigateway::operation as v1;
        use aws_sdk_apigatewayv2::operation as v2;
        let (claims, answer) = ($claims, $answer);
        if let Some(out) = answer.downcast_mut::<v2::get_apis::GetApisOutput>() {
            for api in out.items.iter_mut().flatten() {
                claims.api(api.api_id.as_deref(), &mut api.tags);
            }
        } else if let Some(out) = answer.downcast_mut::<v2::get_vpc_links::GetVpcLinksOutput>() {
            for link in out.items.iter_mut().flatten() {
                claims.link(link.vpc_link_id.as_deref(), &mut link.tags);
            }
        } else if let Some(out) =
            answer.downcast_mut::<v2::get_domain_names::GetDomainNamesOutput>()
        {
            for domain in out.items.iter_mut().flatten() {
                claims.domain(domain.domain_name.as_deref(), &mut domain.tags);
            }
        } else if let Some(out) = answer.downcast_mut::<v1::get_rest_apis::GetRestApisOutput>() {
            for api in out.items.iter_mut().flatten() {
                claims.api(api.id.as_deref(), &mut api.tags);
            }
        } else if let Some(out) = answer.downcast_mut::<v1::get_vpc_links::GetVpcLinksOutput>() {
            for link in out.items.iter_mut().flatten() {
                claims.link(link.id.as_deref(), &mut link.tags);
            }
        } else if let Some(out) =
            answer.downcast_mut::<v1::get_domain_names::GetDomainNamesOutput>()
        {
            for domain in out.items.iter_mut().flatten() {
                claims.domain(domain.domain_name.as_deref(), &mut domain.tags);
            }
        }
    }};
}

type TagMap = Option<HashMap<String, String>>;

impl AsClaimed {
    fn api(&self, id: Option<&str>, tags: &mut TagMap) {
        if let Some(claim) = id.and_then(|id| self.apis.get(id)) {
            claim.lay_over(tags);
        }
    }

    fn link(&self, id: Option<&str>, tags: &mut TagMap) {
        if let Some(claim) = id.and_then(|id| self.links.get(id)) {
            claim.lay_over(tags);
        }
    }

    fn domain(&self, name: Option<&str>, tags: &mut TagMap) {
        if let Some(claim) = name.and_then(|name| self.domains.get(name)) {
            claim.lay_over(tags);
        }
    }
}

impl Intercept for AsClaimed {
    fn name(&self) -> &'static str {
        "AsClaimed"
    }

    fn modify_before_completion(
        &self,
        context: &mut FinalizerInterceptorContextMut<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(Ok(answer)) = context.output_or_error_mut() {
            lay_over_answer!(self, answer);
        }
        Ok(())
    }
}

/// What `up` would change once `claims` are written: the provider of `kind` observes through
/// clients that see them already, and diffs against `desired`.
pub(crate) async fn plan_after(
    session: &Session,
    desired: &DesiredGateway,
    claims: &AsClaimed,
) -> Result<Plan, CliError> {
    let sdk = &session.sdk;
    let v2 = aws_sdk_apigatewayv2::config::Builder::from(sdk)
        .interceptor(claims.clone())
        .build();
    let v2 = aws_sdk_apigatewayv2::Client::from_conf(v2);
    let progress: Arc<dyn gw_core::Progress> = Arc::new(gw_core::LogProgress);
    let provider: Box<dyn GatewayProvider> = match session.config.settings.gateway.r#type {
        GatewayKind::Http => Box::new(gw_http::HttpApiProvider::new(v2, progress)),
        GatewayKind::Rest => {
            let v1 = aws_sdk_apigateway::config::Builder::from(sdk)
                .interceptor(claims.clone())
                .build();
            let v1 = aws_sdk_apigateway::Client::from_conf(v1);
            let protection = &session.config.settings.protection;
            let key_values = protection.api_keys.iter().any(|key| key.value.is_some());
            Box::new(gw_rest::RestApiProvider::new(v1, v2, progress).with_key_values(key_values))
        }
    };
    if !desired.routes.is_empty() {
        provider.check_supported(desired)?;
    }
    let observed = provider.observe(session.owner()).await?;
    let mut plan = gw_core::diff(&provider.desired_resources(desired), &observed);
    provider.annotate(&mut plan);
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_apigatewayv2::operation::get_apis::GetApisOutput;
    use aws_sdk_apigatewayv2::types::Api;
    use aws_smithy_types::type_erasure::TypeErasedBox;
    use gw_core::Ownership;

    #[test]
    fn a_listing_answer_carries_the_claimed_tags_and_keeps_its_name_and_own_tags() {
        let mut claims = AsClaimed::default();
        claims.apis.insert(
            "a1".into(),
            Claimed {
                tags: Ownership::new("prod").tags(),
            },
        );
        let answer = GetApisOutput::builder()
            .items(
                Api::builder()
                    .api_id("a1")
                    .name("by-hand")
                    .tags("team", "ml")
                    .build(),
            )
            .items(Api::builder().api_id("a2").name("other").build())
            .build();
        let mut erased = TypeErasedBox::new(answer);
        lay_over_answer!(&claims, &mut erased);
        let answer = erased
            .downcast::<GetApisOutput>()
            .expect("the same type back");
        let [adopted, other] = answer.items() else {
            panic!("two APIs")
        };
        assert_eq!(adopted.name(), Some("by-hand"));
        let tags = adopted.tags().expect("tags");
        assert!(Ownership::new("prod").owns(tags));
        assert_eq!(tags.get("team").map(String::as_str), Some("ml"));
        assert_eq!(other.name(), Some("other"));
        assert!(other.tags().is_none(), "an API not claimed is left alone");
    }
}

//! Routes: each targets the one integration, [`crate::INTEGRATION`], authorized as its API's
//! protection says (anyone, AWS_IAM, or the JWT authorizer with scopes).

use super::beside::{budgeted, budgeted_create};
use super::{Context, change_id, gone_is_done, parent_api};
use crate::protection::{authorization, scopes};
use crate::resources::route_protection;
use aws_calls::AwsResultExt;
use aws_sdk_apigatewayv2::types::AuthorizationType;
use gw_core::{Action, Auth, Change, JWT_AUTHORIZER, ProviderError, attr};

/// How a route is authorized, in AWS's terms.
struct Authorization {
    kind: AuthorizationType,
    /// The JWT authorizer's id: created earlier in this run, or observed.
    authorizer_id: Option<String>,
    scopes: Vec<String>,
}

impl Authorization {
    /// The authorization the route of `change` wants. API keys are refused before any plan
    /// (`check_supported`): an HTTP API has none.
    fn of(ctx: &Context<'_>, change: &Change) -> Result<Self, ProviderError> {
        let desired = ctx.desired(change)?;
        let protection = route_protection(desired, &change.name)
            .cloned()
            .unwrap_or_default();
        let kind = match protection.auth {
            Auth::None => AuthorizationType::None,
            Auth::Iam => AuthorizationType::AwsIam,
            Auth::Jwt => AuthorizationType::Jwt,
            Auth::ApiKey => {
                return Err(ProviderError::Unsupported(format!(
                    "route {} asks for an API key, which only REST APIs have",
                    change.name
                )));
            }
        };
        let authorizer_id = match protection.auth {
            Auth::Jwt => Some(
                ctx.ids
                    .authorizers
                    .get(JWT_AUTHORIZER)
                    .cloned()
                    .ok_or_else(|| {
                        ProviderError::Unexpected(format!(
                            "no id known for authorizer {JWT_AUTHORIZER} of route {}",
                            change.name
                        ))
                    })?,
            ),
            _ => None,
        };
        Ok(Authorization {
            kind,
            authorizer_id,
            scopes: scopes(&protection),
        })
    }
}

/// Creates, retargets or deletes one route. Only reads the context, so that routes can be sent
/// side by side (they always are: [`super::beside`], whose budget retries throttling).
pub(super) async fn apply(ctx: &Context<'_>, change: &Change) -> Result<(), ProviderError> {
    if change.action == Action::Delete {
        let deleted = ctx
            .client
            .delete_route()
            .api_id(parent_api(change)?)
            .route_id(change_id(change, "the resource to delete")?)
            .customize()
            .config_override(budgeted())
            .send()
            .await
            .map(|_| ())
            .aws("DeleteRoute");
        return gone_is_done(deleted);
    }
    ctx.desired(change)?;
    let api_id = ctx.api_id()?;
    let integration = ctx
        .ids
        .integrations
        .get(crate::INTEGRATION)
        .ok_or_else(|| {
            ProviderError::Unexpected(format!("no integration for route {}", change.name))
        })?;
    let target = format!("integrations/{integration}");
    let authorization = Authorization::of(ctx, change)?;
    if change.action == Action::Create {
        let scopes = Some(authorization.scopes).filter(|s| !s.is_empty());
        ctx.client
            .create_route()
            .api_id(api_id)
            .route_key(&change.name)
            .target(target)
            .authorization_type(authorization.kind)
            .set_authorizer_id(authorization.authorizer_id)
            .set_authorization_scopes(scopes)
            .customize()
            .config_override(budgeted_create())
            .send()
            .await
            .aws("CreateRoute")?;
    } else {
        // No attribute of a route is fixed: a replace is an update.
        let route_id = change_id(change, "the route")?;
        let mut update = ctx
            .client
            .update_route()
            .api_id(api_id)
            .route_id(route_id)
            .target(target);
        if authorization_changes(ctx, route_id, change) {
            // All of it, so that a route leaving JWT loses its authorizer (an empty id) and
            // its scopes (an empty list).
            update = update
                .authorization_type(authorization.kind)
                .authorizer_id(authorization.authorizer_id.unwrap_or_default())
                .set_authorization_scopes(Some(authorization.scopes));
        }
        update
            .customize()
            .config_override(budgeted())
            .send()
            .await
            .aws("UpdateRoute")?;
    }
    Ok(())
}

/// Whether the route `route_id` is authorized otherwise than `change` wants (a route whose
/// observation is unknown is assumed to be).
fn authorization_changes(ctx: &Context<'_>, route_id: &str, change: &Change) -> bool {
    let Some(observed) = ctx.routes.get(route_id) else {
        return true;
    };
    let Some(protection) = ctx.desired.and_then(|d| route_protection(d, &change.name)) else {
        return true;
    };
    observed.attribute(attr::AUTHORIZATION) != Some(authorization(protection.auth).as_str())
        || observed.attribute(attr::AUTHORIZATION_SCOPES)
            != Some(scopes(protection).join(",").as_str())
}

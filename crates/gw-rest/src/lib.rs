//! The REST API (API Gateway v1, `apigateway`) gateway provider: the kind Cortex's own guide
//! builds by hand, and the one that reaches an internal NLB through a VPC link v1.
//!
//! Status: the provider itself (resources `/{proxy+}` with `ANY`, `HTTP_PROXY` integrations,
//! deployments only when the API changed, stages) lands with the VPC link work; until then the
//! binary does not register it and answers `gateway.type: rest` with a clear "not supported
//! yet". What is here already is the part other crates rely on.
//!
//! This crate must never touch a REST API that lacks both ownership tags, and never create a
//! deployment when nothing changed (a converged `up` leaves the deployment history alone).

/// The `gateway.type` this provider serves.
pub const KIND: &str = "rest";

/// The stage a REST API gets when `gateway.stage` is not set (Cortex's guide uses `dev`).
pub const DEFAULT_STAGE: &str = "dev";

/// The URL clients call: REST APIs always carry the stage in the path.
pub fn invoke_url(api_id: &str, region: &str, stage: &str) -> String {
    format!("https://{api_id}.execute-api.{region}.amazonaws.com/{stage}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invoke_url_carries_the_stage() {
        assert_eq!(
            invoke_url("a1b2c3", "eu-west-1", DEFAULT_STAGE),
            "https://a1b2c3.execute-api.eu-west-1.amazonaws.com/dev"
        );
    }
}

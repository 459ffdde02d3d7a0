//! The attribute keys of [`crate::Resource`]s, shared by the providers, the diff's
//! [`crate::ResourceKind::fixed_attributes`] and the readers of observed state (`doctor`).

/// An API's protocol (`HTTP`); cannot change in place.
pub const PROTOCOL: &str = "protocol";
pub const CORS: &str = "cors";
pub const ENDPOINT_TYPE: &str = "endpoint_type";
/// A route's (HTTP) or method's (REST) authorization: `NONE`, `AWS_IAM`, `JWT <authorizer>`,
/// `API_KEY` (REST: no authorizer, an API key required).
pub const AUTHORIZATION: &str = "authorization";
pub const REQUEST_PARAMETERS: &str = "request_parameters";
pub const RESPONSES: &str = "responses";
/// An integration's type (`HTTP_PROXY`, `MOCK`).
pub const TYPE: &str = "type";
/// An integration's HTTP method.
pub const METHOD: &str = "method";
/// Where an integration forwards to.
pub const URI: &str = "uri";
/// `INTERNET`, or the VPC link an integration goes through.
pub const CONNECTION: &str = "connection";
/// A route's target integration.
pub const TARGET: &str = "target";
pub const REQUEST_TEMPLATES: &str = "request_templates";
pub const AUTO_DEPLOY: &str = "auto_deploy";
pub const OVERWRITE_PATH: &str = "overwrite_path";
/// A REST deployment's fingerprint of the API it snapshots.
pub const FINGERPRINT: &str = "fingerprint";
/// A VPC link's version (`v1`, `v2`).
pub const VERSION: &str = "version";
/// A v2 VPC link's subnets.
pub const SUBNETS: &str = "subnets";
/// A v1 VPC link's target load balancers.
pub const TARGETS: &str = "targets";
pub const SECURITY_GROUPS: &str = "security_groups";
/// A VPC link's status; desired `AVAILABLE`.
pub const STATUS: &str = "status";
/// A domain name's certificate ARN.
pub const CERTIFICATE: &str = "certificate";
/// A mapping's stage.
pub const STAGE: &str = "stage";
/// Observed only: where a domain's DNS record must point.
pub const TARGET_DOMAIN: &str = "target_domain";
/// Observed only: the hosted zone of that DNS target.
pub const HOSTED_ZONE: &str = "hosted_zone";
/// Observed only: an API's invoke endpoint.
pub const ENDPOINT: &str = "endpoint";

/// A JWT route's scopes, sorted and comma-joined.
pub const AUTHORIZATION_SCOPES: &str = "authorization_scopes";
/// A JWT authorizer's issuer.
pub const ISSUER: &str = "issuer";
/// A JWT authorizer's audiences, sorted and comma-joined.
pub const AUDIENCES: &str = "audiences";
/// A stage's default throttle, or a usage plan's ([`crate::Throttle`]'s display, or `off`).
pub const THROTTLE: &str = "throttle";
/// A stage's per-API throttles: `<route or method path>=<throttle>;...`, sorted, or `off`.
pub const ROUTE_THROTTLES: &str = "route_throttles";
/// A stage's access log: `<destination ARN> <format digest>`, or `off`.
pub const ACCESS_LOG: &str = "access_log";
/// An API key's value digest ([`crate::SecretValue::digest`]); only for values the
/// configuration supplies.
pub const VALUE: &str = "value";
/// A usage plan's stages: `<API name>:<stage>`.
pub const API_STAGES: &str = "api_stages";
/// A usage plan's quota ([`crate::Quota`]'s display, or `off`).
pub const QUOTA: &str = "quota";
/// A usage plan's keys, by name, sorted and comma-joined.
pub const KEYS: &str = "keys";
/// Observed only: the name AWS holds for an API or VPC link that the observation shows under
/// the desired name (an adopted one: [`crate::Observed::name_kept`]), so that nothing renames it.
pub const AWS_NAME: &str = "aws_name";
/// Observed only: an API's description as AWS holds it (a REST `up` keeps it: an adopted API's
/// own description is not cortex-net's to replace without a plan saying so).
pub const DESCRIPTION: &str = "description";

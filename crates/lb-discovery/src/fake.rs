//! Test support: a fake account of load balancers served through aws-smithy-mocks, answering
//! DescribeLoadBalancers (with pagination), DescribeTags (refusing more than 20 names, as AWS
//! does) and DescribeListeners from its contents, and recording every request.

use std::sync::{Arc, Mutex, MutexGuard};

use aws_sdk_elasticloadbalancing as elb;
use aws_sdk_elasticloadbalancingv2 as v2;
use aws_smithy_mocks::{MockResponse, Rule, RuleMode, mock, mock_client};
use aws_smithy_types::error::ErrorMetadata;

use crate::Discovery;

pub const REGION_ACCOUNT: &str = "arn:aws:elasticloadbalancing:us-east-1:123456789012";

pub type TagList = Vec<(String, String)>;

pub fn tags(pairs: &[(&str, &str)]) -> TagList {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Tags of a current Cortex cluster's API load balancer.
pub fn cortex_api(cluster: &str) -> TagList {
    tags(&[
        ("cortex.dev/cluster-name", cluster),
        ("cortex.dev/load-balancer", "api"),
        (
            "kubernetes.io/service-name",
            "istio-system/ingressgateway-apis",
        ),
    ])
}

/// Tags of an older Cortex cluster's API load balancer (istio service, Kubernetes ownership).
pub fn legacy_api(cluster: &str) -> TagList {
    let owned = format!("kubernetes.io/cluster/{cluster}");
    tags(&[
        (
            "kubernetes.io/service-name",
            "istio-system/ingressgateway-apis",
        ),
        (&owned, "owned"),
    ])
}

#[derive(Debug, Clone)]
pub struct V2Lb {
    pub name: String,
    pub kind: v2::types::LoadBalancerTypeEnum,
    pub tags: TagList,
    pub listeners: Vec<(i32, v2::types::ProtocolEnum)>,
}

impl V2Lb {
    pub fn nlb(name: &str, tags: TagList) -> Self {
        V2Lb {
            name: name.into(),
            kind: v2::types::LoadBalancerTypeEnum::Network,
            tags,
            listeners: vec![
                (80, v2::types::ProtocolEnum::Tcp),
                (443, v2::types::ProtocolEnum::Tls),
            ],
        }
    }

    pub fn alb(name: &str, tags: TagList) -> Self {
        V2Lb {
            kind: v2::types::LoadBalancerTypeEnum::Application,
            listeners: vec![(80, v2::types::ProtocolEnum::Http)],
            ..V2Lb::nlb(name, tags)
        }
    }

    pub fn arn(&self) -> String {
        let short = match self.kind {
            v2::types::LoadBalancerTypeEnum::Application => "app",
            _ => "net",
        };
        format!(
            "{REGION_ACCOUNT}:loadbalancer/{short}/{}/0123456789abcdef",
            self.name
        )
    }

    fn listener_arn(&self, port: i32) -> String {
        format!(
            "{REGION_ACCOUNT}:listener/net/{}/0123456789abcdef/{port}",
            self.name
        )
    }

    fn describe(&self) -> v2::types::LoadBalancer {
        v2::types::LoadBalancer::builder()
            .load_balancer_arn(self.arn())
            .load_balancer_name(&self.name)
            .dns_name(format!("{}-0123.elb.us-east-1.amazonaws.com", self.name))
            .scheme(v2::types::LoadBalancerSchemeEnum::InternetFacing)
            .r#type(self.kind.clone())
            .vpc_id("vpc-0abc")
            .availability_zones(
                v2::types::AvailabilityZone::builder()
                    .zone_name("us-east-1a")
                    .subnet_id("subnet-0a")
                    .build(),
            )
            .availability_zones(
                v2::types::AvailabilityZone::builder()
                    .zone_name("us-east-1b")
                    .subnet_id("subnet-0b")
                    .build(),
            )
            .state(
                v2::types::LoadBalancerState::builder()
                    .code(v2::types::LoadBalancerStateEnum::Active)
                    .build(),
            )
            .build()
    }

    /// What `Discovery` should return for it (listeners included).
    pub fn expected(&self, owned: bool) -> crate::LoadBalancer {
        crate::LoadBalancer {
            name: self.name.clone(),
            arn: Some(self.arn()),
            dns_name: format!("{}-0123.elb.us-east-1.amazonaws.com", self.name),
            scheme: gw_core::Scheme::InternetFacing,
            kind: match self.kind {
                v2::types::LoadBalancerTypeEnum::Application => {
                    crate::LoadBalancerKind::Application
                }
                _ => crate::LoadBalancerKind::Network,
            },
            vpc_id: Some("vpc-0abc".into()),
            subnets: vec!["subnet-0a".into(), "subnet-0b".into()],
            security_groups: vec![],
            listeners: self
                .listeners
                .iter()
                .map(|(port, proto)| crate::Listener {
                    arn: Some(self.listener_arn(*port)),
                    port: *port,
                    protocol: proto.as_str().into(),
                })
                .collect(),
            state: Some("active".into()),
            owned_by_cluster: owned,
        }
    }
}

#[derive(Debug, Clone)]
pub struct ClassicLb {
    pub name: String,
    pub tags: TagList,
    pub listeners: Vec<(i32, &'static str)>,
}

impl ClassicLb {
    pub fn new(name: &str, tags: TagList) -> Self {
        ClassicLb {
            name: name.into(),
            tags,
            listeners: vec![(80, "TCP"), (443, "SSL")],
        }
    }

    fn describe(&self) -> elb::types::LoadBalancerDescription {
        let mut b = elb::types::LoadBalancerDescription::builder()
            .load_balancer_name(&self.name)
            .dns_name(format!("{}-99.us-east-1.elb.amazonaws.com", self.name))
            .scheme("internal")
            .vpc_id("vpc-0abc")
            .subnets("subnet-0c")
            .security_groups("sg-0c");
        for (port, proto) in &self.listeners {
            let listener = elb::types::Listener::builder()
                .protocol(*proto)
                .load_balancer_port(*port)
                .instance_protocol("TCP")
                .instance_port(30000 + port)
                .build()
                .expect("listener has its required fields");
            b = b.listener_descriptions(
                elb::types::ListenerDescription::builder()
                    .listener(listener)
                    .build(),
            );
        }
        b.build()
    }

    fn tag_description(&self) -> elb::types::TagDescription {
        let tags = self.tags.iter().map(|(k, v)| {
            elb::types::Tag::builder()
                .key(k)
                .value(v)
                .build()
                .expect("tag has a key")
        });
        tags.fold(
            elb::types::TagDescription::builder().load_balancer_name(&self.name),
            |d, tag| d.tags(tag),
        )
        .build()
    }

    pub fn expected(&self, owned: bool) -> crate::LoadBalancer {
        crate::LoadBalancer {
            name: self.name.clone(),
            arn: None,
            dns_name: format!("{}-99.us-east-1.elb.amazonaws.com", self.name),
            scheme: gw_core::Scheme::Internal,
            kind: crate::LoadBalancerKind::Classic,
            vpc_id: Some("vpc-0abc".into()),
            subnets: vec!["subnet-0c".into()],
            security_groups: vec!["sg-0c".into()],
            listeners: self
                .listeners
                .iter()
                .map(|(port, proto)| crate::Listener {
                    arn: None,
                    port: *port,
                    protocol: (*proto).into(),
                })
                .collect(),
            state: None,
            owned_by_cluster: owned,
        }
    }
}

/// Every request the fake received, in order.
#[derive(Debug, Default)]
pub struct Calls {
    /// Markers of elbv2 DescribeLoadBalancers listing calls (not the by-ARN/by-name ones).
    pub v2_list_markers: Vec<Option<String>>,
    /// ARNs or names of elbv2 DescribeLoadBalancers lookups.
    pub v2_lookups: Vec<Vec<String>>,
    /// ResourceArns of each elbv2 DescribeTags call.
    pub v2_tags: Vec<Vec<String>>,
    /// LoadBalancerArn of each DescribeListeners call.
    pub v2_listeners: Vec<String>,
    /// Markers of classic DescribeLoadBalancers listing calls.
    pub classic_list_markers: Vec<Option<String>>,
    /// Names of classic DescribeLoadBalancers lookups.
    pub classic_lookups: Vec<Vec<String>>,
    /// LoadBalancerNames of each classic DescribeTags call.
    pub classic_tags: Vec<Vec<String>>,
}

#[derive(Debug, Clone, Default)]
pub struct World {
    pub v2: Vec<V2Lb>,
    pub classic: Vec<ClassicLb>,
    /// Load balancers per DescribeLoadBalancers page (both APIs); 0 means 400.
    pub page_size: usize,
    /// Error code elbv2 DescribeLoadBalancers answers with, if any.
    pub v2_describe_fails_with: Option<&'static str>,
    /// Error code classic DescribeLoadBalancers answers with, if any.
    pub classic_describe_fails_with: Option<&'static str>,
}

#[derive(Clone, Default)]
pub struct Recorder(Arc<Mutex<Calls>>);

impl Recorder {
    pub fn get(&self) -> MutexGuard<'_, Calls> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn page<T: Clone>(all: &[T], marker: Option<&str>, size: usize) -> (Vec<T>, Option<String>) {
    let size = if size == 0 { 400 } else { size };
    let start: usize = marker.map(|m| m.parse().expect("fake marker")).unwrap_or(0);
    let end = (start + size).min(all.len());
    let next = (end < all.len()).then(|| end.to_string());
    (all[start.min(end)..end].to_vec(), next)
}

fn validation(msg: &str) -> ErrorMetadata {
    ErrorMetadata::builder()
        .code("ValidationError")
        .message(msg)
        .build()
}

impl World {
    /// A [`Discovery`] whose clients this world answers, and the recorder of their requests.
    pub fn discovery(self) -> (Discovery, Recorder) {
        let fake = Fake {
            world: Arc::new(self),
            calls: Recorder::default(),
        };
        let (v2_describe, v2_tags, v2_listeners) = (
            fake.v2_describe_load_balancers(),
            fake.v2_describe_tags(),
            fake.v2_describe_listeners(),
        );
        let (elb_describe, elb_tags) = (
            fake.classic_describe_load_balancers(),
            fake.classic_describe_tags(),
        );
        let v2_client = mock_client!(
            aws_sdk_elasticloadbalancingv2,
            RuleMode::MatchAny,
            [&v2_describe, &v2_tags, &v2_listeners]
        );
        let elb_client = mock_client!(
            aws_sdk_elasticloadbalancing,
            RuleMode::MatchAny,
            [&elb_describe, &elb_tags]
        );
        (Discovery::new(v2_client, elb_client), fake.calls)
    }
}

/// One mocked operation per method, each answering from the world and recording the request.
struct Fake {
    world: Arc<World>,
    calls: Recorder,
}

/// A refusal with this error code, as AWS words an authorisation failure.
fn refusal(code: &str) -> ErrorMetadata {
    ErrorMetadata::builder()
        .code(code)
        .message("User: arn:aws:iam::123456789012:user/ci is not authorized")
        .build()
}

/// What AWS answers a DescribeTags call with more than 20 names or ARNs.
fn too_many_keys() -> ErrorMetadata {
    validation("Member must have length less than or equal to 20")
}

impl Fake {
    fn v2_describe_load_balancers(&self) -> Rule {
        use v2::operation::describe_load_balancers::{
            DescribeLoadBalancersError as E, DescribeLoadBalancersOutput as Out,
        };
        let (w, c) = (self.world.clone(), self.calls.clone());
        mock!(v2::Client::describe_load_balancers).then_compute_response(move |req| {
            if let Some(code) = w.v2_describe_fails_with {
                c.get()
                    .v2_list_markers
                    .push(req.marker().map(str::to_owned));
                return MockResponse::Error(E::generic(refusal(code)));
            }
            let wanted: Vec<String> = req
                .load_balancer_arns()
                .iter()
                .chain(req.names())
                .cloned()
                .collect();
            if wanted.is_empty() {
                c.get()
                    .v2_list_markers
                    .push(req.marker().map(str::to_owned));
                let (lbs, next) = page(&w.v2, req.marker(), w.page_size);
                let out = lbs
                    .iter()
                    .fold(Out::builder(), |o, lb| o.load_balancers(lb.describe()));
                return MockResponse::Output(out.set_next_marker(next).build());
            }
            c.get().v2_lookups.push(wanted.clone());
            let hits: Vec<&V2Lb> =
                w.v2.iter()
                    .filter(|lb| wanted.contains(&lb.arn()) || wanted.contains(&lb.name))
                    .collect();
            if hits.len() != wanted.len() {
                return MockResponse::Error(E::LoadBalancerNotFoundException(
                    v2::types::error::LoadBalancerNotFoundException::builder()
                        .message("One or more load balancers not found")
                        .build(),
                ));
            }
            let out = hits
                .iter()
                .fold(Out::builder(), |o, lb| o.load_balancers(lb.describe()));
            MockResponse::Output(out.build())
        })
    }

    fn v2_describe_tags(&self) -> Rule {
        use v2::operation::describe_tags::{DescribeTagsError as E, DescribeTagsOutput as Out};
        let (w, c) = (self.world.clone(), self.calls.clone());
        mock!(v2::Client::describe_tags).then_compute_response(move |req| {
            let arns = req.resource_arns().to_vec();
            c.get().v2_tags.push(arns.clone());
            if arns.len() > 20 {
                return MockResponse::Error(E::generic(too_many_keys()));
            }
            let mut out = Out::builder();
            for arn in &arns {
                let Some(lb) = w.v2.iter().find(|lb| lb.arn() == *arn) else {
                    return MockResponse::Error(E::LoadBalancerNotFoundException(
                        v2::types::error::LoadBalancerNotFoundException::builder().build(),
                    ));
                };
                let desc = lb.tags.iter().fold(
                    v2::types::TagDescription::builder().resource_arn(arn),
                    |d, (k, v)| d.tags(v2::types::Tag::builder().key(k).value(v).build()),
                );
                out = out.tag_descriptions(desc.build());
            }
            MockResponse::Output(out.build())
        })
    }

    fn v2_describe_listeners(&self) -> Rule {
        use v2::operation::describe_listeners::{
            DescribeListenersError as E, DescribeListenersOutput as Out,
        };
        let (w, c) = (self.world.clone(), self.calls.clone());
        mock!(v2::Client::describe_listeners).then_compute_response(move |req| {
            let arn = req.load_balancer_arn().unwrap_or_default().to_owned();
            c.get().v2_listeners.push(arn.clone());
            let Some(lb) = w.v2.iter().find(|lb| lb.arn() == arn) else {
                return MockResponse::Error(E::LoadBalancerNotFoundException(
                    v2::types::error::LoadBalancerNotFoundException::builder().build(),
                ));
            };
            let out = lb
                .listeners
                .iter()
                .fold(Out::builder(), |o, (port, proto)| {
                    o.listeners(
                        v2::types::Listener::builder()
                            .listener_arn(lb.listener_arn(*port))
                            .load_balancer_arn(lb.arn())
                            .port(*port)
                            .protocol(proto.clone())
                            .build(),
                    )
                });
            MockResponse::Output(out.build())
        })
    }

    fn classic_describe_load_balancers(&self) -> Rule {
        use elb::operation::describe_load_balancers::{
            DescribeLoadBalancersError as E, DescribeLoadBalancersOutput as Out,
        };
        let (w, c) = (self.world.clone(), self.calls.clone());
        mock!(elb::Client::describe_load_balancers).then_compute_response(move |req| {
            if let Some(code) = w.classic_describe_fails_with {
                c.get()
                    .classic_list_markers
                    .push(req.marker().map(str::to_owned));
                return MockResponse::Error(E::generic(refusal(code)));
            }
            let wanted = req.load_balancer_names().to_vec();
            if wanted.is_empty() {
                c.get()
                    .classic_list_markers
                    .push(req.marker().map(str::to_owned));
                let (lbs, next) = page(&w.classic, req.marker(), w.page_size);
                let out = lbs.iter().fold(Out::builder(), |o, lb| {
                    o.load_balancer_descriptions(lb.describe())
                });
                return MockResponse::Output(out.set_next_marker(next).build());
            }
            c.get().classic_lookups.push(wanted.clone());
            let hits: Vec<&ClassicLb> = w
                .classic
                .iter()
                .filter(|lb| wanted.contains(&lb.name))
                .collect();
            if hits.len() != wanted.len() {
                return MockResponse::Error(E::AccessPointNotFoundException(
                    elb::types::error::AccessPointNotFoundException::builder()
                        .message("There is no ACTIVE Load Balancer named 'x'")
                        .build(),
                ));
            }
            let out = hits.iter().fold(Out::builder(), |o, lb| {
                o.load_balancer_descriptions(lb.describe())
            });
            MockResponse::Output(out.build())
        })
    }

    fn classic_describe_tags(&self) -> Rule {
        use elb::operation::describe_tags::{DescribeTagsError as E, DescribeTagsOutput as Out};
        let (w, c) = (self.world.clone(), self.calls.clone());
        mock!(elb::Client::describe_tags).then_compute_response(move |req| {
            let names = req.load_balancer_names().to_vec();
            c.get().classic_tags.push(names.clone());
            if names.len() > 20 {
                return MockResponse::Error(E::generic(too_many_keys()));
            }
            let mut out = Out::builder();
            for name in &names {
                let Some(lb) = w.classic.iter().find(|lb| lb.name == *name) else {
                    return MockResponse::Error(E::AccessPointNotFoundException(
                        elb::types::error::AccessPointNotFoundException::builder().build(),
                    ));
                };
                out = out.tag_descriptions(lb.tag_description());
            }
            MockResponse::Output(out.build())
        })
    }
}

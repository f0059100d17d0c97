//! Generated clusters for benchmarks, shaped like a fleet cluster: the built-in
//! types plus CRDs in many groups (some kinds served only at a non-preferred
//! version, some cluster-scoped), objects of realistic size with managedFields,
//! a number stuck in Terminating, and decoys the stuck rule must not take:
//! live objects with finalizers and pods terminating gracefully.
//!
//! `--generate types=1000,objects=100000,stuck=100` (see [`Spec`]). The same
//! seed gives the same cluster, uids and timestamps aside. Objects go straight
//! into the store: writing and parsing YAML for 300k objects would take longer
//! than the benchmark itself.

use crate::controllers;
use crate::discovery::ResourceDef;
use crate::object::{format_time, is_terminating};
use crate::store::Store;
use anyhow::{anyhow, bail, Context};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::str::FromStr;

/// What to generate; written `key=value,…`, every key optional.
#[derive(Clone, Debug, PartialEq)]
pub struct Spec {
    /// Listable resource types in all: the built-in ones, then CRDs up to this.
    pub types: usize,
    /// Objects of those types (namespaces and the CRDs themselves not counted).
    pub objects: usize,
    /// Custom resources stuck in Terminating (part of `objects`).
    pub stuck: usize,
    /// Namespaces the namespaced objects spread over.
    pub namespaces: usize,
    /// Live custom resources that carry their operator's finalizer. Every
    /// PersistentVolumeClaim carries `kubernetes.io/pvc-protection` besides.
    pub decoys: usize,
    /// Pods terminating gracefully: a deletionTimestamp, no finalizer.
    pub graceful: usize,
    /// The finalizer of every stuck object; by default each carries its
    /// group's operator finalizer (`<group>/finalizer`), which no catalogue knows.
    pub finalizer: Option<String>,
    pub seed: u64,
}

impl Default for Spec {
    fn default() -> Self {
        Spec {
            types: 1000,
            objects: 100_000,
            stuck: 100,
            namespaces: 400,
            decoys: 5_000,
            graceful: 20,
            finalizer: None,
            seed: 1,
        }
    }
}

impl FromStr for Spec {
    type Err = anyhow::Error;

    /// Unset counts that scale follow `objects`: a namespace per 250 objects,
    /// a decoy per 20.
    fn from_str(s: &str) -> anyhow::Result<Spec> {
        let mut spec = Spec::default();
        let (mut namespaces, mut decoys) = (None, None);
        for pair in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, value) = pair
                .split_once('=')
                .ok_or_else(|| anyhow!("{pair:?} is not key=value"))?;
            let number = || -> anyhow::Result<usize> {
                let v = value.replace('_', "");
                let (digits, scale) = match v.strip_suffix('k') {
                    Some(d) => (d, 1_000),
                    None => (v.as_str(), 1),
                };
                let n: usize = digits
                    .parse()
                    .with_context(|| format!("{key}: {value:?} is not a count"))?;
                Ok(n * scale)
            };
            match key {
                "types" => spec.types = number()?,
                "objects" => spec.objects = number()?,
                "stuck" => spec.stuck = number()?,
                "namespaces" => namespaces = Some(number()?),
                "decoys" => decoys = Some(number()?),
                "graceful" => spec.graceful = number()?,
                "finalizer" if !value.is_empty() => spec.finalizer = Some(value.to_string()),
                "seed" => spec.seed = number()? as u64,
                _ => bail!("unknown key {key:?} (known: types, objects, stuck, namespaces, decoys, graceful, finalizer, seed)"),
            }
        }
        spec.namespaces = namespaces.unwrap_or((spec.objects / 250).clamp(1, 2000));
        spec.decoys = decoys.unwrap_or(spec.objects / 20);
        if spec.namespaces == 0 {
            bail!("namespaces: at least 1");
        }
        if spec.stuck + spec.graceful > spec.objects / 2 {
            bail!(
                "stuck + graceful ({}) must stay within half the objects ({})",
                spec.stuck + spec.graceful,
                spec.objects / 2
            );
        }
        Ok(spec)
    }
}

/// What was generated, for the log line a benchmark keeps.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Summary {
    pub builtin_types: usize,
    pub crds: usize,
    pub groups: usize,
    pub namespaces: usize,
    pub objects: usize,
    pub stuck: usize,
    pub decoys: usize,
    pub graceful: usize,
}

/// SplitMix64: small, seedable, good enough to vary sizes and names.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// A size around `mean` (half to one and a half times it).
    fn around(&mut self, mean: usize) -> usize {
        mean / 2 + self.below(mean + 1)
    }

    fn word(&mut self, len: usize) -> String {
        const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
        (0..len)
            .map(|_| ALPHABET[self.below(ALPHABET.len())] as char)
            .collect()
    }

    /// Text that does not compress to nothing, like real configuration.
    fn text(&mut self, len: usize) -> String {
        const WORDS: &[&str] = &[
            "server", "port", "timeout", "replicas", "enabled", "true", "false", "level", "info",
            "endpoint", "https", "cache", "retries", "region", "pool", "path",
        ];
        let mut s = String::with_capacity(len + 16);
        while s.len() < len {
            s.push_str(WORDS[self.below(WORDS.len())]);
            s.push_str(if self.below(4) == 0 { ": " } else { "\n" });
            if self.below(3) == 0 {
                s.push_str(&self.word(6));
                s.push('\n');
            }
        }
        s.truncate(len);
        s
    }

    fn base64(&mut self, len: usize) -> String {
        const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut s: String = (0..len / 4 * 4)
            .map(|_| B64[self.below(64)] as char)
            .collect();
        s.push_str(&"=".repeat(len % 4));
        s
    }
}

const SERVICES: &[&str] = &[
    "compute",
    "storage",
    "network",
    "database",
    "identity",
    "messaging",
    "monitoring",
    "security",
    "dns",
    "cache",
    "analytics",
    "serverless",
    "containers",
    "secrets",
    "backup",
    "gateway",
    "logging",
    "registry",
    "search",
    "streaming",
];
const VENDORS: &[&str] = &[
    "acme", "globex", "initech", "umbrella", "hooli", "stark", "wayne", "tyrell",
];
const NOUNS: &[&str] = &[
    "Instance",
    "Bucket",
    "Cluster",
    "Database",
    "Policy",
    "Role",
    "Queue",
    "Topic",
    "Subnet",
    "Gateway",
    "Certificate",
    "Function",
    "Table",
    "User",
    "Key",
    "Snapshot",
    "Backup",
    "Route",
    "Volume",
    "Secret",
    "Endpoint",
    "Listener",
    "Alarm",
    "Dashboard",
    "Pipeline",
    "Repository",
    "Registry",
    "Record",
    "Zone",
    "Firewall",
    "Address",
    "Peering",
];
/// How many kinds successive groups serve: operator packages range from one
/// CRD to dozens.
const GROUP_SIZES: &[usize] = &[3, 12, 1, 6, 25, 2, 8, 4];

/// A CRD to create, and the version its objects are written in.
struct Crd {
    group: String,
    kind: String,
    plural: String,
    namespaced: bool,
    /// Served only at v1beta1 while its group prefers v1.
    beta_only: bool,
    two_versions: bool,
}

impl Crd {
    fn api_version(&self) -> String {
        let v = if self.beta_only { "v1beta1" } else { "v1" };
        format!("{}/{v}", self.group)
    }

    fn manifest(&self, rng: &mut Rng) -> Value {
        // A schema of a few kilobytes: real ones are often far larger, which
        // only the ways that read full CRDs pay for.
        let mut properties = serde_json::Map::new();
        for i in 0..24 {
            properties.insert(
                format!("field{i}"),
                json!({"type": "string", "description": rng.text(120)}),
            );
        }
        let schema = json!({"openAPIV3Schema": {"type": "object", "properties": {
            "spec": {"type": "object", "properties": properties},
            "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
        }}});
        let version = |name: &str, storage: bool| json!({"name": name, "served": true, "storage": storage, "schema": schema, "subresources": {"status": {}}});
        let versions = if self.beta_only {
            vec![version("v1beta1", true)]
        } else if self.two_versions {
            vec![version("v1", true), version("v1beta1", false)]
        } else {
            vec![version("v1", true)]
        };
        json!({
            "apiVersion": "apiextensions.k8s.io/v1",
            "kind": "CustomResourceDefinition",
            "metadata": {"name": format!("{}.{}", self.plural, self.group)},
            "spec": {
                "group": self.group,
                "scope": if self.namespaced { "Namespaced" } else { "Cluster" },
                "names": {"plural": self.plural, "singular": self.kind.to_lowercase(), "kind": self.kind, "listKind": format!("{}List", self.kind)},
                "versions": versions,
            },
        })
    }
}

fn plural_of(kind: &str) -> String {
    let lower = kind.to_lowercase();
    match lower.strip_suffix('y') {
        Some(stem) => format!("{stem}ies"),
        None if lower.ends_with('s') => format!("{lower}es"),
        None => format!("{lower}s"),
    }
}

/// `count` CRDs in groups of `GROUP_SIZES`: a third of the groups also serve
/// v1beta1, and there the last kind is served only at v1beta1; one kind in
/// seven is cluster-scoped.
fn crds(count: usize) -> Vec<Crd> {
    let mut out = Vec::with_capacity(count);
    let mut g = 0;
    while out.len() < count {
        let size = GROUP_SIZES[g % GROUP_SIZES.len()].min(count - out.len());
        let service = SERVICES[g % SERVICES.len()];
        let round = g / SERVICES.len();
        let service = if round == 0 {
            service.to_string()
        } else {
            format!("{service}{round}")
        };
        let group = format!("{service}.{}.example.com", VENDORS[g % VENDORS.len()]);
        let two_versions = g % 3 == 1;
        for k in 0..size {
            let kind = NOUNS[(g * 7 + k) % NOUNS.len()].to_string();
            let index = out.len();
            out.push(Crd {
                plural: plural_of(&kind),
                kind,
                namespaced: index % 7 != 3,
                beta_only: two_versions && size > 1 && k == size - 1,
                two_versions,
                group: group.clone(),
            });
        }
        g += 1;
    }
    out
}

/// Splits `total` by `weights`, largest remainders first, so the parts add up.
fn apportion(total: usize, weights: &[f64]) -> Vec<usize> {
    let sum: f64 = weights.iter().sum();
    if sum <= 0.0 {
        return vec![0; weights.len()];
    }
    let exact: Vec<f64> = weights.iter().map(|w| total as f64 * w / sum).collect();
    let mut parts: Vec<usize> = exact.iter().map(|x| x.floor() as usize).collect();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| {
        let ra = exact[a] - exact[a].floor();
        let rb = exact[b] - exact[b].floor();
        rb.total_cmp(&ra).then(a.cmp(&b))
    });
    let short = total - parts.iter().sum::<usize>();
    for &i in order.iter().take(short) {
        parts[i] += 1;
    }
    parts
}

/// Built-in kinds that hold most objects of a real cluster, by share.
const BUILTIN: &[(&str, &str, f64)] = &[
    ("v1", "Pod", 22.0),
    ("v1", "ConfigMap", 12.0),
    ("v1", "Secret", 10.0),
    ("apps/v1", "ReplicaSet", 9.0),
    ("v1", "ServiceAccount", 5.0),
    ("v1", "Service", 5.0),
    ("discovery.k8s.io/v1", "EndpointSlice", 5.0),
    ("apps/v1", "Deployment", 4.0),
    ("rbac.authorization.k8s.io/v1", "Role", 2.0),
    ("rbac.authorization.k8s.io/v1", "RoleBinding", 2.0),
    ("v1", "PersistentVolumeClaim", 2.0),
    ("batch/v1", "Job", 2.0),
    ("apps/v1", "StatefulSet", 1.0),
];

/// The share of objects that are custom resources.
const CUSTOM_SHARE: f64 = 0.5;

/// Listable built-in (group, resource) pairs, as `kubectl api-resources --verbs=list` counts them.
pub fn builtin_types(store: &Store) -> usize {
    store
        .discovery
        .all_resources()
        .filter(|r| r.verbs.iter().any(|v| v == "list"))
        .map(|r| (r.group.clone(), r.plural.clone()))
        .collect::<BTreeSet<_>>()
        .len()
}

/// Fills `store` as `spec` says; the store should hold only the built-in objects.
pub fn generate(store: &mut Store, spec: &Spec) -> anyhow::Result<Summary> {
    let builtin = builtin_types(store);
    if spec.types < builtin {
        bail!("types: at least {builtin}, the built-in types");
    }
    let mut rng = Rng(spec.seed);
    let crds = crds(spec.types - builtin);
    let crd_res = |store: &Store, group: &str, plural: &str| -> anyhow::Result<ResourceDef> {
        store
            .resource_by_gr(group, plural)
            .ok_or_else(|| anyhow!("{plural}.{group} is not served"))
    };
    let crd_def = crd_res(store, "apiextensions.k8s.io", "customresourcedefinitions")?;
    for c in &crds {
        store
            .insert_raw(&crd_def, c.manifest(&mut rng))
            .map_err(|e| anyhow!(e))?;
    }
    let ns_def = crd_res(store, "", "namespaces")?;
    let namespaces: Vec<String> = (0..spec.namespaces)
        .map(|i| format!("app-{i:04}"))
        .collect();
    for ns in &namespaces {
        let obj = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns, "labels": {"team": VENDORS[rng.below(VENDORS.len())]}, "creationTimestamp": created(&mut rng)}});
        store.insert_raw(&ns_def, obj).map_err(|e| anyhow!(e))?;
    }

    let custom_total = if crds.is_empty() {
        0
    } else {
        (spec.objects as f64 * CUSTOM_SHARE) as usize
    };
    let builtin_total = spec.objects - custom_total;
    let weights: Vec<f64> = BUILTIN.iter().map(|b| b.2).collect();
    let builtin_counts = apportion(builtin_total, &weights);
    // A few CRDs hold most custom resources and many hold none, as in a real
    // cluster: Zipf weights over the CRDs in a shuffled order.
    let mut rank: Vec<usize> = (0..crds.len()).collect();
    for i in (1..rank.len()).rev() {
        rank.swap(i, rng.below(i + 1));
    }
    let mut zipf = vec![0.0; crds.len()];
    for (r, &c) in rank.iter().enumerate() {
        zipf[c] = 1.0 / ((r + 1) as f64).powf(1.1);
    }
    let live_custom = custom_total.saturating_sub(spec.stuck);
    let custom_counts = apportion(live_custom, &zipf);

    let mut summary = Summary {
        builtin_types: builtin,
        crds: crds.len(),
        groups: crds.iter().map(|c| &c.group).collect::<BTreeSet<_>>().len(),
        namespaces: namespaces.len(),
        ..Default::default()
    };
    let mut builder = Builder {
        rng,
        namespaces: &namespaces,
        serial: 0,
    };
    for (&(api_version, kind, _), &count) in BUILTIN.iter().zip(&builtin_counts) {
        let res = store
            .discovery
            .resource_for_kind(api_version, kind)
            .cloned()
            .ok_or_else(|| anyhow!("{kind} in {api_version} is not served"))?;
        for i in 0..count {
            let graceful = kind == "Pod" && i < spec.graceful;
            let obj = builder.builtin(kind, api_version, graceful);
            summary.graceful += usize::from(graceful);
            summary.decoys += usize::from(kind == "PersistentVolumeClaim");
            store.insert_raw(&res, obj).map_err(|e| anyhow!(e))?;
            summary.objects += 1;
        }
    }
    // Decoys spread evenly over the live custom resources.
    let every = live_custom
        .checked_div(spec.decoys)
        .map_or(usize::MAX, |e| e.max(1));
    let (mut n, mut decoys) = (0, 0);
    for (c, &count) in crds.iter().zip(&custom_counts) {
        let res = crd_res(store, &c.group, &c.plural)?;
        for _ in 0..count {
            let decoy = n % every == 0 && decoys < spec.decoys;
            let obj = builder.custom(c, decoy.then(|| format!("{}/finalizer", c.group)), None);
            decoys += usize::from(decoy);
            store.insert_raw(&res, obj).map_err(|e| anyhow!(e))?;
            summary.objects += 1;
            n += 1;
        }
    }
    // Stuck objects land in CRDs across the list, busy or not.
    for i in 0..spec.stuck.min(custom_total) {
        let c = &crds[(i * 7919) % crds.len()];
        let res = crd_res(store, &c.group, &c.plural)?;
        let finalizer = spec
            .finalizer
            .clone()
            .unwrap_or_else(|| format!("{}/finalizer", c.group));
        let ago = 3600 + builder.rng.below(30 * 86400) as i64;
        let obj = builder.custom(c, Some(finalizer), Some(ago));
        store.insert_raw(&res, obj).map_err(|e| anyhow!(e))?;
        summary.objects += 1;
        summary.stuck += 1;
    }
    summary.decoys += decoys;
    controllers::reconcile(store);
    // Nobody watches from before the load: its revisions need not be kept.
    let rv = store.current_rv_number();
    store.history.compact(rv);
    Ok(summary)
}

/// Some time in the last 90 days.
fn created(rng: &mut Rng) -> String {
    let ago = jiff::SignedDuration::from_secs(60 + rng.below(90 * 86400) as i64);
    format_time(crate::object::now() - ago)
}

/// Makes objects; names are unique through a serial number.
struct Builder<'a> {
    rng: Rng,
    namespaces: &'a [String],
    serial: usize,
}

impl Builder<'_> {
    fn name(&mut self, stem: &str) -> String {
        self.serial += 1;
        format!("{stem}-{:06}-{}", self.serial, self.rng.word(5))
    }

    fn namespace(&mut self) -> String {
        self.namespaces[self.rng.below(self.namespaces.len())].clone()
    }

    fn metadata(&mut self, stem: &str, namespaced: bool, app: &str) -> Value {
        let mut m = json!({
            "name": self.name(stem),
            "labels": {"app.kubernetes.io/name": app, "app.kubernetes.io/part-of": format!("{app}-suite"), "app.kubernetes.io/managed-by": "helm"},
            "annotations": {"meta.helm.sh/release-name": app, "meta.helm.sh/release-namespace": "default"},
            "creationTimestamp": created(&mut self.rng),
        });
        if namespaced {
            m["namespace"] = json!(self.namespace());
        }
        m
    }

    fn container(&mut self, app: &str) -> Value {
        let env: Vec<Value> = (0..4)
            .map(|i| json!({"name": format!("SETTING_{i}"), "value": self.rng.word(12)}))
            .collect();
        json!({
            "name": app,
            "image": format!("registry.example.com/{app}:1.{}.{}", self.rng.below(30), self.rng.below(10)),
            "args": ["--log-level=info", format!("--listen=:{}", 8000 + self.rng.below(1000))],
            "env": env,
            "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
            "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}},
            "volumeMounts": [{"name": "config", "mountPath": "/etc/app"}],
            "imagePullPolicy": "IfNotPresent",
            "terminationMessagePath": "/dev/termination-log",
        })
    }

    fn pod_spec(&mut self, app: &str) -> Value {
        json!({
            "containers": [self.container(app)],
            "volumes": [{"name": "config", "configMap": {"name": format!("{app}-config")}}],
            "restartPolicy": "Always",
            "serviceAccountName": app,
            "dnsPolicy": "ClusterFirst",
        })
    }

    fn owner(&mut self, kind: &str, api_version: &str, app: &str) -> Value {
        json!([{"apiVersion": api_version, "kind": kind, "name": format!("{app}-{}", self.rng.word(9)), "uid": crate::object::new_uid(), "controller": true, "blockOwnerDeletion": true}])
    }

    fn builtin(&mut self, kind: &str, api_version: &str, graceful: bool) -> Value {
        let app = format!("svc{}", self.rng.below(400));
        let stem = match kind {
            "Pod" | "ReplicaSet" | "Deployment" | "StatefulSet" | "Service" | "ServiceAccount" => {
                app.clone()
            }
            other => format!("{app}-{}", other.to_lowercase()),
        };
        let mut meta = self.metadata(&stem, true, &app);
        let mut obj = json!({"apiVersion": api_version, "kind": kind});
        match kind {
            "Pod" => {
                meta["ownerReferences"] = self.owner("ReplicaSet", "apps/v1", &app);
                meta["labels"]["pod-template-hash"] = json!(self.rng.word(10));
                obj["spec"] = self.pod_spec(&app);
                obj["spec"]["nodeName"] = json!(format!("node-{}", self.rng.below(200)));
                let started = created(&mut self.rng);
                let conditions: Vec<Value> =
                    ["Initialized", "Ready", "ContainersReady", "PodScheduled"]
                        .iter()
                        .map(
                            |t| json!({"type": t, "status": "True", "lastTransitionTime": started}),
                        )
                        .collect();
                obj["status"] = json!({
                    "phase": "Running",
                    "conditions": conditions,
                    "hostIP": format!("10.0.{}.{}", self.rng.below(250), self.rng.below(250)),
                    "podIP": format!("10.8.{}.{}", self.rng.below(250), self.rng.below(250)),
                    "startTime": started,
                    "containerStatuses": [{"name": app, "ready": true, "started": true, "restartCount": self.rng.below(3), "image": format!("registry.example.com/{app}:1.0.0"), "imageID": format!("registry.example.com/{app}@sha256:{}", self.rng.word(64)), "containerID": format!("containerd://{}", self.rng.word(64)), "state": {"running": {"startedAt": started}}}],
                    "qosClass": "Burstable",
                });
                if graceful {
                    let at = crate::object::now() - jiff::SignedDuration::from_secs(10);
                    meta["deletionTimestamp"] = json!(format_time(at));
                    meta["deletionGracePeriodSeconds"] = json!(30);
                }
            }
            "ConfigMap" => {
                let len = self.rng.around(3400);
                obj["data"] = json!({"app.yaml": self.rng.text(len), "LOG_LEVEL": "info"});
            }
            "Secret" => {
                obj["type"] = json!("Opaque");
                let len = self.rng.around(2600);
                obj["data"] =
                    json!({"token": self.rng.base64(len), "ca.crt": self.rng.base64(600)});
            }
            "ReplicaSet" | "Deployment" | "StatefulSet" => {
                if kind == "ReplicaSet" {
                    meta["ownerReferences"] = self.owner("Deployment", "apps/v1", &app);
                }
                obj["spec"] = json!({
                    "replicas": 1 + self.rng.below(3),
                    "selector": {"matchLabels": {"app.kubernetes.io/name": app}},
                    "template": {"metadata": {"labels": {"app.kubernetes.io/name": app}}, "spec": self.pod_spec(&app)},
                });
                obj["status"] = json!({"replicas": 1, "readyReplicas": 1, "availableReplicas": 1, "observedGeneration": 1});
            }
            "Service" => {
                obj["spec"] = json!({
                    "type": "ClusterIP",
                    "clusterIP": format!("10.96.{}.{}", self.rng.below(250), self.rng.below(250)),
                    "selector": {"app.kubernetes.io/name": app},
                    "ports": [{"name": "http", "port": 80, "targetPort": 8080, "protocol": "TCP"}],
                });
            }
            "EndpointSlice" => {
                obj["addressType"] = json!("IPv4");
                let endpoints: Vec<Value> = (0..3)
                    .map(|_| json!({"addresses": [format!("10.8.{}.{}", self.rng.below(250), self.rng.below(250))], "conditions": {"ready": true}, "nodeName": format!("node-{}", self.rng.below(200))}))
                    .collect();
                obj["endpoints"] = json!(endpoints);
                obj["ports"] = json!([{"name": "http", "port": 8080, "protocol": "TCP"}]);
            }
            "Role" => {
                obj["rules"] = json!([{"apiGroups": [""], "resources": ["configmaps", "secrets"], "verbs": ["get", "list", "watch"]}, {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["get", "patch"]}]);
            }
            "RoleBinding" => {
                obj["roleRef"] =
                    json!({"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": app});
                obj["subjects"] = json!([{"kind": "ServiceAccount", "name": app, "namespace": meta["namespace"]}]);
            }
            "PersistentVolumeClaim" => {
                meta["finalizers"] = json!(["kubernetes.io/pvc-protection"]);
                obj["spec"] = json!({"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "10Gi"}}, "storageClassName": "standard", "volumeName": format!("pvc-{}", crate::object::new_uid())});
                obj["status"] = json!({"phase": "Bound", "capacity": {"storage": "10Gi"}, "accessModes": ["ReadWriteOnce"]});
            }
            "Job" => {
                obj["spec"] = json!({"backoffLimit": 3, "template": {"spec": self.pod_spec(&app)}});
                obj["spec"]["template"]["spec"]["restartPolicy"] = json!("Never");
                obj["status"] = json!({"succeeded": 1, "startTime": meta["creationTimestamp"], "completionTime": meta["creationTimestamp"]});
            }
            _ => {}
        }
        obj["metadata"] = meta;
        obj
    }

    /// A custom resource: a provider-style spec and status, optionally with a
    /// finalizer, optionally deleted `deleted_ago` seconds ago.
    fn custom(&mut self, c: &Crd, finalizer: Option<String>, deleted_ago: Option<i64>) -> Value {
        let stem = c.kind.to_lowercase();
        let mut meta = self.metadata(&stem, c.namespaced, &stem);
        if let Some(f) = finalizer {
            meta["finalizers"] = json!([f]);
        }
        if let Some(ago) = deleted_ago {
            let at = crate::object::now() - jiff::SignedDuration::from_secs(ago);
            meta["deletionTimestamp"] = json!(format_time(at));
        }
        let region = ["eu-west-1", "us-east-1", "ap-south-1"][self.rng.below(3)];
        let notes = self.rng.around(2800);
        json!({
            "apiVersion": c.api_version(),
            "kind": c.kind,
            "metadata": meta,
            "spec": {
                "forProvider": {
                    "region": region,
                    "tags": {"team": VENDORS[self.rng.below(VENDORS.len())], "env": "prod", "cost-center": self.rng.word(6)},
                    "description": self.rng.text(notes),
                    "size": self.rng.below(16),
                },
                "providerConfigRef": {"name": "default"},
                "deletionPolicy": "Delete",
            },
            "status": {
                "atProvider": {"id": self.rng.word(20), "arn": format!("arn:example:{}:{region}:{}", stem, self.rng.word(12))},
                "conditions": [
                    {"type": "Ready", "status": "True", "reason": "Available", "lastTransitionTime": created(&mut self.rng)},
                    {"type": "Synced", "status": "True", "reason": "ReconcileSuccess", "lastTransitionTime": created(&mut self.rng)},
                ],
            },
        })
    }
}

/// Objects stuck by the scan's rule, for tests: terminating with finalizers.
pub fn stuck_in(store: &Store) -> usize {
    store
        .objects
        .values()
        .filter(|o| is_terminating(o) && !crate::object::finalizers(o).is_empty())
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::object::{finalizers, meta_str};

    fn loaded() -> Store {
        let mut store = Store::new();
        crate::scenario::load(&mut store, &crate::bootstrap::objects(Default::default())).unwrap();
        store
    }

    #[test]
    fn a_spec_reads_key_value_pairs_and_scales_what_is_unset() {
        let s: Spec = "types=200, objects=20k,stuck=10".parse().unwrap();
        assert_eq!((s.types, s.objects, s.stuck), (200, 20_000, 10));
        assert_eq!((s.namespaces, s.decoys), (80, 1_000));
        let s: Spec = "objects=1000,namespaces=3,finalizer=finalizers.fluxcd.io"
            .parse()
            .unwrap();
        assert_eq!(s.namespaces, 3);
        assert_eq!(s.finalizer.as_deref(), Some("finalizers.fluxcd.io"));
        for bad in [
            "types",
            "types=x",
            "colour=red",
            "objects=10,stuck=9",
            "namespaces=0",
        ] {
            assert!(bad.parse::<Spec>().is_err(), "{bad}");
        }
    }

    #[test]
    fn apportioning_keeps_the_total() {
        assert_eq!(apportion(10, &[1.0, 1.0, 1.0]), vec![4, 3, 3]);
        assert_eq!(apportion(7, &[0.0, 2.0]), vec![0, 7]);
        assert_eq!(apportion(5, &[]), Vec::<usize>::new());
    }

    #[test]
    fn crds_span_groups_versions_and_scopes() {
        let list = crds(300);
        assert_eq!(list.len(), 300);
        let names: BTreeSet<_> = list.iter().map(|c| (&c.group, &c.plural)).collect();
        assert_eq!(names.len(), 300, "every CRD is distinct");
        assert!(list.iter().any(|c| c.beta_only));
        assert!(list.iter().any(|c| !c.namespaced));
        assert!(list.iter().map(|c| &c.group).collect::<BTreeSet<_>>().len() > 30);
        assert_eq!(plural_of("Policy"), "policies");
        assert_eq!(plural_of("Address"), "addresses");
    }

    #[test]
    fn the_cluster_has_what_the_spec_asks() {
        let mut store = loaded();
        let before = store.objects.len();
        let spec: Spec = "types=120,objects=3000,stuck=25,graceful=5,decoys=100"
            .parse()
            .unwrap();
        let summary = generate(&mut store, &spec).unwrap();
        assert_eq!(builtin_types(&store), 120);
        assert_eq!(summary.builtin_types + summary.crds, 120);
        assert_eq!(summary.objects, 3000);
        let created = store.objects.len() - before;
        assert_eq!(created, 3000 + summary.crds + summary.namespaces);
        assert_eq!(stuck_in(&store), 25);
        let graceful = store
            .objects
            .values()
            .filter(|o| is_terminating(o) && finalizers(o).is_empty())
            .count();
        assert_eq!(graceful, 5);
        let live_with_finalizers = store
            .objects
            .values()
            .filter(|o| !is_terminating(o) && o["kind"] != "Namespace")
            .filter(|o| !finalizers(o).is_empty())
            .count();
        assert_eq!(live_with_finalizers, summary.decoys);
        assert!(summary.decoys >= 100, "{summary:?}");
        // A kind only its group's non-preferred version serves.
        let beta = crds(summary.crds)
            .into_iter()
            .find(|c| c.beta_only)
            .unwrap();
        let g = store.discovery.group(&beta.group).unwrap();
        assert_eq!(g.versions[0].version, "v1");
        assert!(!g.versions[0]
            .resources
            .iter()
            .any(|r| r.plural == beta.plural));
        assert!(store.resource_by_gr(&beta.group, &beta.plural).is_some());
    }

    #[test]
    fn objects_are_of_realistic_size() {
        let mut store = loaded();
        let spec: Spec = "types=100,objects=2000".parse().unwrap();
        generate(&mut store, &spec).unwrap();
        let generated: Vec<&Value> = store
            .objects
            .values()
            .filter(|o| meta_str(o, "namespace").starts_with("app-"))
            .collect();
        let avg = |f: &dyn Fn(&Value) -> usize| {
            generated.iter().map(|o| f(o)).sum::<usize>() / generated.len()
        };
        let full = avg(&|o| serde_json::to_vec(o).unwrap().len());
        let meta = avg(&|o| serde_json::to_vec(&o["metadata"]).unwrap().len());
        assert!(
            (3_400..5_000).contains(&full),
            "average object {full} bytes"
        );
        assert!(
            (1_300..2_000).contains(&meta),
            "average metadata {meta} bytes"
        );
    }

    #[test]
    fn a_seed_gives_the_same_cluster() {
        let names = |seed: u64| {
            let mut store = loaded();
            let spec = Spec {
                types: 90,
                objects: 500,
                namespaces: 4,
                seed,
                ..Default::default()
            };
            generate(&mut store, &spec).unwrap();
            store.objects.keys().cloned().collect::<Vec<_>>()
        };
        assert_eq!(names(7), names(7));
        assert_ne!(names(7), names(8));
    }
}

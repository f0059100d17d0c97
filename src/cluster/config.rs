//! Turns kubectl's connection flags into a kube client configuration:
//! `--kubeconfig`, `KUBECONFIG`, `~/.kube/config`, then in-cluster. Also the
//! timeouts that always apply, and what may never be printed (credentials).

use crate::model::Identity;
use crate::settings::Connection;
use anyhow::{bail, Context};
use kube::config::{Config, KubeConfigOptions, Kubeconfig};
use std::sync::OnceLock;
use std::time::Duration;

/// How long to wait for a TCP/TLS connection when `--request-timeout` is 0
/// (client-go's dialer default).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// `--idle-timeout`'s default: kube-apiserver ends a request after a minute itself.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// The exec credential plugin's command and arguments (never its environment),
/// for error messages that must not repeat the plugin's output.
static EXEC_COMMAND: OnceLock<String> = OnceLock::new();

pub fn exec_command() -> Option<&'static str> {
    EXEC_COMMAND.get().map(String::as_str)
}

/// `scheme://host:port/path` without `user:password@`: what may be printed and recorded.
pub fn printable_server(uri: &http::Uri) -> String {
    let scheme = uri.scheme_str().unwrap_or("https");
    let host = uri.host().unwrap_or_default();
    let port = uri.port_u16().map(|p| format!(":{p}")).unwrap_or_default();
    let path = uri.path().trim_end_matches('/');
    format!("{scheme}://{host}{port}{path}")
}

fn default_kubeconfig_exists() -> bool {
    std::env::var_os("HOME")
        .map(|h| std::path::Path::new(&h).join(".kube/config").exists())
        .unwrap_or(false)
}

/// Every context of the kubeconfig, in its order (`scan --all-contexts`).
pub fn context_names(flags: &Connection) -> anyhow::Result<Vec<String>> {
    let kc = read_kubeconfig(flags)?
        .ok_or_else(|| anyhow::anyhow!("--all-contexts needs a kubeconfig: pass --kubeconfig, set KUBECONFIG, or create ~/.kube/config"))?;
    Ok(kc.contexts.into_iter().map(|c| c.name).collect())
}

/// The kubeconfig to use: `--kubeconfig`, `KUBECONFIG`, `~/.kube/config`; or, with
/// none and `--server` given, one made of the flags alone (as kubectl allows).
fn read_kubeconfig(flags: &Connection) -> anyhow::Result<Option<Kubeconfig>> {
    if let Some(path) = &flags.kubeconfig {
        return Ok(Some(Kubeconfig::read_from(path).with_context(|| {
            format!("reading kubeconfig {}", path.display())
        })?));
    }
    if std::env::var_os("KUBECONFIG").is_some_and(|v| !v.is_empty()) || default_kubeconfig_exists()
    {
        return Ok(Some(
            Kubeconfig::read().context("reading kubeconfig (KUBECONFIG or ~/.kube/config)")?,
        ));
    }
    if flags.overrides.server.is_some() {
        let empty: Kubeconfig = serde_json::from_value(serde_json::json!({
            "clusters": [{"name": "command-line", "cluster": {}}],
            "users": [{"name": "command-line", "user": {}}],
            "contexts": [{"name": "command-line", "context": {"cluster": "command-line", "user": "command-line"}}],
            "current-context": "command-line",
        }))?;
        return Ok(Some(empty));
    }
    Ok(None)
}

/// Applies kubectl's cluster and user flags to the named cluster and user of `kc`
/// (creating them when missing), with client-go's rules: a CA flag replaces the
/// kubeconfig's CA; `--insecure-skip-tls-verify` without one drops it.
fn apply_overrides(
    kc: &mut Kubeconfig,
    cluster: &str,
    user: &str,
    o: &crate::settings::Overrides,
) -> anyhow::Result<()> {
    if !o.any() {
        return Ok(());
    }
    if o.insecure_skip_tls_verify && o.certificate_authority.is_some() {
        bail!("specifying a root certificates file with the insecure flag is not allowed");
    }
    let path = |p: &std::path::PathBuf| p.to_string_lossy().into_owned();
    if !kc.clusters.iter().any(|c| c.name == cluster) {
        kc.clusters.push(serde_json::from_value(
            serde_json::json!({"name": cluster, "cluster": {}}),
        )?);
    }
    let named = kc
        .clusters
        .iter_mut()
        .find(|c| c.name == cluster)
        .expect("just ensured");
    let c = named.cluster.get_or_insert_with(Default::default);
    if let Some(server) = &o.server {
        c.server = Some(server.clone());
    }
    if let Some(ca) = &o.certificate_authority {
        c.certificate_authority = Some(path(ca));
        c.certificate_authority_data = None;
    }
    if o.insecure_skip_tls_verify {
        c.insecure_skip_tls_verify = Some(true);
        c.certificate_authority = None;
        c.certificate_authority_data = None;
    }
    if let Some(name) = &o.tls_server_name {
        c.tls_server_name = Some(name.clone());
    }
    // The user's credentials, through serde: its secret fields have no setters.
    let mut auth = match kc.auth_infos.iter().find(|a| a.name == user) {
        Some(a) => serde_json::to_value(a.auth_info.clone().unwrap_or_default())?,
        None => serde_json::json!({}),
    };
    let set = |auth: &mut serde_json::Value, key: &str, value: String| {
        auth[key] = serde_json::json!(value)
    };
    if let Some(token) = &o.token {
        set(&mut auth, "token", token.clone());
        auth.as_object_mut().map(|m| m.remove("tokenFile"));
    }
    if let Some(cert) = &o.client_certificate {
        set(&mut auth, "client-certificate", path(cert));
        auth.as_object_mut()
            .map(|m| m.remove("client-certificate-data"));
    }
    if let Some(key) = &o.client_key {
        set(&mut auth, "client-key", path(key));
        auth.as_object_mut().map(|m| m.remove("client-key-data"));
    }
    if let Some(name) = &o.username {
        set(&mut auth, "username", name.clone());
    }
    if let Some(password) = &o.password {
        set(&mut auth, "password", password.clone());
    }
    let auth = serde_json::from_value(auth)?;
    match kc.auth_infos.iter_mut().find(|a| a.name == user) {
        Some(a) => a.auth_info = Some(auth),
        None => kc.auth_infos.push(serde_json::from_value(
            serde_json::json!({"name": user, "user": {}}),
        )?),
    }
    if let Some(a) = kc.auth_infos.iter_mut().find(|a| a.name == user) {
        if a.auth_info.is_none() {
            a.auth_info = Some(Default::default());
        }
    }
    Ok(())
}

pub async fn load(flags: &Connection) -> anyhow::Result<(Config, Identity)> {
    let mut options = KubeConfigOptions {
        context: flags.context.clone(),
        cluster: flags.cluster.clone(),
        user: flags.user.clone(),
    };
    let kubeconfig = read_kubeconfig(flags)?;
    let (mut config, mut identity) = match kubeconfig {
        Some(mut kc) => {
            let context = options
                .context
                .clone()
                .or_else(|| kc.current_context.clone())
                .unwrap_or_default();
            let named = kc.contexts.iter().find(|c| c.name == context).and_then(|c| c.context.clone());
            if let Some(user) = &options.user {
                if !kc.auth_infos.iter().any(|a| a.name == *user) && !flags.overrides.any() {
                    let known: Vec<&str> = kc.auth_infos.iter().map(|a| a.name.as_str()).collect();
                    bail!("user {user:?} is not in the kubeconfig (known: {})", known.join(", "));
                }
            }
            if options.context.is_some() && named.is_none() {
                let known: Vec<&str> = kc.contexts.iter().map(|c| c.name.as_str()).collect();
                bail!("context {context:?} is not in the kubeconfig (known: {})", known.join(", "));
            }
            let user = options
                .user
                .clone()
                .or_else(|| named.clone().and_then(|c| c.user))
                .unwrap_or_default();
            let cluster_name = options
                .cluster
                .clone()
                .or_else(|| named.as_ref().map(|c| c.cluster.clone()))
                .unwrap_or_default();
            if named.is_none() && flags.overrides.server.is_some() {
                // No usable context: the flags name the cluster and user.
                let cluster = if cluster_name.is_empty() { "command-line".to_string() } else { cluster_name.clone() };
                let user_name = if user.is_empty() { "command-line".to_string() } else { user.clone() };
                apply_overrides(&mut kc, &cluster, &user_name, &flags.overrides)?;
                options.cluster = Some(cluster);
                options.user = Some(user_name);
            } else {
                apply_overrides(&mut kc, &cluster_name, &user, &flags.overrides)?;
            }
            if let Some(c) = kc.clusters.iter().find(|c| c.name == cluster_name).and_then(|c| c.cluster.as_ref()) {
                let has_ca = c.certificate_authority.is_some() || c.certificate_authority_data.is_some();
                if c.insecure_skip_tls_verify == Some(true) && has_ca {
                    bail!("kubeconfig cluster {cluster_name:?}: specifying a root certificates file with the insecure flag is not allowed (remove insecure-skip-tls-verify, or the certificate authority)");
                }
            }
            let user_name = options.user.clone().or_else(|| named.as_ref().and_then(|c| c.user.clone()));
            if let Some(exec) = kc
                .auth_infos
                .iter()
                .find(|a| Some(&a.name) == user_name.as_ref())
                .and_then(|a| a.auth_info.as_ref())
                .and_then(|a| a.exec.as_ref())
            {
                let mut words = vec![exec.command.clone().unwrap_or_default()];
                words.extend(exec.args.clone().unwrap_or_default());
                let _ = EXEC_COMMAND.set(words.join(" "));
            }
            let config = Config::from_custom_kubeconfig(kc, &options)
                .await
                .context("loading the kubeconfig context")?;
            (config, Identity { context, user, ..Default::default() })
        }
        None => match Config::incluster() {
            Ok(c) => (c, Identity { context: "in-cluster".into(), user: "serviceaccount".into(), ..Default::default() }),
            Err(_) => bail!(
                "no kubeconfig found and not running in a cluster: pass --kubeconfig (or --server), set KUBECONFIG, or create ~/.kube/config"
            ),
        },
    };
    identity.server = printable_server(&config.cluster_url);
    // kube retries 503s up to 15 times with growing delays; during an incident an
    // unavailable API must be reported at once, not waited on.
    config.default_retry = false;
    if let Some(user) = &flags.as_user {
        config.auth_info.impersonate = Some(user.clone());
        identity.impersonate = Some((user.clone(), flags.as_groups.clone()));
    }
    if !flags.as_groups.is_empty() {
        config.auth_info.impersonate_groups = Some(flags.as_groups.clone());
    }
    // kubectl's 0 means no overall limit, but a hung connection must not hang the
    // tool: connecting, and silence from the server, are always bounded.
    let idle = if flags.idle_timeout.is_zero() {
        IDLE_TIMEOUT
    } else {
        flags.idle_timeout
    };
    let limit = |d: Duration| match flags.request_timeout {
        t if t.is_zero() => d,
        t => t.min(d),
    };
    config.connect_timeout = Some(limit(CONNECT_TIMEOUT));
    config.read_timeout = Some(limit(idle));
    config.write_timeout = Some(limit(idle));
    // The read timer restarts with each request, so an idle pooled connection
    // is not mistaken for a silent server.
    config.reset_reader_on_write = true;
    Ok((config, identity))
}

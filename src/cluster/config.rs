//! Turns kubectl's connection flags into a kube client configuration:
//! `--kubeconfig`, `KUBECONFIG`, `~/.kube/config`, then in-cluster.

use crate::cli::KubeFlags;
use anyhow::{bail, Context};
use kube::config::{Config, KubeConfigOptions, Kubeconfig};

/// Who and where we talk to, for messages and audit records.
#[derive(Debug, Clone, Default)]
pub struct Identity {
    pub context: String,
    pub user: String,
    pub server: String,
}

fn default_kubeconfig_exists() -> bool {
    std::env::var_os("HOME")
        .map(|h| std::path::Path::new(&h).join(".kube/config").exists())
        .unwrap_or(false)
}

pub async fn load(flags: &KubeFlags) -> anyhow::Result<(Config, Identity)> {
    let options = KubeConfigOptions {
        context: flags.context.clone(),
        cluster: flags.cluster.clone(),
        user: flags.user.clone(),
    };
    let kubeconfig = if let Some(path) = &flags.kubeconfig {
        Some(
            Kubeconfig::read_from(path)
                .with_context(|| format!("reading kubeconfig {}", path.display()))?,
        )
    } else if std::env::var_os("KUBECONFIG").is_some_and(|v| !v.is_empty())
        || default_kubeconfig_exists()
    {
        Some(Kubeconfig::read().context("reading kubeconfig (KUBECONFIG or ~/.kube/config)")?)
    } else {
        None
    };
    let (mut config, mut identity) = match kubeconfig {
        Some(kc) => {
            let context = options
                .context
                .clone()
                .or_else(|| kc.current_context.clone())
                .unwrap_or_default();
            let named = kc.contexts.iter().find(|c| c.name == context).and_then(|c| c.context.clone());
            if options.context.is_some() && named.is_none() {
                let known: Vec<&str> = kc.contexts.iter().map(|c| c.name.as_str()).collect();
                bail!("context {context:?} is not in the kubeconfig (known: {})", known.join(", "));
            }
            let user = options
                .user
                .clone()
                .or_else(|| named.and_then(|c| c.user))
                .unwrap_or_default();
            let config = Config::from_custom_kubeconfig(kc, &options)
                .await
                .context("loading the kubeconfig context")?;
            (config, Identity { context, user, server: String::new() })
        }
        None => match Config::incluster() {
            Ok(c) => (c, Identity { context: "in-cluster".into(), user: "serviceaccount".into(), server: String::new() }),
            Err(_) => bail!(
                "no kubeconfig found and not running in a cluster: pass --kubeconfig, set KUBECONFIG, or create ~/.kube/config"
            ),
        },
    };
    identity.server = config.cluster_url.to_string();
    // kube retries 503s up to 15 times with growing delays; during an incident an
    // unavailable API must be reported at once, not waited on.
    config.default_retry = false;
    if let Some(user) = &flags.as_user {
        config.auth_info.impersonate = Some(user.clone());
        identity.user = user.clone();
    }
    if !flags.as_group.is_empty() {
        config.auth_info.impersonate_groups = Some(flags.as_group.clone());
    }
    if !flags.request_timeout.is_zero() {
        config.read_timeout = Some(flags.request_timeout);
        config.write_timeout = Some(flags.request_timeout);
        config.connect_timeout = Some(flags.request_timeout);
        config.reset_reader_on_write = true;
    }
    Ok((config, identity))
}

//! What `clear` keeps on disk: each manifest before the first write, and a
//! write-ahead audit log — an intent record, flushed to disk, before every
//! write, and a result record after it — so the log is never behind the cluster.
//! Files are created private (0600 in 0700 directories), never through a symlink.

use anyhow::Context;
use serde_json::{json, Value};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// `$XDG_STATE_HOME/kubectl-finalizers`, else `~/.local/state/kubectl-finalizers`.
pub fn state_dir() -> Option<PathBuf> {
    std::env::var_os("XDG_STATE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".local/state")))
        .map(|d| d.join("kubectl-finalizers"))
}

/// Creates a directory (and parents) readable only by the user. An existing one
/// must be a real directory that no one else can write to.
pub fn private_dir(dir: &Path) -> anyhow::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(dir)
        .with_context(|| format!("creating {}", dir.display()))?;
    let meta = std::fs::symlink_metadata(dir)?;
    if meta.file_type().is_symlink() {
        anyhow::bail!(
            "{} is a symbolic link: refusing to write through it",
            dir.display()
        );
    }
    if meta.permissions().mode() & 0o022 != 0 {
        anyhow::bail!(
            "{} can be written by other users (mode {:o}): refusing to keep backups or audit records there",
            dir.display(),
            meta.permissions().mode() & 0o777
        );
    }
    Ok(())
}

/// Opens `path` without following a symlink at its end (O_NOFOLLOW), creating it
/// 0600. `exclusive`: it must not exist yet (O_EXCL); else it is appended to, and
/// an existing file with looser permissions is tightened to 0600.
fn private_file(path: &Path, exclusive: bool) -> anyhow::Result<File> {
    let mut o = OpenOptions::new();
    o.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    if exclusive {
        o.write(true).create_new(true);
    } else {
        o.append(true).create(true);
    }
    let file = o.open(path).map_err(|e| {
        if e.raw_os_error() == Some(libc::ELOOP) {
            anyhow::anyhow!(
                "{} is a symbolic link: refusing to write through it",
                path.display()
            )
        } else {
            anyhow::Error::new(e).context(format!("opening {}", path.display()))
        }
    })?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        anyhow::bail!("{} is not a regular file", path.display());
    }
    if meta.permissions().mode() & 0o077 != 0 {
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .with_context(|| format!("making {} private", path.display()))?;
        crate::say!(
            "warning: {} was readable by other users; its mode is now 0600",
            path.display()
        );
    }
    Ok(file)
}

/// Saves each manifest as `<resource>_<namespace>_<name>.yaml` in `dir`; an
/// existing backup is never overwritten (a numbered name is used instead).
pub fn backup<'a>(
    dir: &Path,
    manifests: impl Iterator<Item = (String, &'a Value)>,
) -> anyhow::Result<usize> {
    private_dir(dir).with_context(|| format!("creating the backup directory {}", dir.display()))?;
    let mut count = 0;
    for (stem, manifest) in manifests {
        let text = crate::render::yaml::print(manifest)?;
        let mut n = 0;
        let mut f = loop {
            let name = if n == 0 {
                format!("{stem}.yaml")
            } else {
                format!("{stem}.{n}.yaml")
            };
            let path = dir.join(name);
            match private_file(&path, true) {
                Ok(f) => break f,
                Err(e)
                    if e.downcast_ref::<std::io::Error>()
                        .is_some_and(|io| io.kind() == std::io::ErrorKind::AlreadyExists)
                        && n < 1000 =>
                {
                    n += 1
                }
                Err(e) => return Err(e.context(format!("writing backup {}", path.display()))),
            }
        };
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        count += 1;
    }
    Ok(count)
}

/// The JSON-lines audit log. Each line is complete and on disk before the
/// write it announces (intent) or reports (result) goes further.
pub struct AuditLog {
    path: PathBuf,
    file: Mutex<File>,
}

impl AuditLog {
    pub fn open(path: &Path) -> anyhow::Result<AuditLog> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            if !parent.exists() {
                private_dir(parent)?;
            }
        }
        let file = private_file(path, false)
            .with_context(|| format!("opening the audit log {}", path.display()))?;
        Ok(AuditLog {
            path: path.to_path_buf(),
            file: Mutex::new(file),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends `record` with the current time and syncs it to disk.
    pub fn append(&self, mut record: Value) -> anyhow::Result<()> {
        record["time"] = json!(jiff::Timestamp::now()
            .strftime("%Y-%m-%dT%H:%M:%S%.3fZ")
            .to_string());
        let mut line = serde_json::to_vec(&record)?;
        line.push(b'\n');
        let mut f = self
            .file
            .lock()
            .map_err(|_| anyhow::anyhow!("audit log lock"))?;
        f.write_all(&line)
            .and_then(|()| f.sync_data())
            .with_context(|| format!("writing the audit log {}", self.path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_writes_through_a_symlink_and_tightens_loose_modes() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "keep").unwrap();
        std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o644)).unwrap();
        let link = dir.path().join("audit.jsonl");
        std::os::unix::fs::symlink(&victim, &link).unwrap();
        let err = AuditLog::open(&link).err().unwrap();
        assert!(format!("{err:#}").contains("symbolic link"), "{err:#}");
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep");
        assert_eq!(
            std::fs::metadata(&victim).unwrap().permissions().mode() & 0o777,
            0o644
        );

        let loose = dir.path().join("loose.jsonl");
        std::fs::write(&loose, "").unwrap();
        std::fs::set_permissions(&loose, std::fs::Permissions::from_mode(0o644)).unwrap();
        let log = AuditLog::open(&loose).unwrap();
        log.append(json!({"result": "removed"})).unwrap();
        assert_eq!(
            std::fs::metadata(&loose).unwrap().permissions().mode() & 0o777,
            0o600
        );

        let backups = dir.path().join("b");
        let m = json!({"kind": "ConfigMap"});
        backup(&backups, [("cm".to_string(), &m)].into_iter()).unwrap();
        backup(&backups, [("cm".to_string(), &m)].into_iter()).unwrap();
        assert!(backups.join("cm.yaml").exists() && backups.join("cm.1.yaml").exists());
        std::os::unix::fs::symlink(&victim, backups.join("x.yaml")).unwrap();
        assert!(backup(&backups, [("x".to_string(), &m)].into_iter()).is_ok());
        assert!(
            backups.join("x.1.yaml").exists(),
            "the link is skipped, not followed"
        );
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep");
    }
}

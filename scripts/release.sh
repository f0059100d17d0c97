#!/usr/bin/env bash
# Builds release archives and renders krew-manifest.yaml from
# packaging/krew-manifest.tmpl.yaml.
#
#   scripts/release.sh VERSION [TARGET...]     build TARGETs (default: this machine's)
#                                              into dist/, then render the manifest
#   scripts/release.sh --render VERSION DIST   only render, from the archives in DIST
#
# TARGET is a Rust target triple (x86_64-unknown-linux-gnu, aarch64-apple-darwin,
# x86_64-pc-windows-msvc, …); each needs its toolchain installed (rustup target add).
# The manifest lists every platform whose archive is in DIST.
set -euo pipefail
cd "$(dirname "$0")/.."
base_url="https://github.com/kubectl-finalizers/kubectl-finalizers/releases/download"

platform_of() { # target triple -> "os arch"
  local os arch
  case "$1" in
    *linux*) os=linux ;; *darwin*|*apple*) os=darwin ;; *windows*) os=windows ;;
    *) echo "unsupported target $1" >&2; return 1 ;;
  esac
  case "$1" in
    x86_64*) arch=amd64 ;; aarch64*|arm64*) arch=arm64 ;;
    *) echo "unsupported target $1" >&2; return 1 ;;
  esac
  echo "$os $arch"
}

render() { # VERSION DIST
  local version=$1 dist=$2 platforms="" found=0
  for os in linux darwin windows; do
    for arch in amd64 arm64; do
      local ext=tar.gz bin=kubectl-finalizers
      [ "$os" = windows ] && ext=zip && bin=kubectl-finalizers.exe
      local archive="kubectl-finalizers_${version}_${os}_${arch}.${ext}"
      [ -f "$dist/$archive" ] || continue
      found=$((found + 1))
      local sha
      sha=$(sha256sum "$dist/$archive" | cut -d' ' -f1)
      platforms+="  - selector:
      matchLabels:
        os: ${os}
        arch: ${arch}
    uri: ${base_url}/${version}/${archive}
    sha256: ${sha}
    bin: ${bin}
    files:
    - from: ${bin}
      to: .
    - from: kubectl_complete-finalizers
      to: .
    - from: LICENSE
      to: .
"
    done
  done
  if [ "$found" = 0 ]; then
    echo "no archives for version $version in $dist" >&2
    return 1
  fi
  local template
  template=$(cat packaging/krew-manifest.tmpl.yaml)
  template=${template//\{\{VERSION\}\}/$version}
  printf '%s\n' "${template//\{\{PLATFORMS\}\}/${platforms%$'\n'}}"
}

if [ "${1:-}" = "--render" ]; then
  render "$2" "$3"
  exit
fi

version=${1:?usage: scripts/release.sh VERSION [TARGET...]}
case "$version" in v[0-9]*.[0-9]*.[0-9]*) ;; *) echo "VERSION must look like v1.2.3" >&2; exit 2 ;; esac
shift
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("$(rustc -vV | sed -n 's/^host: //p')")
mkdir -p dist
for target in "${targets[@]}"; do
  read -r os arch < <(platform_of "$target")
  cargo build --release --locked --target "$target" --bin kubectl-finalizers
  stage=$(mktemp -d)
  bin=kubectl-finalizers
  [ "$os" = windows ] && bin=kubectl-finalizers.exe
  cp "target/$target/release/$bin" LICENSE README.md completions/kubectl_complete-finalizers "$stage/"
  archive="kubectl-finalizers_${version}_${os}_${arch}"
  if [ "$os" = windows ]; then
    (cd "$stage" && zip -q "$OLDPWD/dist/$archive.zip" ./*)
  else
    tar -C "$stage" -czf "dist/$archive.tar.gz" .
  fi
  rm -rf "$stage"
  echo "built dist/$archive"
done
render "$version" dist > krew-manifest.yaml
echo "rendered krew-manifest.yaml"

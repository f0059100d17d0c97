#!/usr/bin/env bash
# Builds release archives and renders krew-manifest.yaml from
# packaging/krew-manifest.tmpl.yaml.
#
#   scripts/release.sh VERSION [TARGET...]
#       build TARGETs (default: this machine's), package them into dist/, then
#       render krew-manifest.yaml from the archives there
#   scripts/release.sh --package VERSION TARGET [DIST]
#       package an already built TARGET (cargo build --release --target TARGET,
#       in $CARGO_TARGET_DIR or target/) into DIST (default: dist)
#   scripts/release.sh --render [--all] VERSION DIST
#       only render, to stdout, from the archives in DIST; with --all, fail
#       unless every platform (linux, darwin, windows × amd64, arm64) is there
#
# TARGET is a Rust target triple (x86_64-unknown-linux-musl, aarch64-apple-darwin,
# x86_64-pc-windows-msvc, …); building one needs its toolchain (rustup target add).
# An archive, kubectl-finalizers_VERSION_OS_ARCH.tar.gz (.zip on Windows), holds
# the binary, LICENSE, README.md and the kubectl completion helper at its top
# level. Without --all the manifest lists every platform whose archive is in DIST.
set -euo pipefail

abspath() { # PATH, relative to where the script was run from
  case "$1" in
    /* | [A-Za-z]:*) printf '%s\n' "$1" ;;
    *) printf '%s\n' "$PWD/$1" ;;
  esac
}

target_dir=""
[ -z "${CARGO_TARGET_DIR:-}" ] || target_dir=$(abspath "$CARGO_TARGET_DIR")
caller=$PWD
cd "$(dirname "$0")/.."
target_dir=${target_dir:-$PWD/target}
base_url="https://github.com/kubectl-finalizers/kubectl-finalizers/releases/download"
platforms_all="linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64"

usage() { # the header above, without its first lines
  awk 'NR > 4 && /^#/ { sub(/^# ?/, ""); print; next } NR > 4 { exit }' "$0" >&2
  exit 2
}

check_version() {
  local semver='^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$'
  if ! [[ $1 =~ $semver ]]; then
    echo "VERSION must look like v1.2.3, not '$1'" >&2
    exit 2
  fi
}

platform_of() { # target triple -> "os arch"
  local os arch
  case "$1" in
    *linux*) os=linux ;; *darwin* | *apple*) os=darwin ;; *windows*) os=windows ;;
    *) echo "unsupported target $1" >&2; return 1 ;;
  esac
  case "$1" in
    x86_64*) arch=amd64 ;; aarch64* | arm64*) arch=arm64 ;;
    *) echo "unsupported target $1" >&2; return 1 ;;
  esac
  echo "$os $arch"
}

archive_name() { # VERSION OS ARCH
  local ext=tar.gz
  [ "$2" = windows ] && ext=zip
  echo "kubectl-finalizers_${1}_${2}_${3}.${ext}"
}

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d' ' -f1
  else
    shasum -a 256 "$1" | cut -d' ' -f1
  fi
}

zip_here() { # ARCHIVE: the files of the current directory, at the archive's top level
  if command -v zip >/dev/null 2>&1; then
    zip -q -X "$1" *
  elif command -v 7z >/dev/null 2>&1; then
    7z a -tzip -bso0 -bsp0 "$1" *
  else
    echo "neither zip nor 7z is installed" >&2
    return 1
  fi
}

package() { # VERSION TARGET DIST
  local version=$1 target=$2 dist=$3 platform os arch bin name stage
  platform=$(platform_of "$target")
  read -r os arch <<<"$platform"
  bin=kubectl-finalizers
  [ "$os" = windows ] && bin=kubectl-finalizers.exe
  local built="$target_dir/$target/release/$bin"
  if [ ! -f "$built" ]; then
    echo "$built is missing: cargo build --release --locked --target $target" >&2
    return 1
  fi
  name=$(archive_name "$version" "$os" "$arch")
  mkdir -p "$dist"
  stage="$dist/.stage-$target"
  rm -rf "$stage" "${dist:?}/$name"
  mkdir "$stage"
  cp "$built" LICENSE README.md completions/kubectl_complete-finalizers "$stage/"
  chmod 755 "$stage/$bin" "$stage/kubectl_complete-finalizers"
  if [ "$os" = windows ]; then
    (cd "$stage" && zip_here "../$name")
  else
    # COPYFILE_DISABLE: no AppleDouble (._*) entries from macOS's tar.
    (cd "$stage" && COPYFILE_DISABLE=1 tar -czf "../$name" *)
  fi
  rm -rf "$stage"
  echo "packaged $dist/$name" >&2
}

render() { # VERSION DIST ALL
  local version=$1 dist=$2 all=$3 platforms="" found=0 missing=""
  for platform in $platforms_all; do
    local os=${platform%/*} arch=${platform#*/} bin=kubectl-finalizers
    [ "$os" = windows ] && bin=kubectl-finalizers.exe
    local archive
    archive=$(archive_name "$version" "$os" "$arch")
    if [ ! -f "$dist/$archive" ]; then
      missing+=" $archive"
      continue
    fi
    found=$((found + 1))
    local sha
    sha=$(sha256_of "$dist/$archive")
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
  if [ "$found" = 0 ]; then
    echo "no archives for version $version in $dist" >&2
    return 1
  fi
  if [ "$all" = 1 ] && [ -n "$missing" ]; then
    echo "missing from $dist:$missing" >&2
    return 1
  fi
  local template
  template=$(cat packaging/krew-manifest.tmpl.yaml)
  template=${template//\{\{VERSION\}\}/$version}
  printf '%s\n' "${template//\{\{PLATFORMS\}\}/${platforms%$'\n'}}"
}

case "${1:-}" in
  --render)
    shift
    all=0
    if [ "${1:-}" = --all ]; then
      all=1
      shift
    fi
    [ $# = 2 ] || usage
    check_version "$1"
    render "$1" "$(cd "$caller" && abspath "$2")" "$all"
    exit
    ;;
  --package)
    shift
    [ $# = 2 ] || [ $# = 3 ] || usage
    check_version "$1"
    package "$1" "$2" "$(cd "$caller" && abspath "${3:-dist}")"
    exit
    ;;
  "" | -*) usage ;;
esac

version=$1
check_version "$version"
shift
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("$(rustc -vV | sed -n 's/^host: //p')")
for target in "${targets[@]}"; do
  cargo build --release --locked --target "$target" --bin kubectl-finalizers
  package "$version" "$target" "$PWD/dist"
done
render "$version" "$PWD/dist" 0 >krew-manifest.yaml
echo "rendered krew-manifest.yaml"

# Sourced by tests/run.sh and tests/bench.sh: apt_install PACKAGE... installs Debian packages,
# as root or through sudo when there is one.
apt_install() {
  local sudo=()
  if [[ "$(id -u)" -ne 0 ]] && command -v sudo >/dev/null; then
    sudo=(sudo)
  fi
  echo "$(basename "$0"): installing $* from apt" >&2
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

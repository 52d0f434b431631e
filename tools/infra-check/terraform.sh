#!/usr/bin/env bash
# Terraform checked for real, offline: init (no backend), validate, and `terraform test` (plans
# against a mocked AWS provider, IAM documents computed by the real provider with no account).
# Providers come from a filesystem mirror (TF_PROVIDER_MIRROR, or the usual mirror folders);
# nothing is downloaded. Exit 0 on success; prints one "SKIP" line and exits 0 when Terraform
# or the mirror is absent (exit 2 instead with TF_CHECK_REQUIRED=1).
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
infra="$root/infra"

skip() {
  echo "SKIP terraform checks: $1"
  if [ "${TF_CHECK_REQUIRED:-0}" = "1" ]; then exit 2; fi
  exit 0
}

command -v terraform >/dev/null 2>&1 || skip "no terraform on PATH"
mirror="${TF_PROVIDER_MIRROR:-}"
if [ -z "$mirror" ]; then
  for candidate in /opt/tf-plugins "$HOME/.terraform.d/plugins" /usr/local/share/terraform/plugins /usr/share/terraform/plugins; do
    if [ -d "$candidate/registry.terraform.io/hashicorp/aws" ]; then mirror="$candidate"; break; fi
  done
fi
[ -n "$mirror" ] && [ -d "$mirror/registry.terraform.io/hashicorp/aws" ] || skip "no filesystem mirror of hashicorp/aws (set TF_PROVIDER_MIRROR to the folder above registry.terraform.io)"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cat > "$work/cli.tfrc" <<CFG
provider_installation {
  filesystem_mirror {
    path    = "$mirror"
    include = ["registry.terraform.io/hashicorp/aws"]
  }
}
CFG
export TF_CLI_CONFIG_FILE="$work/cli.tfrc" TF_DATA_DIR="$work/data" TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1
cd "$infra"

run() {
  echo "== terraform $*"
  if ! out="$(terraform "$@" -no-color 2>&1)"; then
    echo "$out"
    echo "FAILED: terraform $*"
    exit 1
  fi
  echo "$out" | grep -E '^(Success|Terraform has been|  run |tests/)' || true
}

# The committed lock file pins the provider; init must not change it.
run init -backend=false -input=false -lockfile=readonly
# -no-tests: `terraform test` below validates every test file and each run's module again.
run validate -no-tests
run fmt -check -recursive
run test
echo "terraform checks passed ($(terraform version | head -1), provider mirror $(basename "$mirror"))"

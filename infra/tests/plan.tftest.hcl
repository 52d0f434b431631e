# The whole stack, planned against a mocked AWS provider (no account, no network).
mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
  # Mocked values are random strings: give the data sources whose output is parsed a valid one.
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }
  mock_data "aws_subnet" {
    defaults = { cidr_block = "10.0.0.0/24" }
  }
  mock_data "aws_secretsmanager_random_password" {
    defaults = { random_password = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZab" }
  }
}

# The per-region aliases of regions.tf (bastions in the clusters' regions), mocked too.
mock_provider "aws" {
  alias = "us_east_1"
}
mock_provider "aws" {
  alias = "us_west_2"
}
mock_provider "aws" {
  alias = "eu_west_1"
}
mock_provider "aws" {
  alias = "eu_central_1"
}
mock_provider "aws" {
  alias = "ap_northeast_1"
}

variables {
  region                  = "eu-west-1"
  vpc_id                  = "vpc-0123456789abcdef0"
  private_subnet_ids      = ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"]
  public_subnet_ids       = ["subnet-0dddddddddddddddd", "subnet-0eeeeeeeeeeeeeeee"]
  private_route_table_ids = ["rtb-0aaaaaaaaaaaaaaaa"]
  create_vpc_endpoints    = true
  certificate_arn         = "arn:aws:acm:eu-west-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"
  database_cidr_blocks    = ["10.20.0.0/16"]
  oidc = {
    issuer                 = "https://login.example.com"
    authorization_endpoint = "https://login.example.com/oauth2/authorize"
    token_endpoint         = "https://login.example.com/oauth2/token"
    user_info_endpoint     = "https://login.example.com/oauth2/userinfo"
    client_id              = "dbre-dashboard"
  }
  oidc_client_secret = "test-secret"
  image_tag          = "test"
  slack              = { approvers_channel = "C0APPROVERS" }
  public_url         = "https://dbre.example.com"
}

# ARNs are known only after apply; give the token secrets theirs at plan.
override_resource {
  target          = module.app_secrets.aws_secretsmanager_secret.api_tokens["request-api"]
  override_during = plan
  values          = { arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:dbre/api-tokens/request-api-AAAAAA" }
}
override_resource {
  target          = module.app_secrets.aws_secretsmanager_secret.api_tokens["approval-api"]
  override_during = plan
  values          = { arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:dbre/api-tokens/approval-api-BBBBBB" }
}
override_resource {
  target          = module.app_secrets.aws_secretsmanager_secret.api_tokens["schema-review"]
  override_during = plan
  values          = { arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:dbre/api-tokens/schema-review-CCCCCC" }
}
override_resource {
  target          = module.app_secrets.aws_secretsmanager_secret.api_tokens["doc-crawler"]
  override_during = plan
  values          = { arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:dbre/api-tokens/doc-crawler-DDDDDD" }
}

# One run per set of variables: every run is a whole plan (12 provider processes: validate and
# plan, the default provider and the five regional aliases), so the checks of the default
# variables share one plan; each assertion still fails on its own with its message.
run "the_default_plan_wires_every_service" {
  command = plan

  # every service is planned with explicit aws drivers
  assert {
    condition     = toset(keys(module.service)) == toset(["request-api", "approval-api", "schema-review", "ops-dashboard", "doc-crawler", "provisioner", "reaper"])
    error_message = "the seven services are planned"
  }
  assert {
    condition     = alltrue([for app, env in local.app_env : merge(local.common_env, env)["DRIVERS"] == "aws"])
    error_message = "every service runs with DRIVERS=aws set explicitly"
  }
  assert {
    condition     = local.app_env["ops-dashboard"]["REQUEST_API_URL"] == "https://dbre.example.com"
    error_message = "ops-dashboard knows request-api's URL (End now)"
  }
  assert {
    condition     = local.app_secrets["ops-dashboard"]["REQUEST_API_TOKEN"] == "arn:aws:secretsmanager:eu-west-1:123456789012:secret:dbre/api-tokens/request-api-AAAAAA:ops-dashboard::"
    error_message = "ops-dashboard gets its own request-api token"
  }
  assert {
    condition     = local.app_secrets["ops-dashboard"]["APPROVAL_API_TOKEN"] == "arn:aws:secretsmanager:eu-west-1:123456789012:secret:dbre/api-tokens/approval-api-BBBBBB:ops-dashboard::"
    error_message = "ops-dashboard gets its own approval-api token (Approve / Deny)"
  }
  assert {
    condition     = local.app_env["ops-dashboard"]["APPROVAL_API_URL"] == "https://dbre.example.com" && local.app_env["ops-dashboard"]["TRUSTED_PROXIES"] == "10.0.0.0/24,10.0.0.0/24"
    error_message = "ops-dashboard knows approval-api's URL and believes X-Forwarded-* only from the ALB's subnets"
  }

  # scopes and act for are plain env per service
  assert {
    condition     = local.app_env["request-api"]["API_SCOPES"] == "ops-dashboard=grants:end;slack=requests:create,requests:read,grants:end"
    error_message = "request-api: the Slack bridge and the dashboard's End now, nothing more"
  }
  assert {
    condition     = local.app_env["request-api"]["API_ACT_FOR"] == "ops-dashboard=group:dbre;slack=*"
    error_message = "request-api: the dashboard acts for the approvers' group, the Slack bridge for anyone Slack verified"
  }
  assert {
    condition     = local.app_env["approval-api"]["API_SCOPES"] == "ops-dashboard=approve;slack=approve"
    error_message = "approval-api: approve only"
  }
  assert {
    condition     = local.app_env["schema-review"]["API_SCOPES"] == "ci=reviews" && !contains(keys(local.app_env["schema-review"]), "API_ACT_FOR")
    error_message = "schema-review: CI reviews, acting for nobody"
  }
  assert {
    condition     = local.app_env["doc-crawler"]["API_SCOPES"] == "ci=docs:crawl,docs:read"
    error_message = "doc-crawler: crawl callers"
  }
  assert {
    condition     = alltrue([for app in keys(local.app_env) : merge(local.common_env, local.app_env[app])["METRICS_ACCESS"] == "public" && merge(local.common_env, local.app_env[app])["API_DOCS_ACCESS"] == "public"])
    error_message = "/metrics and /docs are public to the VPC (the ALB answers them 404)"
  }
  assert {
    condition     = local.app_env["provisioner"]["DEPLOYMENT_ID"] == "dbre" && local.app_env["reaper"]["DEPLOYMENT_ID"] == "dbre"
    error_message = "the workers mark database users with the deployment id derived from the name"
  }
  assert {
    condition     = local.app_env["provisioner"]["DASHBOARD_URL"] == "https://dbre.example.com" && local.app_env["schema-review"]["DASHBOARD_URL"] == "https://dbre.example.com"
    error_message = "Slack messages link to the dashboard"
  }
  assert {
    condition     = !contains(keys(local.app_env["request-api"]), "RDS_INVENTORY_CREDENTIALS") && local.app_env["request-api"]["DOCS_BUCKET"] != ""
    error_message = "request-api logs in to check databases and reads the docs bucket"
  }
  assert {
    condition     = local.app_env["schema-review"]["REVIEW_WORKERS"] == "1"
    error_message = "schema-review: one parser worker per vCPU (0.5 vCPU: 1)"
  }

  # one token list per service
  assert {
    condition     = local.app_secrets["request-api"]["API_TOKENS"] != local.app_secrets["approval-api"]["API_TOKENS"]
    error_message = "request-api and approval-api read different token lists"
  }
  assert {
    condition     = local.app_secrets["approval-api"]["API_TOKENS"] == "arn:aws:secretsmanager:eu-west-1:123456789012:secret:dbre/api-tokens/approval-api-BBBBBB:API_TOKENS::"
    error_message = "approval-api reads its own secret's list"
  }
  assert {
    condition     = !contains(keys(local.app_secrets["provisioner"]), "API_TOKENS") && !contains(keys(local.app_secrets["reaper"]), "API_TOKENS")
    error_message = "workers accept no bearer tokens"
  }

  # ai off means no ai settings
  assert {
    condition     = !contains(keys(local.app_env["schema-review"]), "AI_PROVIDER")
    error_message = "without bedrock_model_id, schema-review runs rules only"
  }

  # one region means no bastion networks
  assert {
    condition     = !contains(keys(local.app_env["provisioner"]), "BASTION_NETWORKS") && output.bastion_networks == []
    error_message = "without bastion_regions the workers keep the single home network"
  }

  # the dashboard reads the evidence bucket
  assert {
    condition     = local.app_env["ops-dashboard"]["EVIDENCE_PREFIX"] == "" && contains(keys(local.app_env["ops-dashboard"]), "EVIDENCE_BUCKET")
    error_message = "ops-dashboard is given the evidence bucket (request pages show sealed evidence)"
  }
  assert {
    condition     = length(module.aurora_audit) == 0
    error_message = "no Advanced Auditing parameter group unless families are listed"
  }

  # the bastion pool is off unless sized
  assert {
    condition     = local.app_env["provisioner"]["BASTION_POOL"] == "off" && local.app_env["reaper"]["BASTION_POOL"] == "off"
    error_message = "bastion_pool_size defaults to 0: the workers launch every bastion cold"
  }
  assert {
    condition     = length(module.iam.bastion_pool_roles) == 0
    error_message = "no pool grants while the pool is off"
  }
}

run "bastions_in_another_region_get_their_network_and_the_workers_their_settings" {
  command = plan
  variables {
    bastion_regions = {
      "ap-northeast-1" = {
        vpc_id                     = "vpc-0fffffffffffffff1"
        subnet_ids                 = ["subnet-0fffffffffffffff1", "subnet-0fffffffffffffff2"]
        endpoint_security_group_id = "sg-0fffffffffffffff9"
        database_cidr_blocks       = ["10.40.0.0/16"]
      }
    }
  }
  override_resource {
    target          = module.bastion_network_ap_northeast_1[0].aws_security_group.bastion
    override_during = plan
    values          = { id = "sg-0fffffffffffffff3" }
  }
  assert {
    condition     = length(module.bastion_network_ap_northeast_1) == 1 && length(module.bastion_network_eu_west_1) == 0 && length(module.bastion_network_us_east_1) == 0
    error_message = "only the listed region gets a bastion network (the platform region has its own)"
  }
  assert {
    condition = jsondecode(local.app_env["provisioner"]["BASTION_NETWORKS"]) == [{
      region          = "ap-northeast-1"
      vpcId           = "vpc-0fffffffffffffff1"
      subnetIds       = ["subnet-0fffffffffffffff1", "subnet-0fffffffffffffff2"]
      securityGroupId = "sg-0fffffffffffffff3"
      databaseCidrs   = ["10.40.0.0/16"]
    }]
    error_message = "the provisioner gets BASTION_NETWORKS with the region's VPC, subnets, base group and cluster CIDRs"
  }
  assert {
    condition     = local.app_env["reaper"]["BASTION_NETWORKS"] == local.app_env["provisioner"]["BASTION_NETWORKS"]
    error_message = "the reaper closes what the provisioner opens: same networks"
  }
  assert {
    condition     = !contains(keys(local.app_env["request-api"]), "BASTION_NETWORKS")
    error_message = "only the bastion workers get BASTION_NETWORKS"
  }
}

run "a_sized_bastion_pool_reaches_both_workers_and_their_roles" {
  command = plan
  variables {
    bastion_pool_size = 2
  }

  assert {
    condition     = local.app_env["provisioner"]["BASTION_POOL"] == "on" && local.app_env["reaper"]["BASTION_POOL"] == "on" && local.app_env["reaper"]["BASTION_POOL_SIZE"] == "2"
    error_message = "the provisioner claims and the reaper refills, two stopped bastions per subnet"
  }
  assert {
    condition     = toset(module.iam.bastion_pool_roles) == toset(["provisioner", "reaper"])
    error_message = "the pool's policies sit on the provisioner and the reaper"
  }
}

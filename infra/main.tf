data "aws_caller_identity" "current" {}

# The ALB's subnets: the dashboard believes X-Forwarded-* only from addresses in them (TRUSTED_PROXIES).
data "aws_subnet" "alb" {
  for_each = toset(var.public_subnet_ids)
  id       = each.value
}

locals {
  account_id = data.aws_caller_identity.current.account_id

  # The seven services (tools/local-stack/apps.ts): port, size, and whether the ALB routes to them.
  app_defaults = {
    request-api   = { port = 3001, cpu = 256, memory = 512, desired_count = 2, routed = true }
    approval-api  = { port = 3002, cpu = 256, memory = 512, desired_count = 2, routed = true }
    schema-review = { port = 3003, cpu = 512, memory = 1024, desired_count = 2, routed = true }
    ops-dashboard = { port = 3004, cpu = 256, memory = 512, desired_count = 1, routed = true }
    doc-crawler   = { port = 3005, cpu = 1024, memory = 2048, desired_count = 1, routed = true }
    provisioner   = { port = 9101, cpu = 512, memory = 1024, desired_count = 2, routed = false }
    reaper        = { port = 9102, cpu = 512, memory = 1024, desired_count = 2, routed = false }
  }
  apps = {
    for name, app in local.app_defaults : name => merge(app, {
      cpu           = coalesce(try(var.app_sizes[name].cpu, null), app.cpu)
      memory        = coalesce(try(var.app_sizes[name].memory, null), app.memory)
      desired_count = coalesce(try(var.app_sizes[name].desired_count, null), app.desired_count)
    })
  }

  # ALB listener rules, by priority. At most five path values per rule (an ALB limit).
  routes = [
    { app = "approval-api", priority = 10, paths = ["/v1/access-requests/*/approve", "/v1/access-requests/*/deny", "/slack/approvals/*"], oidc = false },
    { app = "request-api", priority = 20, paths = ["/v1/access-requests", "/v1/access-requests/*", "/v1/outbox", "/v1/outbox/*"], oidc = false },
    { app = "schema-review", priority = 15, paths = ["/slack/reviews/*"], oidc = false },
    { app = "request-api", priority = 21, paths = ["/slack/*"], oidc = false },
    { app = "schema-review", priority = 30, paths = ["/v1/reviews", "/v1/reviews/*"], oidc = false },
    { app = "doc-crawler", priority = 40, paths = ["/v1/docs", "/v1/docs/*"], oidc = false },
    { app = "ops-dashboard", priority = 100, paths = ["/*"], oidc = true },
  ]

  # Secret ids the access services use (`dbre/access/<requestId>`, apps/provisioner secretIdFor).
  grant_secret_prefix = "dbre/access/"
  rds_regions         = length(var.rds_regions) > 0 ? var.rds_regions : [var.region]
  # Marks this deployment's database users (DEPLOYMENT_ID); default: the name without dashes, 1-8 chars.
  deployment_id = coalesce(var.deployment_id, substr(replace(var.name, "-", ""), 0, 8))

  common_env = {
    NODE_ENV        = "production"
    LOG_LEVEL       = "info"
    LOG_PRETTY      = "false"
    HOST            = "0.0.0.0"
    AWS_REGION      = var.region
    TABLE_PREFIX    = var.table_prefix
    QUEUE_PREFIX    = var.name
    PLATFORM_CONFIG = var.platform_config_path
    PLATFORM_TAG    = var.platform_tag
    DRIVERS         = "aws"
    RDS_REGIONS     = join(",", local.rds_regions)
    RDS_FLEET_TAG   = var.rds_fleet_tag
    # TLS to every cluster, the certificate verified against the RDS bundle baked into the image.
    RDS_CA_BUNDLE = "/app/certs/rds-global-bundle.pem"
    # Off loopback /metrics and /docs would need a token: the ALB answers these paths itself with a
    # 404 (modules/alb internal_paths) and the tasks admit only the ALB, so nothing outside the VPC
    # reaches them; in-VPC scrapers need no token (docs/aws.md "Metrics and API docs").
    METRICS_ACCESS  = "public"
    API_DOCS_ACCESS = "public"
  }
  deployment_env = { DEPLOYMENT_ID = local.deployment_id }
  bastion_env = {
    BASTION_SUBNET_IDS        = join(",", var.private_subnet_ids)
    BASTION_SECURITY_GROUP_ID = module.bastion.security_group_id
    BASTION_VPC_ID            = var.vpc_id
    BASTION_DATABASE_CIDRS    = join(",", var.database_cidr_blocks)
    BASTION_INSTANCE_PROFILE  = module.bastion.instance_profile_name
    BASTION_INSTANCE_TYPE     = var.bastion_instance_type
    BASTION_SESSION_DOCUMENT  = module.bastion.session_document_name
    BASTION_POOL              = var.bastion_pool_size > 0 ? "on" : "off"
    BASTION_POOL_SIZE         = tostring(var.bastion_pool_size)
  }
  kms_env = var.kms_key_arn == null ? {} : { SECRETS_KMS_KEY_ID = var.kms_key_arn, BASTION_KMS_KEY_ID = var.kms_key_arn }
  docs_env = {
    DOCS_BUCKET = module.docs_bucket.name
    DOCS_PREFIX = "docs/"
  }

  # The evidence store (Object Lock bucket): provisioner and reaper seal bundles and anchors into
  # it (each object locked for EVIDENCE_RETENTION_DAYS), the dashboard reads it.
  evidence_env = {
    EVIDENCE_BUCKET         = module.evidence_bucket.name
    EVIDENCE_PREFIX         = ""
    EVIDENCE_RETENTION_DAYS = tostring(var.evidence_retention_days)
  }

  # The AI second opinion is on only with a Bedrock model id; off, schema-review gets no Bedrock grant.
  ai_env = var.bedrock_model_id == null ? {} : { AI_PROVIDER = "bedrock", AI_MODEL = var.bedrock_model_id }

  public_url = coalesce(var.public_url, "https://${module.alb.dns_name}")
  # ops-dashboard serves the ALB's catch-all route: Slack messages link to a request's page there.
  dashboard_env = var.enable_slack ? { DASHBOARD_URL = local.public_url } : {}
  # Slack settings for the four services that talk to Slack (unset values are left out).
  slack_env = var.enable_slack && var.slack != null ? {
    for k, v in {
      SLACK_APPROVERS_CHANNEL  = var.slack.approvers_channel
      SLACK_REQUESTS_CHANNEL   = var.slack.requests_channel
      SLACK_APPROVER_USERGROUP = var.slack.approver_usergroup
    } : k => v if v != null
  } : {}

  # Scopes and act-for lists are not secret: plain environment, next to the API_TOKENS secret.
  api_scopes_env = {
    for service, tools in var.api_clients : service => merge(
      { API_SCOPES = join(";", [for tool, c in tools : "${tool}=${join(",", c.scopes)}"]) },
      length(flatten([for c in values(tools) : c.act_for])) == 0 ? {} : { API_ACT_FOR = join(";", [for tool, c in tools : "${tool}=${join(",", c.act_for)}" if length(c.act_for) > 0]) },
    )
  }

  # Services that never log in to a database list clusters without reading their secrets.
  # request-api logs in: it checks at request time that the requested database exists.
  app_env = {
    request-api   = merge({ SLACK_APPROVAL_API_URL = local.public_url, SLACK_SCHEMA_REVIEW_URL = local.public_url }, local.docs_env, local.slack_env, local.dashboard_env, lookup(local.api_scopes_env, "request-api", {}))
    approval-api  = merge({ RDS_INVENTORY_CREDENTIALS = "omit" }, local.slack_env, local.dashboard_env, lookup(local.api_scopes_env, "approval-api", {}))
    schema-review = merge(local.docs_env, local.ai_env, local.dashboard_env, { REVIEW_WORKERS = tostring(max(1, floor(local.apps["schema-review"].cpu / 1024))) }, lookup(local.api_scopes_env, "schema-review", {}))
    ops-dashboard = merge(local.docs_env, local.evidence_env, var.sign_out_url == null ? {} : { SIGN_OUT_URL = var.sign_out_url }, {
      RDS_INVENTORY_CREDENTIALS = "omit"
      DASHBOARD_AUTH            = "alb-oidc"
      ALB_ARN                   = module.alb.arn
      ALB_OIDC_KEY_URL          = "https://public-keys.auth.elb.${var.region}.amazonaws.com/{kid}"
      OIDC_ISSUER               = var.oidc.issuer
      # "End now" calls request-api through the ALB (HTTPS, its own bearer token below).
      REQUEST_API_URL = local.public_url
      # Approve / Deny on request pages, through the ALB with its own approval-api token.
      APPROVAL_API_URL = local.public_url
      TRUSTED_PROXIES  = join(",", [for s in data.aws_subnet.alb : s.cidr_block])
    })
    doc-crawler = merge(local.docs_env, lookup(local.api_scopes_env, "doc-crawler", {}))
    provisioner = merge(local.bastion_env, local.bastion_network_env, local.kms_env, local.slack_env, local.dashboard_env, local.deployment_env, local.evidence_env)
    reaper      = merge(local.bastion_env, local.bastion_network_env, local.kms_env, local.slack_env, local.dashboard_env, local.deployment_env, local.evidence_env)
  }

  # Secrets injected by ECS (name => key of a JSON secret); see module.app_secrets.
  slack_keys = var.enable_slack ? ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"] : []
  app_secret_keys = {
    request-api   = concat(["REDIS_URL", "SECRET_STORE_KEY"], local.slack_keys)
    approval-api  = concat(["REDIS_URL", "SECRET_STORE_KEY"], local.slack_keys)
    schema-review = concat(["REDIS_URL"], local.slack_keys)
    ops-dashboard = ["REDIS_URL", "CSRF_SECRET"]
    doc-crawler   = ["REDIS_URL"]
    provisioner   = concat(["REDIS_URL", "SECRET_STORE_KEY"], local.slack_keys)
    reaper        = concat(["REDIS_URL", "SECRET_STORE_KEY"], local.slack_keys)
  }
  # Bearer tokens: each service that accepts them gets its own list (API_TOKENS, one token per
  # calling tool); a caller on ECS gets only its own token for the one service it calls.
  api_token_env = { for service in keys(var.api_clients) : service => { API_TOKENS = module.app_secrets.api_tokens_value_from[service] } }
  caller_token_env = {
    ops-dashboard = merge(
      contains(keys(lookup(var.api_clients, "request-api", {})), "ops-dashboard") ? { REQUEST_API_TOKEN = module.app_secrets.caller_token_value_from["request-api/ops-dashboard"] } : {},
      contains(keys(lookup(var.api_clients, "approval-api", {})), "ops-dashboard") ? { APPROVAL_API_TOKEN = module.app_secrets.caller_token_value_from["approval-api/ops-dashboard"] } : {},
    )
  }
  app_secrets = {
    for name in keys(local.apps) : name => merge(
      { for key in local.app_secret_keys[name] : key => module.app_secrets.value_from[key] },
      lookup(local.api_token_env, name, {}),
      lookup(local.caller_token_env, name, {}),
    )
  }
}

module "ecr" {
  source = "./modules/ecr"
  name   = var.name
  apps   = keys(local.apps)
}

module "cluster" {
  source = "./modules/ecs-cluster"
  name   = var.name
}

module "dynamodb" {
  source              = "./modules/dynamodb"
  table_prefix        = var.table_prefix
  kms_key_arn         = var.kms_key_arn
  deletion_protection = var.deletion_protection
}

module "docs_bucket" {
  source        = "./modules/docs-bucket"
  bucket_name   = coalesce(var.docs_bucket_name, "${var.name}-docs-${local.account_id}")
  kms_key_arn   = var.kms_key_arn
  force_destroy = !var.deletion_protection
}

module "evidence_bucket" {
  source         = "./modules/evidence-bucket"
  bucket_name    = coalesce(var.evidence_bucket_name, "${var.name}-evidence-${local.account_id}")
  retention_days = var.evidence_retention_days
  kms_key_arn    = var.evidence_kms_key_arn
}

# Advanced Auditing parameter groups for the fleet's owners to attach (none unless families are listed).
module "aurora_audit" {
  count    = length(var.aurora_audit_parameter_families) > 0 ? 1 : 0
  source   = "./modules/aurora-audit"
  name     = var.name
  families = var.aurora_audit_parameter_families
}

module "alb" {
  source               = "./modules/alb"
  name                 = var.name
  vpc_id               = var.vpc_id
  public_subnet_ids    = var.public_subnet_ids
  internal             = var.alb_internal
  ingress_cidrs        = var.alb_ingress_cidrs
  certificate_arn      = var.certificate_arn
  oidc                 = var.oidc
  oidc_client_secret   = var.oidc_client_secret
  routed_apps          = { for name, app in local.apps : name => app.port if app.routed }
  routes               = local.routes
  task_ports           = distinct([for app in local.apps : app.port])
  database_cidr_blocks = var.database_cidr_blocks
  database_port        = var.database_port
}

module "redis" {
  source        = "./modules/redis"
  name          = var.name
  vpc_id        = var.vpc_id
  subnet_ids    = var.private_subnet_ids
  node_type     = var.redis_node_type
  client_sg_ids = { tasks = module.alb.tasks_security_group_id }
  kms_key_arn   = var.kms_key_arn
}

module "bastion" {
  source                     = "./modules/bastion"
  name                       = var.name
  vpc_id                     = var.vpc_id
  ssm_through_endpoints      = var.create_vpc_endpoints
  endpoint_security_group_id = var.create_vpc_endpoints ? module.vpc_endpoints[0].security_group_id : null
  https_egress_cidrs         = var.bastion_https_egress_cidrs
}

module "app_secrets" {
  source      = "./modules/app-secrets"
  name        = var.name
  kms_key_arn = var.kms_key_arn
  redis_url   = module.redis.url
  api_clients = { for service, tools in var.api_clients : service => keys(tools) }
}

module "iam" {
  source                       = "./modules/iam"
  name                         = var.name
  region                       = var.region
  account_id                   = local.account_id
  platform_tag                 = var.platform_tag
  table_arns                   = module.dynamodb.table_arns
  docs_bucket_arn              = module.docs_bucket.arn
  evidence_bucket_arn          = module.evidence_bucket.arn
  evidence_prefix              = local.evidence_env["EVIDENCE_PREFIX"]
  evidence_kms_key_arn         = module.evidence_bucket.kms_key_arn
  bastion_role_arn             = module.bastion.role_arn
  bastion_subnet_ids           = var.private_subnet_ids
  bastion_sg_id                = module.bastion.security_group_id
  grant_secret_prefix          = local.grant_secret_prefix
  admin_secret_arns            = var.admin_secret_arns
  rds_regions                  = local.rds_regions
  kms_key_arn                  = var.kms_key_arn
  bedrock_model_arns           = var.bedrock_model_arns
  bedrock_enabled              = var.bedrock_model_id != null
  fleet_cluster_identifiers    = var.fleet_cluster_identifiers
  bastion_instance_type        = var.bastion_instance_type
  bastion_instance_profile_arn = module.bastion.instance_profile_arn
  bastion_vpc_ids              = [var.vpc_id]
  session_document_arns        = concat([module.bastion.session_document_arn], [for r, n in local.region_networks : n.session_document_arn if n != null])
  bastion_networks             = [for n in local.bastion_networks : { region = n.region, vpc_id = n.vpcId, subnet_ids = n.subnetIds, security_group_id = n.securityGroupId }]
  engineer_identity_tag        = var.engineer_identity_tag
  bastion_pool_enabled         = var.bastion_pool_size > 0
  app_secret_arns              = module.app_secrets.arns
  repository_arns              = values(module.ecr.repository_arns)
  log_group_arns               = [for name in keys(local.apps) : "arn:aws:logs:${var.region}:${local.account_id}:log-group:/ecs/${var.name}/${name}:*"]
}

module "service" {
  for_each = local.apps
  source   = "./modules/service"

  name               = each.key
  name_prefix        = var.name
  region             = var.region
  cluster_arn        = module.cluster.arn
  image              = "${module.ecr.repository_urls[each.key]}:${var.image_tag}"
  cpu                = each.value.cpu
  memory             = each.value.memory
  cpu_architecture   = var.cpu_architecture
  port               = each.value.port
  desired_count      = each.value.desired_count
  subnet_ids         = var.private_subnet_ids
  security_group_ids = [module.alb.tasks_security_group_id]
  execution_role_arn = module.iam.execution_role_arn
  task_role_arn      = module.iam.task_role_arns[each.key]
  target_group_arn   = lookup(module.alb.target_group_arns, each.key, null)
  log_retention_days = var.log_retention_days
  log_kms_key_arn    = var.kms_key_arn
  environment        = merge(local.common_env, local.app_env[each.key], { PORT = tostring(each.value.port) })
  secrets            = local.app_secrets[each.key]
}

module "vpc_endpoints" {
  count           = var.create_vpc_endpoints ? 1 : 0
  source          = "./modules/vpc-endpoints"
  name            = var.name
  region          = var.region
  vpc_id          = var.vpc_id
  subnet_ids      = var.private_subnet_ids
  route_table_ids = var.private_route_table_ids
  client_sg_ids   = { tasks = module.alb.tasks_security_group_id, bastion = module.bastion.security_group_id }
}

variable "name" {
  description = "Name prefix of every resource (ECS cluster, services, tables, bucket...)."
  type        = string
  default     = "dbre"
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,20}$", var.name))
    error_message = "name: lower-case letters, digits and dashes, 2-21 characters."
  }
}

variable "region" {
  description = "AWS region of the platform (ECS, DynamoDB, Redis, bastions)."
  type        = string
}

variable "tags" {
  description = "Extra tags on every resource."
  type        = map(string)
  default     = {}
}

variable "platform_tag" {
  description = "Value of the managed-by tag on everything the platform creates; IAM conditions key on it (PLATFORM_TAG)."
  type        = string
  default     = "dbre-platform"
}

# --- Network: an existing VPC ---------------------------------------------------------------

variable "vpc_id" {
  description = "Existing VPC the platform runs in."
  type        = string
}

variable "private_subnet_ids" {
  description = "Private subnets (with NAT or VPC endpoints) for tasks, Redis and bastions; one per AZ."
  type        = list(string)
  validation {
    condition     = length(var.private_subnet_ids) >= 2
    error_message = "Give at least two private subnets in different AZs."
  }
}

variable "public_subnet_ids" {
  description = "Public subnets for the internet-facing ALB (Slack must reach /slack/*)."
  type        = list(string)
}

variable "alb_internal" {
  description = "Make the ALB internal (then Slack cannot call it directly)."
  type        = bool
  default     = false
}

variable "alb_ingress_cidrs" {
  description = "CIDR blocks allowed to reach the ALB on 443."
  type        = list(string)
  default     = ["0.0.0.0/0"]
}

variable "certificate_arn" {
  description = "ACM certificate for the ALB's HTTPS listener."
  type        = string
}

variable "database_cidr_blocks" {
  description = "CIDR blocks of the Aurora clusters: bastions and tasks may reach them on database_port."
  type        = list(string)
}

variable "database_port" {
  description = "Port of the Aurora MySQL clusters."
  type        = number
  default     = 3306
}

# --- Dashboard sign-in (ALB OIDC) ------------------------------------------------------------

variable "oidc" {
  description = "OpenID Connect provider for the ops-dashboard (ALB authenticate-oidc)."
  type = object({
    issuer                 = string
    authorization_endpoint = string
    token_endpoint         = string
    user_info_endpoint     = string
    client_id              = string
  })
}

variable "oidc_client_secret" {
  description = "OIDC client secret for the ALB (sensitive; pass with TF_VAR_oidc_client_secret)."
  type        = string
  sensitive   = true
}

# --- Images and sizing -----------------------------------------------------------------------

variable "image_tag" {
  description = "Tag of the images pushed to the ECR repositories (one per app)."
  type        = string
}

variable "cpu_architecture" {
  description = "X86_64 or ARM64, matching the images."
  type        = string
  default     = "X86_64"
}

variable "app_sizes" {
  description = "Per-app overrides of cpu, memory and desired_count (see locals.apps for defaults)."
  type        = map(object({ cpu = optional(number), memory = optional(number), desired_count = optional(number) }))
  default     = {}
}

variable "log_retention_days" {
  description = "CloudWatch log retention for every app."
  type        = number
  default     = 400
}

# --- Data -----------------------------------------------------------------------------------

variable "table_prefix" {
  description = "DynamoDB table name prefix (TABLE_PREFIX)."
  type        = string
  default     = "dbre-"
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key for DynamoDB, S3, Secrets Manager, logs and bastion volumes; AWS-managed keys when null."
  type        = string
  default     = null
}

variable "docs_bucket_name" {
  description = "Name of the docs bucket; <name>-docs-<account id> when null."
  type        = string
  default     = null
}

variable "deletion_protection" {
  description = "Protect tables and the bucket from accidental deletion."
  type        = bool
  default     = true
}

variable "redis_node_type" {
  description = "ElastiCache node type."
  type        = string
  default     = "cache.t4g.small"
}

# --- Fleet and bastions ---------------------------------------------------------------------

variable "rds_regions" {
  description = "Regions whose Aurora clusters form the fleet (RDS_REGIONS); the platform region when empty."
  type        = list(string)
  default     = []
}

variable "rds_fleet_tag" {
  description = "key=value tag marking a cluster as part of the fleet (RDS_FLEET_TAG)."
  type        = string
  default     = "dbre:fleet=true"
}

variable "admin_secret_arns" {
  description = "Extra secrets (ARNs, wildcards allowed) holding admin/reader logins named by dbre:admin-secret / dbre:reader-secret tags. RDS-managed master secrets (rds!*) are always readable by the services that log in."
  type        = list(string)
  default     = []
}

variable "bastion_https_egress_cidrs" {
  description = "Only without create_vpc_endpoints: CIDRs bastions may reach on 443 (the SSM public endpoints through the NAT). Prefer VPC endpoints: then bastions reach nothing but SSM and their own cluster."
  type        = list(string)
  default     = []
  validation {
    condition     = var.create_vpc_endpoints || length(var.bastion_https_egress_cidrs) > 0
    error_message = "Bastions must reach SSM: set create_vpc_endpoints = true (preferred) or give bastion_https_egress_cidrs."
  }
}

variable "engineer_identity_tag" {
  description = "Principal tag carrying an engineer's e-mail (IAM Identity Center attribute for access control): the engineer policy lets a person start sessions only on bastions whose dbre:requester tag equals it."
  type        = string
  default     = "email"
}

variable "bastion_instance_type" {
  description = "Bastion EC2 instance type (x86_64 unless bastion_ami_parameter names an arm64 AMI)."
  type        = string
  default     = "t3.micro"
}

# --- Integrations ---------------------------------------------------------------------------

variable "enable_slack" {
  description = "Inject SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET from the operator secret."
  type        = bool
  default     = true
}

variable "slack" {
  description = "Slack channel and approver ids (used with enable_slack): the private approvers' channel, the public request channel, an approver user group (S...)."
  type = object({
    approvers_channel  = string
    requests_channel   = optional(string)
    approver_usergroup = optional(string)
  })
  default = null
}

variable "public_url" {
  description = "HTTPS URL the ALB is reached at (e.g. https://dbre.example.com); request-api forwards Slack approvals there. Default: the ALB's DNS name."
  type        = string
  default     = null
}

variable "bedrock_model_id" {
  description = "Bedrock model id or inference profile for schema-review's AI second opinion (AI_PROVIDER=bedrock, AI_MODEL); off when null."
  type        = string
  default     = null
}

variable "bedrock_model_arns" {
  description = "Bedrock model (and inference profile) ARNs schema-review may invoke, with bedrock_model_id."
  type        = list(string)
  default     = []
}

variable "fleet_cluster_identifiers" {
  description = "Identifier patterns (IAM wildcards, e.g. orders-*) of the fleet's Aurora clusters: only their RDS-managed master secrets are readable (RDS tags each with aws:rds:primaryDBClusterArn)."
  type        = list(string)
  default     = ["*"]
}

variable "platform_config_path" {
  description = "Path, inside the images, of the platform YAML (policy, profiles, approvers); clusters come from RDS."
  type        = string
  default     = "/app/config/platform.yaml"
}

variable "create_vpc_endpoints" {
  description = "Create VPC endpoints (SSM, EC2, ECR, logs, Secrets Manager, RDS, STS; S3 and DynamoDB gateways) for private subnets without NAT."
  type        = bool
  default     = false
}

variable "private_route_table_ids" {
  description = "Route tables of the private subnets (only with create_vpc_endpoints)."
  type        = list(string)
  default     = []
}

variable "api_clients" {
  description = <<-EOT
    Service => the tools that call its REST API with a bearer token: each tool's scopes (API_SCOPES)
    and whom it may act for (API_ACT_FOR: *, group:<name of the platform file's access.groups>,
    @<domain> or e-mails). Terraform generates one token per tool per service (secret
    <name>/api-tokens/<service>); scopes and act-for lists are plain environment variables.
  EOT
  type = map(map(object({
    scopes  = list(string)
    act_for = optional(list(string), [])
  })))
  default = {
    # slack: the Slack routes act through the service's own REST routes (libs/slack kit.ts);
    # Slack has verified the person, so it may act for anyone.
    # ops-dashboard: "End now" and Approve / Deny, for the approvers' group (platform file access.groups).
    request-api = {
      slack         = { scopes = ["requests:create", "requests:read", "grants:end"], act_for = ["*"] }
      ops-dashboard = { scopes = ["grants:end"], act_for = ["group:dbre"] }
    }
    approval-api = {
      slack         = { scopes = ["approve"], act_for = ["*"] }
      ops-dashboard = { scopes = ["approve"], act_for = ["group:dbre"] }
    }
    # /schema-review in Slack calls the reviewer in-process (no bridge token); CI posts DDL.
    schema-review = {
      ci = { scopes = ["reviews"] }
    }
    # Whatever starts crawls or reads their history (a job, an operator's CLI).
    doc-crawler = {
      ci = { scopes = ["docs:crawl", "docs:read"] }
    }
  }
  validation {
    condition     = alltrue([for tools in values(var.api_clients) : alltrue([for t in keys(tools) : can(regex("^[a-z][a-z0-9-]{1,30}$", t))])])
    error_message = "api_clients: tool names are lower-case letters, digits and dashes."
  }
  validation {
    condition = alltrue(flatten([for tools in values(var.api_clients) : [for t in values(tools) : length(t.scopes) > 0 && alltrue([for s in t.scopes : contains(
      ["requests:create", "requests:read", "grants:end", "outbox:read", "outbox:open", "approve", "reviews", "docs:crawl", "docs:read", "metrics", "api-docs"], s
    )])]]))
    error_message = "api_clients: every tool needs at least one scope, each from libs/service-kit api-clients.ts API_SCOPES."
  }
  validation {
    condition     = alltrue(flatten([for tools in values(var.api_clients) : [for t in values(tools) : [for p in t.act_for : can(regex("^(\\*|group:[A-Za-z0-9_-]{1,64}|@[a-z0-9.-]+\\.[a-z]{2,}|[^\\s@,;]+@[^\\s@,;]+\\.[^\\s@,;]+)$", p))]]]))
    error_message = "api_clients: act_for entries are *, group:<name>, @<domain> or an e-mail."
  }
}

variable "deployment_id" {
  description = "This deployment's id (DEPLOYMENT_ID: marks its database users), 1-8 of [a-z0-9] starting with a letter. Default: the name without dashes, cut to 8."
  type        = string
  default     = null
  validation {
    condition     = var.deployment_id == null || can(regex("^[a-z][a-z0-9]{0,7}$", var.deployment_id))
    error_message = "deployment_id: 1-8 of [a-z0-9], starting with a letter."
  }
}

variable "sign_out_url" {
  description = "The IdP's logout URL the dashboard's Sign out sends the browser to (SIGN_OUT_URL); null: none."
  type        = string
  default     = null
}

variable "evidence_bucket_name" {
  description = "The evidence bucket (Object Lock, COMPLIANCE); default <name>-evidence-<account id>."
  type        = string
  default     = null
}

variable "evidence_retention_days" {
  description = "Default COMPLIANCE retention of every evidence object, in days: no one can delete a bundle or an anchor before. Keep EVIDENCE_RETENTION_DAYS (the services' per-put lock) at least this."
  type        = number
  default     = 400
}

variable "evidence_kms_key_arn" {
  description = "SSE-KMS key of the evidence bucket; default a dedicated key."
  type        = string
  default     = null
}

variable "aurora_audit_parameter_families" {
  description = "Create an Advanced Auditing DB cluster parameter group per family (e.g. [\"aurora-mysql8.0\"]) for the clusters' owners to attach (modules/aurora-audit)."
  type        = list(string)
  default     = []
}

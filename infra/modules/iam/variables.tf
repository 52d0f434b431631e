variable "name" {
  type = string
}

variable "region" {
  type = string
}

variable "account_id" {
  type = string
}

variable "platform_tag" {
  description = "Value of the managed-by tag on bastions and grant secrets."
  type        = string
}

variable "table_arns" {
  description = "TABLES key => DynamoDB table ARN."
  type        = map(string)
}

variable "docs_bucket_arn" {
  type = string
}

variable "bastion_role_arn" {
  type = string
}

variable "bastion_subnet_ids" {
  type = list(string)
}

variable "bastion_sg_id" {
  type = string
}

variable "grant_secret_prefix" {
  description = "Name prefix of the one-off credentials' secrets, e.g. dbre/access/."
  type        = string
}

variable "admin_secret_arns" {
  type    = list(string)
  default = []
}

variable "rds_regions" {
  type = list(string)
}

variable "kms_key_arn" {
  type    = string
  default = null
}

variable "bedrock_model_arns" {
  type    = list(string)
  default = []
}

variable "bedrock_enabled" {
  description = "schema-review runs with AI_PROVIDER=bedrock (otherwise no Bedrock grant at all)."
  type        = bool
  default     = false
}

variable "fleet_cluster_identifiers" {
  description = "Cluster identifier patterns (IAM wildcards) of the fleet: only their RDS-managed master secrets are readable."
  type        = list(string)
}

variable "app_secret_arns" {
  description = "Secrets ECS injects into containers (execution role)."
  type        = list(string)
}

variable "repository_arns" {
  type = list(string)
}

variable "log_group_arns" {
  type = list(string)
}

variable "bastion_instance_type" {
  description = "The only instance type RunInstances may launch."
  type        = string
}

variable "bastion_instance_profile_arn" {
  description = "The only instance profile RunInstances may attach."
  type        = string
}

variable "bastion_vpc_ids" {
  description = "VPCs where per-bastion security groups may be created."
  type        = list(string)
}

variable "session_document_arns" {
  description = "The platform's port-forwarding Session documents (one per region)."
  type        = list(string)
}

variable "engineer_identity_tag" {
  description = "Principal tag holding an engineer's e-mail (compared with the bastion's dbre:requester tag)."
  type        = string
}

variable "bastion_networks" {
  description = "Bastion networks outside the platform region (root variable bastion_regions): the workers may launch and manage bastions there too."
  type = list(object({
    region            = string
    vpc_id            = string
    subnet_ids        = list(string)
    security_group_id = string
  }))
  default = []
}

variable "evidence_bucket_arn" {
  description = "The evidence bucket (Object Lock); null: no evidence grants."
  type        = string
  default     = null
}

variable "evidence_prefix" {
  description = "Key prefix of the evidence store in the bucket (EVIDENCE_PREFIX), empty or ending with /."
  type        = string
  default     = ""
}

variable "evidence_kms_key_arn" {
  description = "The evidence bucket's SSE-KMS key."
  type        = string
  default     = null
}

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

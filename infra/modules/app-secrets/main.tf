# Secrets injected into the tasks by ECS:
# - generated: values Terraform creates (REDIS_URL with the AUTH token, SECRET_STORE_KEY, CSRF_SECRET);
# - api-tokens/<service>: one secret per service that accepts bearer tokens, holding one token per
#   calling tool (never the same token for two services, never one list shared by two services):
#   {"API_TOKENS": "<tool>=<token>,...", "<tool>": "<token>", ...}. The service reads API_TOKENS;
#   a caller running on ECS reads only its own key (e.g. ops-dashboard's REQUEST_API_TOKEN is
#   api-tokens/request-api:ops-dashboard); a caller outside AWS (CI) is given that one key.
# - operator: values a person sets once, outside Terraform (SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET):
#   `aws secretsmanager put-secret-value` (docs/aws.md).
#
# Random values come from Secrets Manager's GetRandomPassword (the hashicorp/aws provider only).
# The data source answers a new value on every plan, so the versions ignore later values: the
# first apply's values stay. Rotate one with `terraform apply -replace=<the secret version>`.

variable "name" {
  type = string
}

variable "kms_key_arn" {
  type    = string
  default = null
}

variable "redis_url" {
  type      = string
  sensitive = true
}

variable "api_clients" {
  description = "Service => the tools that call it with a bearer token (one token each)."
  type        = map(list(string))
}

locals {
  generated_keys = ["REDIS_URL", "SECRET_STORE_KEY", "CSRF_SECRET"]
  operator_keys  = ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"]
  # Static keys "<service>/<tool>" (for_each keys must be known at plan).
  api_pairs = merge([for service, tools in var.api_clients : { for tool in tools : "${service}/${tool}" => { service = service, tool = tool } }]...)
}

data "aws_secretsmanager_random_password" "secret_store_key" {
  password_length = 64
}

data "aws_secretsmanager_random_password" "csrf" {
  password_length     = 48
  exclude_punctuation = true
}

# Bearer tokens: 48 letters and digits (no separator the API_TOKENS list uses).
data "aws_secretsmanager_random_password" "api_token" {
  for_each            = local.api_pairs
  password_length     = 48
  exclude_punctuation = true
  include_space       = false
}

resource "aws_secretsmanager_secret" "generated" {
  name        = "${var.name}/app/generated"
  description = "dbre-platform: generated settings (Terraform-managed)"
  kms_key_id  = var.kms_key_arn
}

resource "aws_secretsmanager_secret_version" "generated" {
  secret_id = aws_secretsmanager_secret.generated.id
  secret_string = jsonencode({
    REDIS_URL = var.redis_url
    # 32 random bytes, base64 (parseSecretKey): the SHA-256 of a 64-character random password.
    SECRET_STORE_KEY = base64sha256(data.aws_secretsmanager_random_password.secret_store_key.random_password)
    CSRF_SECRET      = data.aws_secretsmanager_random_password.csrf.random_password
  })

  lifecycle {
    ignore_changes = [secret_string]
  }
}

resource "aws_secretsmanager_secret" "api_tokens" {
  for_each    = var.api_clients
  name        = "${var.name}/api-tokens/${each.key}"
  description = "dbre-platform: bearer tokens of the tools that call ${each.key}, one per tool"
  kms_key_id  = var.kms_key_arn
}

resource "aws_secretsmanager_secret_version" "api_tokens" {
  for_each  = var.api_clients
  secret_id = aws_secretsmanager_secret.api_tokens[each.key].id
  secret_string = jsonencode(merge(
    { for tool in each.value : tool => data.aws_secretsmanager_random_password.api_token["${each.key}/${tool}"].random_password },
    { API_TOKENS = join(",", [for tool in each.value : "${tool}=${data.aws_secretsmanager_random_password.api_token["${each.key}/${tool}"].random_password}"]) },
  ))

  lifecycle {
    ignore_changes = [secret_string]
  }
}

resource "aws_secretsmanager_secret" "operator" {
  name        = "${var.name}/app/operator"
  description = "dbre-platform: SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET (set by an operator)"
  kms_key_id  = var.kms_key_arn
}

output "generated_secret_arn" {
  value = aws_secretsmanager_secret.generated.arn
}

output "operator_secret_arn" {
  value = aws_secretsmanager_secret.operator.arn
}

output "api_token_secret_arns" {
  description = "Service => its api-tokens secret."
  value       = { for service, s in aws_secretsmanager_secret.api_tokens : service => s.arn }
}

output "value_from" {
  description = "Key => ECS valueFrom (a JSON key of the generated or operator secret)."
  value = merge(
    { for k in local.generated_keys : k => "${aws_secretsmanager_secret.generated.arn}:${k}::" },
    { for k in local.operator_keys : k => "${aws_secretsmanager_secret.operator.arn}:${k}::" },
  )
}

output "api_tokens_value_from" {
  description = "Service => ECS valueFrom of its API_TOKENS list."
  value       = { for service, s in aws_secretsmanager_secret.api_tokens : service => "${s.arn}:API_TOKENS::" }
}

output "caller_token_value_from" {
  description = "\"<service>/<tool>\" => ECS valueFrom of that tool's token for that service."
  value       = { for pair, p in local.api_pairs : pair => "${aws_secretsmanager_secret.api_tokens[p.service].arn}:${p.tool}::" }
}

output "arns" {
  description = "Every secret ECS injects from (execution role)."
  value       = concat([aws_secretsmanager_secret.generated.arn, aws_secretsmanager_secret.operator.arn], [for s in aws_secretsmanager_secret.api_tokens : s.arn])
}

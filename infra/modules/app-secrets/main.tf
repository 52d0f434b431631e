# Secrets injected into the tasks by ECS. Two JSON secrets:
# - generated: values Terraform creates (REDIS_URL with the AUTH token, SECRET_STORE_KEY, CSRF_SECRET);
# - operator: values a person sets once, outside Terraform (API_TOKENS, SLACK_BOT_TOKEN,
#   SLACK_SIGNING_SECRET): `aws secretsmanager put-secret-value` (docs/aws.md).

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

resource "random_bytes" "secret_store_key" {
  length = 32
}

resource "random_password" "csrf" {
  length  = 48
  special = false
}

resource "aws_secretsmanager_secret" "generated" {
  name        = "${var.name}/app/generated"
  description = "dbre-platform: generated settings (Terraform-managed)"
  kms_key_id  = var.kms_key_arn
}

resource "aws_secretsmanager_secret_version" "generated" {
  secret_id = aws_secretsmanager_secret.generated.id
  secret_string = jsonencode({
    REDIS_URL        = var.redis_url
    SECRET_STORE_KEY = random_bytes.secret_store_key.base64
    CSRF_SECRET      = random_password.csrf.result
  })
}

resource "aws_secretsmanager_secret" "operator" {
  name        = "${var.name}/app/operator"
  description = "dbre-platform: API_TOKENS, SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET (set by an operator)"
  kms_key_id  = var.kms_key_arn
}

locals {
  generated_keys = ["REDIS_URL", "SECRET_STORE_KEY", "CSRF_SECRET"]
  operator_keys  = ["API_TOKENS", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"]
}

output "arns" {
  value = [aws_secretsmanager_secret.generated.arn, aws_secretsmanager_secret.operator.arn]
}

output "operator_secret_arn" {
  value = aws_secretsmanager_secret.operator.arn
}

output "value_from" {
  description = "Key => ECS valueFrom (a JSON key of one of the two secrets)."
  value = merge(
    { for k in local.generated_keys : k => "${aws_secretsmanager_secret.generated.arn}:${k}::" },
    { for k in local.operator_keys : k => "${aws_secretsmanager_secret.operator.arn}:${k}::" },
  )
}

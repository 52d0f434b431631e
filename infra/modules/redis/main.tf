# ElastiCache Redis for BullMQ: TLS in transit, AUTH token, encrypted at rest, and
# maxmemory-policy noeviction (BullMQ loses jobs if Redis evicts keys).

variable "name" {
  type = string
}

variable "vpc_id" {
  type = string
}

variable "subnet_ids" {
  type = list(string)
}

variable "node_type" {
  type = string
}

variable "client_sg_ids" {
  description = "Security groups allowed to connect (the tasks), by a static name: the ids are only known after apply, and for_each keys must be known at plan."
  type        = map(string)
}

variable "kms_key_arn" {
  type    = string
  default = null
}

# ElastiCache AUTH: 16-128 printable characters, no / " @; letters and digits keep the URL simple.
# Secrets Manager's GetRandomPassword generates it (no other provider); it answers anew on every
# plan, so the replication group ignores later values (rotate with auth_token_update_strategy).
data "aws_secretsmanager_random_password" "auth" {
  password_length     = 64
  exclude_punctuation = true
  include_space       = false
}

resource "aws_elasticache_parameter_group" "bullmq" {
  name        = "${var.name}-bullmq"
  family      = "redis7"
  description = "BullMQ requires noeviction"

  parameter {
    name  = "maxmemory-policy"
    value = "noeviction"
  }
}

resource "aws_elasticache_subnet_group" "this" {
  name       = "${var.name}-redis"
  subnet_ids = var.subnet_ids
}

resource "aws_security_group" "redis" {
  name        = "${var.name}-redis"
  description = "dbre Redis: in from the tasks only"
  vpc_id      = var.vpc_id
}

resource "aws_vpc_security_group_ingress_rule" "from_clients" {
  for_each                     = var.client_sg_ids
  security_group_id            = aws_security_group.redis.id
  description                  = "Redis from the tasks"
  ip_protocol                  = "tcp"
  from_port                    = 6379
  to_port                      = 6379
  referenced_security_group_id = each.value
}

resource "aws_vpc_security_group_egress_rule" "clients_to_redis" {
  for_each                     = var.client_sg_ids
  security_group_id            = each.value
  description                  = "to Redis"
  ip_protocol                  = "tcp"
  from_port                    = 6379
  to_port                      = 6379
  referenced_security_group_id = aws_security_group.redis.id
}

resource "aws_elasticache_replication_group" "this" {
  replication_group_id       = "${var.name}-queue"
  description                = "dbre-platform BullMQ queues"
  engine                     = "redis"
  engine_version             = "7.1"
  node_type                  = var.node_type
  port                       = 6379
  num_cache_clusters         = 2
  automatic_failover_enabled = true
  multi_az_enabled           = true
  parameter_group_name       = aws_elasticache_parameter_group.bullmq.name
  subnet_group_name          = aws_elasticache_subnet_group.this.name
  security_group_ids         = [aws_security_group.redis.id]
  transit_encryption_enabled = true
  at_rest_encryption_enabled = true
  kms_key_id                 = var.kms_key_arn
  auth_token                 = data.aws_secretsmanager_random_password.auth.random_password
  snapshot_retention_limit   = 1
  apply_immediately          = false

  lifecycle {
    ignore_changes = [auth_token]
  }
}

output "primary_endpoint" {
  value = aws_elasticache_replication_group.this.primary_endpoint_address
}

output "url" {
  description = "REDIS_URL for the apps (rediss = TLS), carrying the AUTH token."
  value       = "rediss://:${aws_elasticache_replication_group.this.auth_token}@${aws_elasticache_replication_group.this.primary_endpoint_address}:6379"
  sensitive   = true
}

output "security_group_id" {
  value = aws_security_group.redis.id
}

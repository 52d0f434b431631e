# Optional private endpoints, for private subnets without NAT: what bastions (SSM agent, dnf from
# S3-hosted repositories) and tasks (ECR, logs, Secrets Manager, DynamoDB, S3, EC2, RDS) call.
# Slack and LLM endpoints still need a NAT or proxy.

variable "name" {
  type = string
}

variable "region" {
  type = string
}

variable "vpc_id" {
  type = string
}

variable "subnet_ids" {
  type = list(string)
}

variable "route_table_ids" {
  description = "Route tables of the private subnets, for the S3 and DynamoDB gateway endpoints."
  type        = list(string)
}

variable "client_sg_ids" {
  description = "Security groups that call the endpoints on 443 (tasks, bastions), by a static name (for_each keys must be known at plan)."
  type        = map(string)
}

locals {
  interface_services = ["ssm", "ssmmessages", "ec2messages", "ec2", "secretsmanager", "ecr.api", "ecr.dkr", "logs", "rds", "sts"]
}

resource "aws_security_group" "endpoints" {
  name        = "${var.name}-endpoints"
  description = "dbre VPC endpoints: HTTPS from the tasks and bastions"
  vpc_id      = var.vpc_id
}

resource "aws_vpc_security_group_ingress_rule" "endpoints_https" {
  for_each                     = var.client_sg_ids
  security_group_id            = aws_security_group.endpoints.id
  description                  = "HTTPS from platform clients"
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
  referenced_security_group_id = each.value
}

resource "aws_vpc_endpoint" "interface" {
  for_each            = toset(local.interface_services)
  vpc_id              = var.vpc_id
  service_name        = "com.amazonaws.${var.region}.${each.value}"
  vpc_endpoint_type   = "Interface"
  subnet_ids          = var.subnet_ids
  security_group_ids  = [aws_security_group.endpoints.id]
  private_dns_enabled = true
}

resource "aws_vpc_endpoint" "gateway" {
  for_each          = toset(["s3", "dynamodb"])
  vpc_id            = var.vpc_id
  service_name      = "com.amazonaws.${var.region}.${each.value}"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = var.route_table_ids
}

output "security_group_id" {
  description = "The endpoints' group: bastions reach SSM only through it."
  value       = aws_security_group.endpoints.id
}

# The per-region pieces bastions need in a VPC other than the platform's own (one instance per
# region, through a provider alias): the base security group (no inbound; egress 443 only to that
# VPC's SSM endpoints or the given CIDRs) and the platform's Session document (documents are
# regional). IAM (role, instance profile) is global and stays in ./modules/bastion.
# Security groups cannot be referenced across regions: clusters here allow these subnets' CIDRs.

variable "name" {
  type = string
}

variable "vpc_id" {
  type = string
}

variable "endpoint_security_group_id" {
  description = "Security group of this VPC's SSM interface endpoints; null: SSM through a NAT (https_egress_cidrs)."
  type        = string
  default     = null
}

variable "https_egress_cidrs" {
  description = "Without endpoint_security_group_id: where the bastion may open HTTPS (the SSM public endpoints, through the NAT)."
  type        = list(string)
  default     = []
}

variable "proxy_port" {
  type    = number
  default = 3306
}

resource "aws_security_group" "bastion" {
  name        = "${var.name}-bastion"
  description = "dbre bastions: no inbound rules; out to the SSM endpoints only (the database way is per bastion)"
  vpc_id      = var.vpc_id
}

resource "aws_vpc_security_group_egress_rule" "ssm_endpoints" {
  count                        = var.endpoint_security_group_id == null ? 0 : 1
  security_group_id            = aws_security_group.bastion.id
  description                  = "SSM interface endpoints"
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
  referenced_security_group_id = var.endpoint_security_group_id
}

resource "aws_vpc_security_group_egress_rule" "ssm_via_nat" {
  for_each          = var.endpoint_security_group_id == null ? toset(var.https_egress_cidrs) : toset([])
  security_group_id = aws_security_group.bastion.id
  description       = "SSM public endpoints through the NAT"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = each.value
}

resource "aws_ssm_document" "port_forward" {
  name            = "${var.name}-PortForwardToGrantedCluster"
  document_type   = "Session"
  document_format = "JSON"
  # One document, every region: the same template as the home bastion module.
  content = templatefile("${path.module}/../bastion/session-document.json.tftpl", { proxy_port = var.proxy_port })
}

output "security_group_id" {
  value = aws_security_group.bastion.id
}

output "session_document_arn" {
  value = aws_ssm_document.port_forward.arn
}

# What every bastion of one VPC launches with:
# - an instance profile carrying only the SSM core policy;
# - a base security group with NO inbound rules and egress only to the SSM endpoints on 443
#   (the VPC endpoints' group, or the CIDRs given when the VPC reaches SSM through a NAT);
#   the way to the database is NOT here: the bastion driver adds, per bastion, a group whose only
#   egress is the granted cluster (its security group or address) on its port;
# - the platform's own Session Manager document: port forwarding to a FIXED port on the bastion,
#   where a proxy started at boot forwards to the granted cluster read from the instance's tags.
#   The engineer cannot choose the host (AWS-StartPortForwardingSessionToRemoteHost would let them).

variable "name" {
  type = string
}

variable "vpc_id" {
  type = string
}

variable "ssm_through_endpoints" {
  description = "SSM is reached through the VPC's interface endpoints (static: count must be known at plan)."
  type        = bool
}

variable "endpoint_security_group_id" {
  description = "Security group of the VPC's SSM interface endpoints (ssm, ssmmessages, ec2messages); null when SSM is reached through a NAT."
  type        = string
  default     = null
}

variable "https_egress_cidrs" {
  description = "Only without endpoint_security_group_id: where the bastion may open HTTPS (the SSM public endpoints, through the NAT)."
  type        = list(string)
  default     = []
}

variable "proxy_port" {
  description = "Port on the bastion's loopback where the boot-time proxy listens (the session document forwards to it)."
  type        = number
  default     = 3306
}

data "aws_iam_policy_document" "assume_ec2" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "bastion" {
  name               = "${var.name}-bastion"
  description        = "dbre bastions: SSM agent only"
  assume_role_policy = data.aws_iam_policy_document.assume_ec2.json
}

resource "aws_iam_role_policy_attachment" "ssm_core" {
  role       = aws_iam_role.bastion.name
  policy_arn = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
}

resource "aws_iam_instance_profile" "bastion" {
  name = "${var.name}-bastion"
  role = aws_iam_role.bastion.name
}

resource "aws_security_group" "bastion" {
  name        = "${var.name}-bastion"
  description = "dbre bastions: no inbound rules; out to the SSM endpoints only (the database way is per bastion)"
  vpc_id      = var.vpc_id
}

resource "aws_vpc_security_group_egress_rule" "ssm_endpoints" {
  count                        = var.ssm_through_endpoints ? 1 : 0
  security_group_id            = aws_security_group.bastion.id
  description                  = "SSM interface endpoints"
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
  referenced_security_group_id = var.endpoint_security_group_id
}

resource "aws_vpc_security_group_egress_rule" "ssm_via_nat" {
  for_each          = var.ssm_through_endpoints ? toset([]) : toset(var.https_egress_cidrs)
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
  # The same document in every region (bastion-network renders this template too).
  content = templatefile("${path.module}/session-document.json.tftpl", { proxy_port = var.proxy_port })
}

output "role_arn" {
  value = aws_iam_role.bastion.arn
}

output "instance_profile_arn" {
  value = aws_iam_instance_profile.bastion.arn
}

output "session_document_arn" {
  value = aws_ssm_document.port_forward.arn
}

output "instance_profile_name" {
  value = aws_iam_instance_profile.bastion.name
}

output "security_group_id" {
  value = aws_security_group.bastion.id
}

output "session_document_name" {
  value = aws_ssm_document.port_forward.name
}

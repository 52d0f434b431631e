# What every bastion launches with: an instance profile carrying only the SSM core policy, and a
# security group with NO inbound rules (SSM sessions are outbound), egress to 443 and the databases.

variable "name" {
  type = string
}

variable "vpc_id" {
  type = string
}

variable "database_cidr_blocks" {
  type = list(string)
}

variable "database_port" {
  type = number
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
  description = "dbre bastions: no inbound rules; out to SSM/dnf (443) and the databases"
  vpc_id      = var.vpc_id
}

resource "aws_vpc_security_group_egress_rule" "https" {
  security_group_id = aws_security_group.bastion.id
  description       = "SSM endpoints and package repositories"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_egress_rule" "databases" {
  for_each          = toset(var.database_cidr_blocks)
  security_group_id = aws_security_group.bastion.id
  description       = "Aurora clusters"
  ip_protocol       = "tcp"
  from_port         = var.database_port
  to_port           = var.database_port
  cidr_ipv4         = each.value
}

output "role_arn" {
  value = aws_iam_role.bastion.arn
}

output "instance_profile_name" {
  value = aws_iam_instance_profile.bastion.name
}

output "security_group_id" {
  value = aws_security_group.bastion.id
}

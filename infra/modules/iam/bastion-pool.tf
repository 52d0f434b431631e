# The warm pool of stopped bastions (libs/drivers aws/bastion-pool.ts), only with bastion_pool_enabled.
# The provisioner claims (starts, pins egress, tags for the request); the reaper refills (launches,
# stops) and terminates. Start, stop and re-tagging are allowed only on instances carrying the
# platform's managed-by tag AND a dbre:pool tag, which only a pool launch sets.

variable "bastion_pool_enabled" {
  description = "BASTION_POOL=on: grant the pool's calls to the provisioner and the reaper."
  type        = bool
  default     = false
}

locals {
  pool_table = try(local.table_and_indexes["bastionPool"], [])
  # Keys a claim writes on a pool instance after its launch (its launch set managed-by and dbre:pool).
  pool_claim_tag_keys = ["Name", "dbre:request-id", "dbre:requester", "dbre:cluster-id", "dbre:ends-at", "dbre:target-host", "dbre:target-port"]
}

data "aws_iam_policy_document" "bastion_pool_claim" {
  statement {
    sid       = "PoolTableClaim"
    actions   = ["dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query"]
    resources = local.pool_table
  }
  statement {
    sid       = "StartPoolBastions"
    actions   = ["ec2:StartInstances", "ec2:ModifyInstanceAttribute"]
    resources = ["${local.arn_ec2}:instance/*"]
    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/managed-by"
      values   = [var.platform_tag]
    }
    condition {
      test     = "Null"
      variable = "aws:ResourceTag/dbre:pool"
      values   = ["false"]
    }
  }
  # ModifyInstanceAttribute (groupSet) also names the groups: the base group and the platform's own.
  statement {
    sid       = "PoolBastionGroups"
    actions   = ["ec2:ModifyInstanceAttribute"]
    resources = ["${local.arn_ec2}:security-group/*"]
    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/managed-by"
      values   = [var.platform_tag]
    }
  }
  statement {
    sid       = "PoolBaseGroup"
    actions   = ["ec2:ModifyInstanceAttribute"]
    resources = ["${local.arn_ec2}:security-group/${var.bastion_sg_id}"]
  }
  statement {
    sid       = "TagClaimedPoolBastions"
    actions   = ["ec2:CreateTags"]
    resources = ["${local.arn_ec2}:instance/*"]
    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/managed-by"
      values   = [var.platform_tag]
    }
    condition {
      test     = "Null"
      variable = "aws:ResourceTag/dbre:pool"
      values   = ["false"]
    }
    condition {
      test     = "ForAllValues:StringEquals"
      variable = "aws:TagKeys"
      values   = local.pool_claim_tag_keys
    }
  }
}

data "aws_iam_policy_document" "bastion_pool_refill" {
  statement {
    sid       = "PoolTableRefill"
    actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query"]
    resources = local.pool_table
  }
  # Launch: the provisioner's conditions, and the launch must carry a dbre:pool tag.
  statement {
    sid       = "LaunchPoolBastions"
    actions   = ["ec2:RunInstances"]
    resources = ["${local.arn_ec2}:instance/*"]
    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/managed-by"
      values   = [var.platform_tag]
    }
    condition {
      test     = "Null"
      variable = "aws:RequestTag/dbre:pool"
      values   = ["false"]
    }
    condition {
      test     = "StringEquals"
      variable = "ec2:MetadataHttpTokens"
      values   = ["required"]
    }
    condition {
      test     = "StringEquals"
      variable = "ec2:InstanceType"
      values   = [var.bastion_instance_type]
    }
    condition {
      test     = "ArnEquals"
      variable = "ec2:InstanceProfile"
      values   = [var.bastion_instance_profile_arn]
    }
  }
  statement {
    sid       = "LaunchPoolVolumes"
    actions   = ["ec2:RunInstances"]
    resources = ["${local.arn_ec2}:volume/*"]
    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/managed-by"
      values   = [var.platform_tag]
    }
  }
  # Pool launches use the base group only.
  statement {
    sid     = "LaunchPoolInBastionNetwork"
    actions = ["ec2:RunInstances"]
    resources = concat(
      [for s in var.bastion_subnet_ids : "${local.arn_ec2}:subnet/${s}"],
      ["${local.arn_ec2}:security-group/${var.bastion_sg_id}", "${local.arn_ec2}:network-interface/*"],
    )
  }
  statement {
    sid       = "LaunchPoolFromAmazonImages"
    actions   = ["ec2:RunInstances"]
    resources = ["arn:aws:ec2:${var.region}::image/*"]
    condition {
      test     = "StringEquals"
      variable = "ec2:Owner"
      values   = ["amazon"]
    }
  }
  statement {
    sid       = "TagPoolAtLaunch"
    actions   = ["ec2:CreateTags"]
    resources = ["${local.arn_ec2}:instance/*", "${local.arn_ec2}:volume/*"]
    condition {
      test     = "StringEquals"
      variable = "ec2:CreateAction"
      values   = ["RunInstances"]
    }
  }
  statement {
    sid       = "PassPoolBastionRole"
    actions   = ["iam:PassRole"]
    resources = [var.bastion_role_arn]
    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["ec2.amazonaws.com"]
    }
  }
  statement {
    sid       = "PoolNewestAmazonLinux"
    actions   = ["ssm:GetParameter"]
    resources = ["arn:aws:ssm:${var.region}::parameter/aws/service/ami-amazon-linux-latest/*"]
  }
  statement {
    sid       = "PoolBastionsOnline"
    actions   = ["ssm:DescribeInstanceInformation"]
    resources = ["*"] # no resource-level permissions
  }
  statement {
    sid       = "StopPoolBastions"
    actions   = ["ec2:StopInstances"]
    resources = ["${local.arn_ec2}:instance/*"]
    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/managed-by"
      values   = [var.platform_tag]
    }
    condition {
      test     = "Null"
      variable = "aws:ResourceTag/dbre:pool"
      values   = ["false"]
    }
  }
  dynamic "statement" {
    for_each = var.kms_key_arn == null ? [] : [var.kms_key_arn]
    content {
      sid       = "EncryptPoolVolumes"
      actions   = ["kms:CreateGrant", "kms:GenerateDataKeyWithoutPlaintext", "kms:Decrypt", "kms:DescribeKey"]
      resources = [statement.value]
      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["ec2.${var.region}.amazonaws.com"]
      }
    }
  }
}

# Separate policies on the provisioner's and the reaper's roles, present only with the pool on.
# The reaper also closes pool bastions (revoke, sweep): the claim document covers its table reads.
resource "aws_iam_role_policy" "bastion_pool" {
  for_each = var.bastion_pool_enabled ? {
    provisioner = data.aws_iam_policy_document.bastion_pool_claim.json
    reaper      = data.aws_iam_policy_document.bastion_pool_refill.json
  } : {}
  name   = "bastion-pool"
  role   = aws_iam_role.task[each.key].id
  policy = each.value
}

output "bastion_pool_roles" {
  description = "Task roles carrying a bastion-pool policy (empty while the pool is off)."
  value       = keys(aws_iam_role_policy.bastion_pool)
}

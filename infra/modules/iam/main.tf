# IAM for the tasks: one execution role (pull, logs, injected secrets) and one task role per app
# with only what that app does. Every policy is an aws_iam_policy_document below.

locals {
  arn_ec2 = "arn:aws:ec2:${var.region}:${var.account_id}"
  # Bastions run in the platform region and in the regions of var.bastion_networks.
  bastion_regions = distinct(concat([var.region], [for n in var.bastion_networks : n.region]))
  arn_ec2s        = [for r in local.bastion_regions : "arn:aws:ec2:${r}:${var.account_id}"]
  tables          = var.table_arns
  # A table and its indexes.
  table_and_indexes = { for k, arn in var.table_arns : k => [arn, "${arn}/index/*"] }
  grant_secrets     = "arn:aws:secretsmanager:${var.region}:${var.account_id}:secret:${var.grant_secret_prefix}*"
  # RDS-managed master secrets (rds!cluster-...) in every fleet region; RDS tags each with its
  # cluster's ARN (aws:rds:primaryDBClusterArn), which limits reads to the fleet's clusters.
  master_secrets         = [for r in var.rds_regions : "arn:aws:secretsmanager:${r}:${var.account_id}:secret:rds!*"]
  fleet_cluster_arns     = flatten([for r in var.rds_regions : [for p in var.fleet_cluster_identifiers : "arn:aws:rds:${r}:${var.account_id}:cluster:${p}"]])
  secretsmanager_regions = [for r in var.rds_regions : "secretsmanager.${r}.amazonaws.com"]
  rds_clusters           = [for r in var.rds_regions : "arn:aws:rds:${r}:${var.account_id}:cluster:*"]
  rds_instances          = [for r in var.rds_regions : "arn:aws:rds:${r}:${var.account_id}:db:*"]
  # Aurora Advanced Auditing's log groups of the fleet's clusters, in every fleet region.
  audit_log_groups = flatten([for r in var.rds_regions : [for p in var.fleet_cluster_identifiers : [
    "arn:aws:logs:${r}:${var.account_id}:log-group:/aws/rds/cluster/${p}/audit",
    "arn:aws:logs:${r}:${var.account_id}:log-group:/aws/rds/cluster/${p}/audit:*",
  ]]])
  evidence_objects = var.evidence_bucket_arn == null ? null : "${var.evidence_bucket_arn}/${var.evidence_prefix}*"
  access_tables    = concat(local.table_and_indexes["requests"], local.table_and_indexes["audit"], local.table_and_indexes["idempotency"], local.table_and_indexes["outbox"])

  task_policies = {
    request-api   = data.aws_iam_policy_document.request_api.json
    approval-api  = data.aws_iam_policy_document.approval_api.json
    schema-review = data.aws_iam_policy_document.schema_review.json
    ops-dashboard = data.aws_iam_policy_document.ops_dashboard.json
    doc-crawler   = data.aws_iam_policy_document.doc_crawler.json
    provisioner   = data.aws_iam_policy_document.provisioner.json
    reaper        = data.aws_iam_policy_document.reaper.json
  }
}

data "aws_iam_policy_document" "assume_ecs_tasks" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [var.account_id]
    }
  }
}

# --- Execution role: what ECS itself needs to start a task --------------------------------------

data "aws_iam_policy_document" "execution" {
  statement {
    sid       = "EcrAuth"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"] # the action has no resource-level permissions
  }
  statement {
    sid       = "PullImages"
    actions   = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    resources = var.repository_arns
  }
  statement {
    sid       = "WriteLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = var.log_group_arns
  }
  statement {
    sid       = "InjectSecrets"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = var.app_secret_arns
  }
  dynamic "statement" {
    for_each = var.kms_key_arn == null ? [] : [var.kms_key_arn]
    content {
      sid       = "DecryptInjectedSecrets"
      actions   = ["kms:Decrypt"]
      resources = [statement.value]
    }
  }
}

resource "aws_iam_role" "execution" {
  name               = "${var.name}-ecs-execution"
  assume_role_policy = data.aws_iam_policy_document.assume_ecs_tasks.json
}

resource "aws_iam_role_policy" "execution" {
  name   = "execution"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution.json
}

# --- Shared fragments ---------------------------------------------------------------------------

# Every service's readiness check lists one table (ListTables has no resource-level permissions).
data "aws_iam_policy_document" "readiness" {
  statement {
    sid       = "Readiness"
    actions   = ["dynamodb:ListTables"]
    resources = ["*"]
  }
}

# Listing the fleet (RDS inventory); reading no secret.
data "aws_iam_policy_document" "inventory_list" {
  statement {
    sid       = "ListFleet"
    actions   = ["rds:DescribeDBClusters", "rds:DescribeDBInstances"]
    resources = concat(local.rds_clusters, local.rds_instances)
  }
}

# Listing the fleet with the admin/reader logins (services that connect to databases).
data "aws_iam_policy_document" "inventory_login" {
  source_policy_documents = [data.aws_iam_policy_document.inventory_list.json]
  statement {
    sid       = "ReadFleetMasterLogins"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = local.master_secrets
    condition {
      test     = "StringEquals"
      variable = "secretsmanager:ResourceTag/aws:secretsmanager:owningService"
      values   = ["rds"]
    }
    condition {
      test     = "StringLike"
      variable = "secretsmanager:ResourceTag/aws:rds:primaryDBClusterArn"
      values   = local.fleet_cluster_arns
    }
  }
  dynamic "statement" {
    for_each = length(var.admin_secret_arns) == 0 ? [] : [var.admin_secret_arns]
    content {
      sid       = "ReadNamedClusterLogins"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = statement.value
    }
  }
  dynamic "statement" {
    for_each = var.kms_key_arn == null ? [] : [var.kms_key_arn]
    content {
      sid       = "DecryptClusterLogins"
      actions   = ["kms:Decrypt"]
      resources = [statement.value]
      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = local.secretsmanager_regions
      }
    }
  }
}

data "aws_iam_policy_document" "access_tables_rw" {
  statement {
    sid       = "AccessState"
    actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query"]
    resources = local.access_tables
  }
}

# Collecting a grant's evidence at revoke and from the sweep (libs/evidence collectEvidence,
# writeAnchor): the user's audit records from CloudWatch Logs, the bundle and the anchors written
# once (PutObject with If-None-Match and a COMPLIANCE lock, hence PutObjectRetention) and read
# back; SSM sessions of the bastion come from ssm:DescribeSessions (terminate_bastions).
data "aws_iam_policy_document" "evidence_collect" {
  dynamic "statement" {
    for_each = var.evidence_bucket_arn == null ? [] : [var.evidence_bucket_arn]
    content {
      sid       = "SealEvidence"
      actions   = ["s3:PutObject", "s3:PutObjectRetention", "s3:GetObject"]
      resources = [local.evidence_objects]
    }
  }
  dynamic "statement" {
    for_each = var.evidence_bucket_arn == null ? [] : [var.evidence_bucket_arn]
    content {
      sid       = "ListEvidence"
      actions   = ["s3:ListBucket"]
      resources = [statement.value]
      condition {
        test     = "StringLike"
        variable = "s3:prefix"
        values   = ["${var.evidence_prefix}*"]
      }
    }
  }
  dynamic "statement" {
    for_each = var.evidence_bucket_arn == null ? [] : [var.evidence_bucket_arn]
    content {
      sid       = "ReadDatabaseAuditLogs"
      actions   = ["logs:FilterLogEvents"]
      resources = local.audit_log_groups
    }
  }
  # Whether the cluster's Advanced Auditing was on, said in each bundle (auroraAuditLogging reads
  # the cluster's parameter group; rds:DescribeDBClusters is already in inventory_list).
  dynamic "statement" {
    for_each = var.evidence_bucket_arn == null ? [] : [var.evidence_bucket_arn]
    content {
      sid       = "ReadClusterAuditSettings"
      actions   = ["rds:DescribeDBClusterParameters"]
      resources = [for r in var.rds_regions : "arn:aws:rds:${r}:${var.account_id}:cluster-pg:*"]
    }
  }
  dynamic "statement" {
    for_each = var.evidence_kms_key_arn == null ? [] : [var.evidence_kms_key_arn]
    content {
      sid       = "EvidenceEncryption"
      actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
      resources = [statement.value]
      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["s3.${var.region}.amazonaws.com"]
      }
    }
  }
}

# The dashboard shows and offers the sealed bundles and anchors: read only.
data "aws_iam_policy_document" "evidence_read" {
  dynamic "statement" {
    for_each = var.evidence_bucket_arn == null ? [] : [var.evidence_bucket_arn]
    content {
      sid       = "ReadEvidence"
      actions   = ["s3:GetObject"]
      resources = [local.evidence_objects]
    }
  }
  dynamic "statement" {
    for_each = var.evidence_bucket_arn == null ? [] : [var.evidence_bucket_arn]
    content {
      sid       = "ListEvidenceRead"
      actions   = ["s3:ListBucket"]
      resources = [statement.value]
      condition {
        test     = "StringLike"
        variable = "s3:prefix"
        values   = ["${var.evidence_prefix}*"]
      }
    }
  }
  dynamic "statement" {
    for_each = var.evidence_kms_key_arn == null ? [] : [var.evidence_kms_key_arn]
    content {
      sid       = "DecryptEvidence"
      actions   = ["kms:Decrypt"]
      resources = [statement.value]
      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["s3.${var.region}.amazonaws.com"]
      }
    }
  }
}

# --- Task roles, one per app --------------------------------------------------------------------

# request-api checks at request time that the database exists (through the cluster's admin login),
# shows a grant's credentials in Slack ("Show credentials": the grant secret) and offers each
# cluster's databases from the doc-crawler's latest snapshot (DOCS_BUCKET).
data "aws_iam_policy_document" "request_api" {
  source_policy_documents = [
    data.aws_iam_policy_document.readiness.json,
    data.aws_iam_policy_document.access_tables_rw.json,
    data.aws_iam_policy_document.inventory_login.json,
    data.aws_iam_policy_document.docs_decrypt.json,
  ]
  statement {
    sid       = "ShowGrantSecrets"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [local.grant_secrets]
  }
  dynamic "statement" {
    for_each = var.kms_key_arn == null ? [] : [var.kms_key_arn]
    content {
      sid       = "DecryptGrantSecrets"
      actions   = ["kms:Decrypt"]
      resources = [statement.value]
    }
  }
  statement {
    sid       = "ReadSnapshots"
    actions   = ["s3:GetObject"]
    resources = ["${var.docs_bucket_arn}/*"]
  }
}

# approval-api selects no driver: no RDS listing.
data "aws_iam_policy_document" "approval_api" {
  source_policy_documents = [data.aws_iam_policy_document.readiness.json, data.aws_iam_policy_document.access_tables_rw.json]
}

# Reading objects written with SSE-KMS needs kms:Decrypt on the key (through S3 only).
data "aws_iam_policy_document" "docs_decrypt" {
  dynamic "statement" {
    for_each = var.kms_key_arn == null ? [] : [var.kms_key_arn]
    content {
      sid       = "ReadEncryptedDocs"
      actions   = ["kms:Decrypt"]
      resources = [statement.value]
      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["s3.${var.region}.amazonaws.com"]
      }
    }
  }
}

data "aws_iam_policy_document" "schema_review" {
  source_policy_documents = [data.aws_iam_policy_document.readiness.json, data.aws_iam_policy_document.docs_decrypt.json]
  statement {
    sid       = "Reviews"
    actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:Scan"]
    resources = local.table_and_indexes["reviews"]
  }
  # Live context: <prefix><cluster>/schema.json published by the doc-crawler. ListBucket makes a
  # missing snapshot a 404 (NoSuchKey) rather than a 403 AccessDenied.
  statement {
    sid       = "ReadSnapshots"
    actions   = ["s3:GetObject"]
    resources = ["${var.docs_bucket_arn}/*"]
  }
  statement {
    sid       = "ListSnapshots"
    actions   = ["s3:ListBucket"]
    resources = [var.docs_bucket_arn]
  }
  # Only when the AI second opinion is on (AI_PROVIDER=bedrock); Converse is authorised as InvokeModel.
  dynamic "statement" {
    for_each = var.bedrock_enabled ? [var.bedrock_model_arns] : []
    content {
      sid       = "SecondOpinion"
      actions   = ["bedrock:InvokeModel"]
      resources = statement.value
    }
  }
}

# ops-dashboard selects only the doc sink: no RDS listing.
data "aws_iam_policy_document" "ops_dashboard" {
  source_policy_documents = [data.aws_iam_policy_document.readiness.json, data.aws_iam_policy_document.docs_decrypt.json, data.aws_iam_policy_document.evidence_read.json]
  statement {
    sid       = "ReadPlatformState"
    actions   = ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan"]
    resources = flatten(values(local.table_and_indexes))
  }
  # Admin actions (end now, retry, ...) append to the hash-chained audit log.
  statement {
    sid       = "AppendAdminAudit"
    actions   = ["dynamodb:PutItem"]
    resources = [local.tables["audit"]]
  }
  statement {
    sid       = "ReadDocs"
    actions   = ["s3:GetObject", "s3:ListBucket"]
    resources = [var.docs_bucket_arn, "${var.docs_bucket_arn}/*"]
  }
}

data "aws_iam_policy_document" "doc_crawler" {
  source_policy_documents = [data.aws_iam_policy_document.readiness.json, data.aws_iam_policy_document.inventory_login.json]
  # The parameter pages' baseline: the engine defaults of a family (libs/docs rds-baseline.ts).
  statement {
    sid       = "ParameterPages"
    actions   = ["rds:DescribeEngineDefaultParameters", "rds:DescribeEngineDefaultClusterParameters"]
    resources = ["*"] # the engine-default calls name no resource
  }
  statement {
    sid       = "CrawlRuns"
    actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query"]
    resources = local.table_and_indexes["crawls"]
  }
  statement {
    sid       = "ChangeNotices"
    actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"]
    resources = local.table_and_indexes["outbox"]
  }
  statement {
    sid       = "PublishDocs"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = ["${var.docs_bucket_arn}/*"]
  }
  statement {
    sid       = "ListDocs"
    actions   = ["s3:ListBucket"]
    resources = [var.docs_bucket_arn]
  }
  dynamic "statement" {
    for_each = var.kms_key_arn == null ? [] : [var.kms_key_arn]
    content {
      sid       = "DocsEncryption"
      actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
      resources = [statement.value]
    }
  }
}

# Secrets of the one-off credentials: created (tagged) by the provisioner, deleted by either.
data "aws_iam_policy_document" "grant_secrets" {
  statement {
    sid       = "CreateGrantSecrets"
    actions   = ["secretsmanager:CreateSecret", "secretsmanager:TagResource"]
    resources = [local.grant_secrets]
    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/managed-by"
      values   = [var.platform_tag]
    }
  }
  statement {
    sid       = "UseGrantSecrets"
    actions   = ["secretsmanager:PutSecretValue", "secretsmanager:GetSecretValue", "secretsmanager:DeleteSecret"]
    resources = [local.grant_secrets]
  }
  dynamic "statement" {
    for_each = var.kms_key_arn == null ? [] : [var.kms_key_arn]
    content {
      sid       = "GrantSecretsEncryption"
      actions   = ["kms:GenerateDataKey", "kms:Decrypt", "kms:Encrypt"]
      resources = [statement.value]
      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["secretsmanager.${var.region}.amazonaws.com"]
      }
    }
  }
}

# Running bastions (provisioner and reaper): find, move the deadline (extension), end the live
# sessions, terminate, delete the per-bastion group; only what the platform tagged.
data "aws_iam_policy_document" "terminate_bastions" {
  statement {
    sid       = "FindBastions"
    actions   = ["ec2:DescribeInstances", "ec2:DescribeSecurityGroups", "ec2:DescribeImages", "ssm:DescribeSessions"]
    resources = ["*"] # Describe* has no resource-level permissions
  }
  statement {
    sid       = "MoveBastionDeadline"
    actions   = ["ec2:CreateTags"]
    resources = [for a in local.arn_ec2s : "${a}:instance/*"]
    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/managed-by"
      values   = [var.platform_tag]
    }
    condition {
      test     = "ForAllValues:StringEquals"
      variable = "aws:TagKeys"
      values   = ["dbre:ends-at"]
    }
  }
  statement {
    sid       = "EndLiveSessions"
    actions   = ["ssm:TerminateSession"]
    resources = [for r in local.bastion_regions : "arn:aws:ssm:${r}:${var.account_id}:session/*"]
  }
  statement {
    sid       = "DeleteBastionGroups"
    actions   = ["ec2:DeleteSecurityGroup"]
    resources = [for a in local.arn_ec2s : "${a}:security-group/*"]
    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/managed-by"
      values   = [var.platform_tag]
    }
  }
  statement {
    sid       = "TerminatePlatformBastions"
    actions   = ["ec2:TerminateInstances"]
    resources = [for a in local.arn_ec2s : "${a}:instance/*"]
    condition {
      test     = "StringEquals"
      variable = "ec2:ResourceTag/managed-by"
      values   = [var.platform_tag]
    }
  }
}

data "aws_iam_policy_document" "provisioner" {
  source_policy_documents = [
    data.aws_iam_policy_document.readiness.json,
    data.aws_iam_policy_document.access_tables_rw.json,
    data.aws_iam_policy_document.inventory_login.json,
    data.aws_iam_policy_document.grant_secrets.json,
    # A bastion that never comes online is terminated by the provisioner itself (compensation).
    data.aws_iam_policy_document.terminate_bastions.json,
    # A grant that failed after its user was created is collected where it failed.
    data.aws_iam_policy_document.evidence_collect.json,
  ]

  # RunInstances only creates instances and volumes that carry the platform's tag, with IMDSv2
  # required, of the bastion instance type and with the bastion instance profile ...
  statement {
    sid       = "LaunchTaggedBastions"
    actions   = ["ec2:RunInstances"]
    resources = [for a in local.arn_ec2s : "${a}:instance/*"]
    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/managed-by"
      values   = [var.platform_tag]
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
    sid       = "LaunchTaggedVolumes"
    actions   = ["ec2:RunInstances"]
    resources = [for a in local.arn_ec2s : "${a}:volume/*"]
    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/managed-by"
      values   = [var.platform_tag]
    }
  }
  # ... only in the bastion subnets, with the base group and the platform's per-bastion groups ...
  statement {
    sid     = "LaunchInBastionNetwork"
    actions = ["ec2:RunInstances"]
    resources = concat(
      [for s in var.bastion_subnet_ids : "${local.arn_ec2}:subnet/${s}"],
      ["${local.arn_ec2}:security-group/${var.bastion_sg_id}", "${local.arn_ec2}:network-interface/*"],
      flatten([for n in var.bastion_networks : concat(
        [for s in n.subnet_ids : "arn:aws:ec2:${n.region}:${var.account_id}:subnet/${s}"],
        ["arn:aws:ec2:${n.region}:${var.account_id}:security-group/${n.security_group_id}", "arn:aws:ec2:${n.region}:${var.account_id}:network-interface/*"],
      )]),
    )
  }
  statement {
    sid       = "LaunchWithBastionGroups"
    actions   = ["ec2:RunInstances"]
    resources = [for a in local.arn_ec2s : "${a}:security-group/*"]
    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/managed-by"
      values   = [var.platform_tag]
    }
  }
  # ... only from Amazon's images.
  statement {
    sid       = "LaunchFromAmazonImages"
    actions   = ["ec2:RunInstances"]
    resources = [for r in local.bastion_regions : "arn:aws:ec2:${r}::image/*"]
    condition {
      test     = "StringEquals"
      variable = "ec2:Owner"
      values   = ["amazon"]
    }
  }
  # Tags at launch; afterwards only the grant's deadline (extension) on platform instances.
  statement {
    sid       = "TagAtLaunch"
    actions   = ["ec2:CreateTags"]
    resources = flatten([for a in local.arn_ec2s : ["${a}:instance/*", "${a}:volume/*", "${a}:security-group/*"]])
    condition {
      test     = "StringEquals"
      variable = "ec2:CreateAction"
      values   = ["RunInstances", "CreateSecurityGroup"]
    }
  }
  # One group per bastion whose only egress is the granted cluster.
  statement {
    sid       = "CreateBastionGroups"
    actions   = ["ec2:CreateSecurityGroup"]
    resources = [for a in local.arn_ec2s : "${a}:security-group/*"]
    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/managed-by"
      values   = [var.platform_tag]
    }
  }
  statement {
    sid       = "CreateBastionGroupsInVpc"
    actions   = ["ec2:CreateSecurityGroup"]
    resources = concat([for v in var.bastion_vpc_ids : "${local.arn_ec2}:vpc/${v}"], [for n in var.bastion_networks : "arn:aws:ec2:${n.region}:${var.account_id}:vpc/${n.vpc_id}"])
  }
  statement {
    sid       = "PinBastionEgress"
    actions   = ["ec2:AuthorizeSecurityGroupEgress", "ec2:RevokeSecurityGroupEgress"]
    resources = [for a in local.arn_ec2s : "${a}:security-group/*"]
    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/managed-by"
      values   = [var.platform_tag]
    }
  }
  statement {
    sid       = "PassOnlyTheBastionRole"
    actions   = ["iam:PassRole"]
    resources = [var.bastion_role_arn]
    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["ec2.amazonaws.com"]
    }
  }
  statement {
    sid       = "LatestAmazonLinux"
    actions   = ["ssm:GetParameter"]
    resources = [for r in local.bastion_regions : "arn:aws:ssm:${r}::parameter/aws/service/ami-amazon-linux-latest/*"]
  }
  statement {
    sid       = "BastionOnline"
    actions   = ["ssm:DescribeInstanceInformation"]
    resources = ["*"] # no resource-level permissions
  }
  dynamic "statement" {
    for_each = var.kms_key_arn == null ? [] : [var.kms_key_arn]
    content {
      sid       = "EncryptBastionVolumes"
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

data "aws_iam_policy_document" "reaper" {
  source_policy_documents = [
    data.aws_iam_policy_document.readiness.json,
    data.aws_iam_policy_document.access_tables_rw.json,
    data.aws_iam_policy_document.inventory_login.json,
    data.aws_iam_policy_document.terminate_bastions.json,
    data.aws_iam_policy_document.evidence_collect.json,
  ]
  statement {
    sid       = "RemoveGrantSecrets"
    actions   = ["secretsmanager:GetSecretValue", "secretsmanager:DeleteSecret"]
    resources = [local.grant_secrets]
  }
  dynamic "statement" {
    for_each = var.kms_key_arn == null ? [] : [var.kms_key_arn]
    content {
      sid       = "ReadGrantSecrets"
      actions   = ["kms:Decrypt"]
      resources = [statement.value]
    }
  }
}

resource "aws_iam_role" "task" {
  for_each           = local.task_policies
  name               = "${var.name}-${each.key}"
  assume_role_policy = data.aws_iam_policy_document.assume_ecs_tasks.json
}

resource "aws_iam_role_policy" "task" {
  for_each = local.task_policies
  name     = each.key
  role     = aws_iam_role.task[each.key].id
  policy   = each.value
}

output "execution_role_arn" {
  value = aws_iam_role.execution.arn
}

output "task_role_arns" {
  value = { for app, role in aws_iam_role.task : app => role.arn }
}

# --- Engineers: Session Manager on their own bastion only -----------------------------------------

# Attach to the engineers' permission set / role. A person may start a session only on a bastion
# whose dbre:requester tag is their own e-mail (a principal tag), only with the platform's
# port-forwarding document, and may end or resume only their own sessions.
data "aws_iam_policy_document" "engineer_sessions" {
  statement {
    sid       = "OwnBastionOnly"
    actions   = ["ssm:StartSession"]
    resources = ["arn:aws:ec2:*:${var.account_id}:instance/*"]
    condition {
      test     = "StringEquals"
      variable = "ssm:resourceTag/managed-by"
      values   = [var.platform_tag]
    }
    condition {
      test     = "StringEquals"
      variable = "ssm:resourceTag/dbre:requester"
      values   = ["$${aws:PrincipalTag/${var.engineer_identity_tag}}"]
    }
    condition {
      test     = "BoolIfExists"
      variable = "ssm:SessionDocumentAccessCheck"
      values   = ["true"]
    }
  }
  statement {
    sid       = "PlatformDocumentOnly"
    actions   = ["ssm:StartSession"]
    resources = var.session_document_arns
  }
  statement {
    sid       = "OwnSessions"
    actions   = ["ssm:TerminateSession", "ssm:ResumeSession"]
    resources = ["arn:aws:ssm:*:${var.account_id}:session/$${aws:userid}-*"]
  }
}

resource "aws_iam_policy" "engineer_sessions" {
  name        = "${var.name}-engineer-sessions"
  description = "dbre-platform: port forwarding to one's own bastion"
  policy      = data.aws_iam_policy_document.engineer_sessions.json
}

output "engineer_policy_arn" {
  value = aws_iam_policy.engineer_sessions.arn
}

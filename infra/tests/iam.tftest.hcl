# The task roles' policies as AWS would receive them. aws_iam_policy_document is computed by the
# provider itself (no API call), so the real provider runs here with fake credentials and every
# account/region lookup switched off; the documents are read at plan.
provider "aws" {
  region                      = "eu-west-1"
  access_key                  = "test"
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
}

variables {
  name                = "dbre"
  region              = "eu-west-1"
  account_id          = "123456789012"
  platform_tag        = "dbre-platform"
  table_arns          = { for t in ["requests", "audit", "idempotency", "outbox", "reviews", "crawls", "secrets"] : t => "arn:aws:dynamodb:eu-west-1:123456789012:table/dbre-${t}" }
  docs_bucket_arn     = "arn:aws:s3:::dbre-docs"
  bastion_role_arn    = "arn:aws:iam::123456789012:role/dbre-bastion"
  bastion_subnet_ids  = ["subnet-0aaaaaaaaaaaaaaaa"]
  bastion_sg_id       = "sg-0123456789abcdef0"
  grant_secret_prefix = "dbre/access/"
  rds_regions         = ["eu-west-1"]
  app_secret_arns     = ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:dbre/app/generated-AbCdEf"]
  repository_arns     = ["arn:aws:ecr:eu-west-1:123456789012:repository/dbre/request-api"]
  log_group_arns      = ["arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/dbre/request-api:*"]

  bastion_instance_type        = "t3.micro"
  bastion_instance_profile_arn = "arn:aws:iam::123456789012:instance-profile/dbre-bastion"
  bastion_vpc_ids              = ["vpc-0123456789abcdef0"]
  session_document_arns        = ["arn:aws:ssm:eu-west-1:123456789012:document/dbre-PortForwardToGrantedCluster"]
  engineer_identity_tag        = "email"
  fleet_cluster_identifiers    = ["orders-*"]
  evidence_bucket_arn          = "arn:aws:s3:::dbre-evidence"
  evidence_prefix              = "stg/"
}


# Each role's actions, written by hand from the calls its code makes (libs/store, libs/docs,
# libs/drivers/src/aws, apps/*): nothing more.
run "each_role_allows_only_what_its_code_calls" {
  command = plan
  module {
    source = "./modules/iam"
  }

  assert {
    condition = toset(flatten([for s in jsondecode(data.aws_iam_policy_document.request_api.json).Statement : s.Action])) == toset([
      "dynamodb:ListTables", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query",
      "rds:DescribeDBClusters", "rds:DescribeDBInstances", "secretsmanager:GetSecretValue", "s3:GetObject",
    ])
    error_message = "request-api: access tables, the fleet with its admin logins (database check), grant secrets (Show credentials), doc snapshots"
  }
  assert {
    condition = toset(flatten([for s in jsondecode(data.aws_iam_policy_document.request_api.json).Statement : flatten([s.Resource]) if contains(flatten([s.Action]), "secretsmanager:GetSecretValue")])) == toset([
      "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!*", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:dbre/access/*",
    ])
    error_message = "request-api reads only the fleet's master logins and the grant secrets"
  }
  assert {
    condition = toset(flatten([for s in jsondecode(data.aws_iam_policy_document.approval_api.json).Statement : s.Action])) == toset([
      "dynamodb:ListTables", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query",
    ])
    error_message = "approval-api: access tables only (no RDS)"
  }
  assert {
    condition = toset(flatten([for s in jsondecode(data.aws_iam_policy_document.schema_review.json).Statement : s.Action])) == toset([
      "dynamodb:ListTables", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:Scan", "s3:GetObject", "s3:ListBucket",
    ])
    error_message = "schema-review: reviews and snapshots; no Bedrock while the AI is off"
  }
  assert {
    condition = toset(flatten([for s in jsondecode(data.aws_iam_policy_document.ops_dashboard.json).Statement : s.Action])) == toset([
      "dynamodb:ListTables", "dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:PutItem", "s3:GetObject", "s3:ListBucket",
    ])
    error_message = "ops-dashboard: read state, append admin audit events, read docs (no RDS, no DescribeTable)"
  }
  assert {
    condition     = [for s in jsondecode(data.aws_iam_policy_document.ops_dashboard.json).Statement : s.Resource if s.Action == "dynamodb:PutItem"] == ["arn:aws:dynamodb:eu-west-1:123456789012:table/dbre-audit"]
    error_message = "ops-dashboard writes the audit table only"
  }
  assert {
    condition = toset(flatten([for s in jsondecode(data.aws_iam_policy_document.doc_crawler.json).Statement : s.Action])) == toset([
      "dynamodb:ListTables", "rds:DescribeDBClusters", "rds:DescribeDBInstances", "secretsmanager:GetSecretValue",
      "rds:DescribeEngineDefaultParameters", "rds:DescribeEngineDefaultClusterParameters",
      "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query",
      "s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket",
    ])
    error_message = "doc-crawler: fleet logins, engine defaults, crawl runs, notices, the docs bucket"
  }
  assert {
    condition = toset(flatten([for s in jsondecode(data.aws_iam_policy_document.provisioner.json).Statement : s.Action])) == toset([
      "dynamodb:ListTables", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query",
      "rds:DescribeDBClusters", "rds:DescribeDBInstances", "secretsmanager:GetSecretValue",
      "secretsmanager:CreateSecret", "secretsmanager:TagResource", "secretsmanager:PutSecretValue", "secretsmanager:DeleteSecret",
      "ec2:DescribeInstances", "ec2:DescribeSecurityGroups", "ec2:DescribeImages", "ssm:DescribeSessions", "ec2:CreateTags", "ssm:TerminateSession",
      "ec2:DeleteSecurityGroup", "ec2:TerminateInstances", "ec2:RunInstances", "ec2:CreateSecurityGroup",
      "ec2:AuthorizeSecurityGroupEgress", "ec2:RevokeSecurityGroupEgress", "iam:PassRole", "ssm:GetParameter", "ssm:DescribeInstanceInformation",
      "s3:PutObject", "s3:PutObjectRetention", "s3:GetObject", "s3:ListBucket", "logs:FilterLogEvents",
    ])
    error_message = "provisioner: access tables, logins, grant secrets, bastions, evidence of a grant that failed after its user was created"
  }
  assert {
    condition = toset(flatten([for s in jsondecode(data.aws_iam_policy_document.reaper.json).Statement : s.Action])) == toset([
      "dynamodb:ListTables", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query",
      "rds:DescribeDBClusters", "rds:DescribeDBInstances", "secretsmanager:GetSecretValue", "secretsmanager:DeleteSecret",
      "ec2:DescribeInstances", "ec2:DescribeSecurityGroups", "ec2:DescribeImages", "ssm:DescribeSessions", "ec2:CreateTags", "ssm:TerminateSession",
      "ec2:DeleteSecurityGroup", "ec2:TerminateInstances",
      "s3:PutObject", "s3:PutObjectRetention", "s3:GetObject", "s3:ListBucket", "logs:FilterLogEvents",
    ])
    error_message = "reaper: access tables, logins, end sessions and bastions, delete grant secrets, collect and seal evidence"
  }
}

run "launches_are_conditioned_and_master_secrets_limited_to_the_fleet" {
  command = plan
  module {
    source = "./modules/iam"
  }

  assert {
    condition = [for s in jsondecode(data.aws_iam_policy_document.provisioner.json).Statement : s.Condition if try(s.Sid, "") == "LaunchTaggedBastions"][0] == {
      StringEquals = {
        "aws:RequestTag/managed-by" = "dbre-platform"
        "ec2:MetadataHttpTokens"    = "required"
        "ec2:InstanceType"          = "t3.micro"
      }
      ArnEquals = { "ec2:InstanceProfile" = "arn:aws:iam::123456789012:instance-profile/dbre-bastion" }
    }
    error_message = "RunInstances: tagged, IMDSv2 only, the bastion type and profile only"
  }
  assert {
    condition = [for s in jsondecode(data.aws_iam_policy_document.provisioner.json).Statement : s.Condition if try(s.Sid, "") == "ReadFleetMasterLogins"][0] == {
      StringEquals = { "secretsmanager:ResourceTag/aws:secretsmanager:owningService" = "rds" }
      StringLike   = { "secretsmanager:ResourceTag/aws:rds:primaryDBClusterArn" = "arn:aws:rds:eu-west-1:123456789012:cluster:orders-*" }
    }
    error_message = "master secrets: only those RDS manages for the fleet's clusters"
  }
  assert {
    condition     = [for s in jsondecode(data.aws_iam_policy_document.reaper.json).Statement : s.Condition if try(s.Sid, "") == "MoveBastionDeadline"][0]["ForAllValues:StringEquals"]["aws:TagKeys"] == "dbre:ends-at"
    error_message = "after launch, only the deadline tag can change"
  }
}

run "engineers_start_sessions_on_their_own_bastion_with_the_platform_document_only" {
  command = plan
  module {
    source = "./modules/iam"
  }

  assert {
    condition = [for s in jsondecode(data.aws_iam_policy_document.engineer_sessions.json).Statement : s.Condition if try(s.Sid, "") == "OwnBastionOnly"][0] == {
      StringEquals = {
        "ssm:resourceTag/managed-by"     = "dbre-platform"
        "ssm:resourceTag/dbre:requester" = "$${aws:PrincipalTag/email}"
      }
      BoolIfExists = { "ssm:SessionDocumentAccessCheck" = "true" }
    }
    error_message = "StartSession only on a bastion tagged with the caller's own e-mail, document checked"
  }
  assert {
    condition     = [for s in jsondecode(data.aws_iam_policy_document.engineer_sessions.json).Statement : s.Resource if try(s.Sid, "") == "PlatformDocumentOnly"][0] == "arn:aws:ssm:eu-west-1:123456789012:document/dbre-PortForwardToGrantedCluster"
    error_message = "the platform's document only (not AWS-StartPortForwardingSessionToRemoteHost)"
  }
}

run "readers_of_encrypted_docs_may_decrypt_and_bedrock_only_with_ai_on" {
  command = plan
  module {
    source = "./modules/iam"
  }
  variables {
    kms_key_arn        = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    bedrock_enabled    = true
    bedrock_model_arns = ["arn:aws:bedrock:eu-west-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0"]
  }

  assert {
    condition     = contains(flatten([for s in jsondecode(data.aws_iam_policy_document.schema_review.json).Statement : s.Action]), "kms:Decrypt") && contains(flatten([for s in jsondecode(data.aws_iam_policy_document.ops_dashboard.json).Statement : s.Action]), "kms:Decrypt")
    error_message = "schema-review and ops-dashboard read SSE-KMS docs: kms:Decrypt"
  }
  assert {
    condition     = [for s in jsondecode(data.aws_iam_policy_document.schema_review.json).Statement : s.Action if try(s.Sid, "") == "SecondOpinion"] == ["bedrock:InvokeModel"]
    error_message = "Bedrock only when the AI second opinion is on"
  }
}

run "evidence_is_sealed_by_the_collectors_and_only_read_by_the_dashboard" {
  command = plan
  module {
    source = "./modules/iam"
  }
  variables {
    rds_regions          = ["eu-west-1", "us-east-1"]
    evidence_kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/0000evid-ence-0000-0000-000000000000"
  }

  assert {
    condition     = [for s in jsondecode(data.aws_iam_policy_document.reaper.json).Statement : s.Resource if try(s.Sid, "") == "SealEvidence"][0] == "arn:aws:s3:::dbre-evidence/stg/*"
    error_message = "the collectors write and read only under the evidence prefix"
  }
  assert {
    condition     = [for s in jsondecode(data.aws_iam_policy_document.reaper.json).Statement : s.Condition if try(s.Sid, "") == "ListEvidence"][0] == { StringLike = { "s3:prefix" = "stg/*" } }
    error_message = "listing (anchors, bundles) only under the prefix"
  }
  assert {
    condition = toset([for s in jsondecode(data.aws_iam_policy_document.reaper.json).Statement : s.Resource if try(s.Sid, "") == "ReadDatabaseAuditLogs"][0]) == toset([
      "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/rds/cluster/orders-*/audit",
      "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/rds/cluster/orders-*/audit:*",
      "arn:aws:logs:us-east-1:123456789012:log-group:/aws/rds/cluster/orders-*/audit",
      "arn:aws:logs:us-east-1:123456789012:log-group:/aws/rds/cluster/orders-*/audit:*",
    ])
    error_message = "FilterLogEvents only on the fleet clusters' Advanced Auditing log groups, in every fleet region"
  }
  assert {
    condition     = [for s in jsondecode(data.aws_iam_policy_document.reaper.json).Statement : s.Action if try(s.Sid, "") == "EvidenceEncryption"][0] == ["kms:GenerateDataKey", "kms:Decrypt"]
    error_message = "the collectors encrypt with the evidence key (through S3)"
  }
  assert {
    condition     = toset([for s in jsondecode(data.aws_iam_policy_document.ops_dashboard.json).Statement : s.Sid if contains(flatten([s.Resource]), "arn:aws:s3:::dbre-evidence/stg/*") || contains(flatten([s.Resource]), "arn:aws:s3:::dbre-evidence")]) == toset(["ReadEvidence", "ListEvidenceRead"])
    error_message = "the dashboard reads and lists the evidence, nothing else on that bucket"
  }
  assert {
    condition     = [for s in jsondecode(data.aws_iam_policy_document.ops_dashboard.json).Statement : s.Action if try(s.Sid, "") == "ReadEvidence"][0] == "s3:GetObject" && [for s in jsondecode(data.aws_iam_policy_document.ops_dashboard.json).Statement : s.Action if try(s.Sid, "") == "DecryptEvidence"][0] == "kms:Decrypt"
    error_message = "the dashboard never writes evidence; it decrypts what it reads"
  }
  assert {
    condition     = !anytrue([for doc in [data.aws_iam_policy_document.reaper.json, data.aws_iam_policy_document.provisioner.json, data.aws_iam_policy_document.ops_dashboard.json] : anytrue([for s in jsondecode(doc).Statement : anytrue([for a in flatten([s.Action]) : contains(["s3:BypassGovernanceRetention", "s3:PutBucketObjectLockConfiguration", "s3:DeleteObject", "s3:DeleteObjectVersion"], a)])])])
    error_message = "no service may bypass retention, change the lock or delete evidence"
  }
  assert {
    condition     = !anytrue([for s in jsondecode(data.aws_iam_policy_document.request_api.json).Statement : anytrue([for r in flatten([s.Resource]) : startswith(r, "arn:aws:s3:::dbre-evidence")])]) && !anytrue([for s in jsondecode(data.aws_iam_policy_document.doc_crawler.json).Statement : anytrue([for r in flatten([s.Resource]) : startswith(r, "arn:aws:s3:::dbre-evidence")])])
    error_message = "services that do not collect or show evidence have no access to it"
  }
}

# The evidence bucket and the Advanced Auditing parameter groups, planned with the real provider
# (no account: every lookup switched off; the bucket policy is computed by the provider at plan).
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
  bucket_name    = "dbre-evidence-123456789012"
  retention_days = 400
  name           = "dbre"
  families       = ["aurora-mysql8.0", "aurora-mysql5.7"]
}

run "evidence_bucket_is_locked_in_compliance_mode_and_never_public" {
  command = plan
  module {
    source = "./modules/evidence-bucket"
  }

  assert {
    condition     = aws_s3_bucket.evidence.object_lock_enabled == true
    error_message = "Object Lock is enabled when the bucket is created (it cannot be added later)"
  }
  assert {
    condition     = aws_s3_bucket_object_lock_configuration.evidence.rule[0].default_retention[0].mode == "COMPLIANCE" && aws_s3_bucket_object_lock_configuration.evidence.rule[0].default_retention[0].days == 400
    error_message = "every object version is locked by default in COMPLIANCE mode for retention_days"
  }
  assert {
    condition     = aws_s3_bucket_versioning.evidence.versioning_configuration[0].status == "Enabled"
    error_message = "versioning on (Object Lock needs it)"
  }
  assert {
    condition = alltrue([
      aws_s3_bucket_public_access_block.evidence.block_public_acls,
      aws_s3_bucket_public_access_block.evidence.block_public_policy,
      aws_s3_bucket_public_access_block.evidence.ignore_public_acls,
      aws_s3_bucket_public_access_block.evidence.restrict_public_buckets,
    ]) && aws_s3_bucket_ownership_controls.evidence.rule[0].object_ownership == "BucketOwnerEnforced"
    error_message = "no public access of any kind, no ACLs"
  }
  assert {
    condition     = [for r in aws_s3_bucket_server_side_encryption_configuration.evidence.rule : r.apply_server_side_encryption_by_default[0].sse_algorithm] == ["aws:kms"] && length(aws_kms_key.evidence) == 1 && aws_kms_key.evidence[0].enable_key_rotation
    error_message = "SSE-KMS with a dedicated, rotated key when none is given"
  }
  assert {
    condition = [for s in jsondecode(data.aws_iam_policy_document.evidence.json).Statement : s if try(s.Sid, "") == "DenyInsecureTransport"][0] == {
      Sid       = "DenyInsecureTransport"
      Effect    = "Deny"
      Action    = "s3:*"
      Resource  = ["arn:aws:s3:::dbre-evidence-123456789012/*", "arn:aws:s3:::dbre-evidence-123456789012"]
      Principal = "*"
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }
    error_message = "TLS only, for everyone"
  }
  assert {
    condition = [for s in jsondecode(data.aws_iam_policy_document.evidence.json).Statement : s if try(s.Sid, "") == "DenyPutWithoutIfNoneMatch"][0] == {
      Sid       = "DenyPutWithoutIfNoneMatch"
      Effect    = "Deny"
      Action    = "s3:PutObject"
      Resource  = "arn:aws:s3:::dbre-evidence-123456789012/*"
      Principal = "*"
      Condition = { Null = { "s3:if-none-match" = "true" } }
    }
    error_message = "a put that could replace a key is refused: write-once by policy too"
  }
  assert {
    condition     = length(jsondecode(data.aws_iam_policy_document.evidence.json).Statement) == 2 && alltrue([for s in jsondecode(data.aws_iam_policy_document.evidence.json).Statement : s.Effect == "Deny"])
    error_message = "the bucket policy only denies: it grants nothing to anyone"
  }
}

run "evidence_bucket_uses_a_given_key" {
  command = plan
  module {
    source = "./modules/evidence-bucket"
  }
  variables {
    kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
  }
  assert {
    condition     = length(aws_kms_key.evidence) == 0 && [for r in aws_s3_bucket_server_side_encryption_configuration.evidence.rule : r.apply_server_side_encryption_by_default[0].kms_master_key_id] == ["arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"]
    error_message = "the given key, no new one"
  }
}

run "evidence_retention_must_be_whole_days" {
  command = plan
  module {
    source = "./modules/evidence-bucket"
  }
  variables {
    retention_days = 0
  }
  expect_failures = [var.retention_days]
}

run "aurora_parameter_groups_turn_advanced_auditing_on" {
  command = plan
  module {
    source = "./modules/aurora-audit"
  }

  assert {
    condition     = toset(keys(aws_rds_cluster_parameter_group.audit)) == toset(["aurora-mysql8.0", "aurora-mysql5.7"]) && aws_rds_cluster_parameter_group.audit["aurora-mysql8.0"].name == "dbre-aurora-mysql8-0-audit"
    error_message = "one cluster parameter group per family"
  }
  assert {
    condition = { for p in aws_rds_cluster_parameter_group.audit["aurora-mysql8.0"].parameter : p.name => [p.value, p.apply_method] } == {
      server_audit_logging = ["1", "immediate"]
      server_audit_events  = ["CONNECT,QUERY_DCL,QUERY_DDL,QUERY_DML", "immediate"]
    }
    error_message = "logging on, logins and every statement kind, applied without a reboot; no user excluded"
  }
}

run "aurora_parameter_groups_refuse_other_engines_and_audit_overrides" {
  command = plan
  module {
    source = "./modules/aurora-audit"
  }
  variables {
    families         = ["mysql8.0"]
    extra_parameters = { server_audit_excl_users = "jit_%" }
  }
  expect_failures = [var.families, var.extra_parameters]
}

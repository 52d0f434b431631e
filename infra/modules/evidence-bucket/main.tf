# The evidence store (libs/drivers S3EvidenceStore): every grant's sealed evidence bundle and the
# anchor manifests of the audit chains, written once and kept unchangeable. Object Lock in
# COMPLIANCE mode: no one, the account root included, can delete or overwrite a locked version or
# shorten its retention (docs/evidence.md cites the AWS documentation).

variable "bucket_name" {
  type = string
}

variable "retention_days" {
  description = "Default COMPLIANCE retention of every object version, in days (the services also lock each put for EVIDENCE_RETENTION_DAYS)."
  type        = number
  validation {
    condition     = var.retention_days >= 1 && floor(var.retention_days) == var.retention_days
    error_message = "retention_days must be a whole number of days, at least 1."
  }
}

variable "kms_key_arn" {
  description = "SSE-KMS key; null creates a dedicated key for the evidence."
  type        = string
  default     = null
}

# A dedicated key unless one is given: the evidence outlives the platform's other data.
resource "aws_kms_key" "evidence" {
  count                   = var.kms_key_arn == null ? 1 : 0
  description             = "${var.bucket_name}: evidence bundles and anchors (SSE-KMS)"
  enable_key_rotation     = true
  deletion_window_in_days = 30
}

data "aws_partition" "current" {}

locals {
  kms_key_arn = var.kms_key_arn == null ? aws_kms_key.evidence[0].arn : var.kms_key_arn
  # From the name, not the resource: the policy is then known at plan (and reviewable in it).
  bucket_arn = "arn:${data.aws_partition.current.partition}:s3:::${var.bucket_name}"
}

# Object Lock can only be turned on when the bucket is created; it implies versioning.
# No force_destroy: a bucket holding locked versions cannot be emptied before they expire.
resource "aws_s3_bucket" "evidence" {
  bucket              = var.bucket_name
  object_lock_enabled = true
}

resource "aws_s3_bucket_versioning" "evidence" {
  bucket = aws_s3_bucket.evidence.id
  versioning_configuration {
    status = "Enabled"
  }
}

# Even an object written without lock headers is locked, in COMPLIANCE mode.
resource "aws_s3_bucket_object_lock_configuration" "evidence" {
  bucket = aws_s3_bucket.evidence.id
  rule {
    default_retention {
      mode = "COMPLIANCE"
      days = var.retention_days
    }
  }
  depends_on = [aws_s3_bucket_versioning.evidence]
}

resource "aws_s3_bucket_public_access_block" "evidence" {
  bucket                  = aws_s3_bucket.evidence.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "evidence" {
  bucket = aws_s3_bucket.evidence.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "evidence" {
  bucket = aws_s3_bucket.evidence.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = local.kms_key_arn
    }
    bucket_key_enabled = true
  }
}

# No aws_s3_bucket_lifecycle_configuration on purpose: nothing expires a version, current or not,
# before (or after) its retention; removing evidence is a decision, not a rule.

data "aws_iam_policy_document" "evidence" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [local.bucket_arn, "${local.bucket_arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
  # Write-once by policy too: a put that could replace a key (no If-None-Match) is refused. The
  # store makes single PutObject calls; multipart uploads (no conditional header) are refused too.
  statement {
    sid       = "DenyPutWithoutIfNoneMatch"
    effect    = "Deny"
    actions   = ["s3:PutObject"]
    resources = ["${local.bucket_arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Null"
      variable = "s3:if-none-match"
      values   = ["true"]
    }
  }
}

resource "aws_s3_bucket_policy" "evidence" {
  bucket     = aws_s3_bucket.evidence.id
  policy     = data.aws_iam_policy_document.evidence.json
  depends_on = [aws_s3_bucket_public_access_block.evidence]
}

output "name" {
  value = aws_s3_bucket.evidence.bucket
}

output "arn" {
  value = aws_s3_bucket.evidence.arn
}

output "kms_key_arn" {
  value = local.kms_key_arn
}

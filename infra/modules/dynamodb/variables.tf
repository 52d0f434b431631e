# The tables themselves are generated: tables.tf.json (npm run infra:tables).

variable "table_prefix" {
  description = "Physical table name prefix (TABLE_PREFIX)."
  type        = string
}

variable "kms_key_arn" {
  description = "Customer-managed key for table encryption; the AWS-owned DynamoDB key when null."
  type        = string
  default     = null
}

variable "deletion_protection" {
  type    = bool
  default = true
}

# Aurora MySQL Advanced Auditing for the fleet's clusters (the platform lists clusters, it does not
# create them: the teams that own a cluster attach this group and export its audit log).
#
# Per the Aurora user guide (AuroraMySQL.Auditing.html): the parameters live in the DB *cluster*
# parameter group; server_audit_events is upper case, comma-separated, no spaces; QUERY_DML
# includes SELECT; changing them needs no reboot once the group is attached, attaching a new
# group does. The records reach CloudWatch Logs (/aws/rds/cluster/<cluster>/audit) only when the
# cluster exports the audit log type:
#
#   resource "aws_rds_cluster" "orders" {
#     db_cluster_parameter_group_name = module.aurora_audit.parameter_group_names["aurora-mysql8.0"]
#     enabled_cloudwatch_logs_exports = ["audit"]
#   }

variable "name" {
  type = string
}

variable "families" {
  description = "Parameter group families to create a group for, e.g. [\"aurora-mysql8.0\", \"aurora-mysql5.7\"]."
  type        = list(string)
  validation {
    condition     = alltrue([for f in var.families : can(regex("^aurora-mysql", f))])
    error_message = "Advanced Auditing is an Aurora MySQL feature: families must start with aurora-mysql."
  }
}

variable "audit_events" {
  description = "server_audit_events: what a grant's evidence needs (logins, and DDL, DML including SELECT, DCL statements)."
  type        = list(string)
  default     = ["CONNECT", "QUERY_DCL", "QUERY_DDL", "QUERY_DML"]
  validation {
    condition     = length(var.audit_events) > 0 && alltrue([for e in var.audit_events : contains(["CONNECT", "QUERY", "QUERY_DCL", "QUERY_DDL", "QUERY_DML", "QUERY_DML_NO_SELECT", "TABLE"], e)])
    error_message = "audit_events: CONNECT, QUERY, QUERY_DCL, QUERY_DDL, QUERY_DML, QUERY_DML_NO_SELECT or TABLE."
  }
}

variable "extra_parameters" {
  description = "Other cluster parameters the owners want in the same group (name => value)."
  type        = map(string)
  default     = {}
  validation {
    condition     = alltrue([for k in keys(var.extra_parameters) : !startswith(k, "server_audit_")])
    error_message = "extra_parameters must not set server_audit_* (the audit settings are this module's)."
  }
}

resource "aws_rds_cluster_parameter_group" "audit" {
  for_each    = toset(var.families)
  name        = "${var.name}-${replace(each.value, ".", "-")}-audit"
  family      = each.value
  description = "Advanced Auditing on: every login and statement is logged (dbre evidence)"

  parameter {
    name         = "server_audit_logging"
    value        = "1"
    apply_method = "immediate"
  }
  parameter {
    name         = "server_audit_events"
    value        = join(",", var.audit_events)
    apply_method = "immediate"
  }
  # Every user is audited: server_audit_incl_users and server_audit_excl_users stay empty (the
  # platform's users are new per grant; excluding jit_* would erase the evidence).
  dynamic "parameter" {
    for_each = var.extra_parameters
    content {
      name         = parameter.key
      value        = parameter.value
      apply_method = "pending-reboot"
    }
  }
}

output "parameter_group_names" {
  value = { for f, g in aws_rds_cluster_parameter_group.audit : f => g.name }
}

variable "name" {
  description = "App name (apps/<name>)."
  type        = string
}

variable "name_prefix" {
  type = string
}

variable "region" {
  type = string
}

variable "cluster_arn" {
  type = string
}

variable "image" {
  type = string
}

variable "cpu" {
  type = number
}

variable "memory" {
  type = number
}

variable "cpu_architecture" {
  type    = string
  default = "X86_64"
}

variable "port" {
  description = "The app's PORT: HTTP API or, for workers, /healthz /readyz /metrics."
  type        = number
}

variable "desired_count" {
  type = number
}

variable "subnet_ids" {
  type = list(string)
}

variable "security_group_ids" {
  type = list(string)
}

variable "execution_role_arn" {
  type = string
}

variable "task_role_arn" {
  type = string
}

variable "target_group_arn" {
  description = "ALB target group, null for workers the ALB does not route to."
  type        = string
  default     = null
}

variable "environment" {
  type = map(string)
}

variable "secrets" {
  description = "Environment variable => Secrets Manager valueFrom (arn:...:KEY::)."
  type        = map(string)
  default     = {}
}

variable "log_retention_days" {
  type = number
}

variable "log_kms_key_arn" {
  type    = string
  default = null
}

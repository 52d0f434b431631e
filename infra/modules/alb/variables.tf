variable "name" {
  type = string
}

variable "vpc_id" {
  type = string
}

variable "public_subnet_ids" {
  type = list(string)
}

variable "internal" {
  type    = bool
  default = false
}

variable "ingress_cidrs" {
  type = list(string)
}

variable "certificate_arn" {
  type = string
}

variable "oidc" {
  type = object({
    issuer                 = string
    authorization_endpoint = string
    token_endpoint         = string
    user_info_endpoint     = string
    client_id              = string
  })
}

variable "oidc_client_secret" {
  type      = string
  sensitive = true
}

variable "routed_apps" {
  description = "App => container port, for the apps the ALB routes to."
  type        = map(number)
}

variable "routes" {
  description = "Listener rules: app, priority, path patterns, and whether OIDC sign-in comes first."
  type = list(object({
    app      = string
    priority = number
    paths    = list(string)
    oidc     = bool
  }))
}

variable "task_ports" {
  description = "Every app port (the ALB reaches the routed ones; health checks use them)."
  type        = list(number)
}

variable "database_cidr_blocks" {
  type = list(string)
}

variable "database_port" {
  type = number
}

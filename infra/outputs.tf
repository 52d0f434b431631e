# What a team must wire after apply.

output "alb_dns_name" {
  description = "Point your DNS name (the certificate's) at this ALB; Slack calls https://<name>/slack/commands and /slack/interactions."
  value       = module.alb.dns_name
}

output "alb_zone_id" {
  description = "For a Route 53 alias record."
  value       = module.alb.zone_id
}

output "ecr_repository_urls" {
  description = "Push each app's image here, tagged var.image_tag."
  value       = module.ecr.repository_urls
}

output "tasks_security_group_id" {
  description = "Allow this group on the database port in every Aurora cluster's security group (provisioner, reaper, doc-crawler connect)."
  value       = module.alb.tasks_security_group_id
}

output "bastion_security_group_id" {
  description = "Base group of every bastion (SSM only). The database way is a per-bastion group the driver creates; allow the bastion VPC's CIDR (or per-bastion groups, same VPC) on the database port in the Aurora clusters' security groups. Groups cannot be referenced across regions: use CIDRs there."
  value       = module.bastion.security_group_id
}

output "bastion_session_document" {
  description = "The platform's port-forwarding Session document; engineers use it (aws ssm start-session --document-name ...)."
  value       = module.bastion.session_document_name
}

output "engineer_policy_arn" {
  description = "Attach to the engineers' permission set or role: Session Manager on their own bastion only (principal tag engineer_identity_tag = the bastion's dbre:requester)."
  value       = module.iam.engineer_policy_arn
}

output "operator_secret_arn" {
  description = "Put {\"SLACK_BOT_TOKEN\": ..., \"SLACK_SIGNING_SECRET\": ...} here before the first deploy."
  value       = module.app_secrets.operator_secret_arn
}

output "api_token_secret_arns" {
  description = "Service => secret holding one bearer token per calling tool (generated). Hand a tool outside AWS (CI) only its own key."
  value       = module.app_secrets.api_token_secret_arns
}

output "docs_bucket" {
  value = module.docs_bucket.name
}

output "ecs_cluster_name" {
  value = module.cluster.name
}

output "log_groups" {
  value = { for app, svc in module.service : app => svc.log_group_name }
}

output "redis_primary_endpoint" {
  value = module.redis.primary_endpoint
}

output "evidence_bucket" {
  description = "The evidence store (Object Lock, COMPLIANCE): EVIDENCE_BUCKET of the services that collect evidence."
  value       = module.evidence_bucket.name
}

output "aurora_audit_parameter_groups" {
  description = "Advanced Auditing cluster parameter groups by family: attach to each fleet cluster and set enabled_cloudwatch_logs_exports = [\"audit\"]."
  value       = length(module.aurora_audit) > 0 ? module.aurora_audit[0].parameter_group_names : {}
}

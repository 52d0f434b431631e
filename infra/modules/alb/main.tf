# The edge: an ALB routing /slack/* and /v1/* to the APIs and everything else to the dashboard
# behind OIDC sign-in; plus the tasks' security group (reachable only from the ALB).

resource "aws_security_group" "alb" {
  name        = "${var.name}-alb"
  description = "dbre ALB: HTTPS in, app ports out to the tasks"
  vpc_id      = var.vpc_id
}

resource "aws_vpc_security_group_ingress_rule" "alb_https" {
  for_each          = toset(var.ingress_cidrs)
  security_group_id = aws_security_group.alb.id
  description       = "HTTPS"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = each.value
}

resource "aws_vpc_security_group_ingress_rule" "alb_http" {
  for_each          = toset(var.ingress_cidrs)
  security_group_id = aws_security_group.alb.id
  description       = "HTTP, redirected to HTTPS"
  ip_protocol       = "tcp"
  from_port         = 80
  to_port           = 80
  cidr_ipv4         = each.value
}

resource "aws_vpc_security_group_egress_rule" "alb_to_tasks" {
  for_each                     = toset([for p in var.task_ports : tostring(p)])
  security_group_id            = aws_security_group.alb.id
  description                  = "to the tasks"
  ip_protocol                  = "tcp"
  from_port                    = tonumber(each.value)
  to_port                      = tonumber(each.value)
  referenced_security_group_id = aws_security_group.tasks.id
}

# authenticate-oidc: the ALB itself calls the IdP's token and user-info endpoints (HTTPS, on the
# internet); without this rule dashboard sign-in fails after the IdP redirect.
resource "aws_vpc_security_group_egress_rule" "alb_to_idp" {
  security_group_id = aws_security_group.alb.id
  description       = "OIDC token and user-info endpoints of the identity provider"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_security_group" "tasks" {
  name        = "${var.name}-tasks"
  description = "dbre ECS tasks: in from the ALB only; out to AWS APIs, Slack, Redis and the databases"
  vpc_id      = var.vpc_id
}

resource "aws_vpc_security_group_ingress_rule" "tasks_from_alb" {
  for_each                     = toset([for p in var.task_ports : tostring(p)])
  security_group_id            = aws_security_group.tasks.id
  description                  = "from the ALB"
  ip_protocol                  = "tcp"
  from_port                    = tonumber(each.value)
  to_port                      = tonumber(each.value)
  referenced_security_group_id = aws_security_group.alb.id
}

resource "aws_vpc_security_group_egress_rule" "tasks_https" {
  security_group_id = aws_security_group.tasks.id
  description       = "AWS APIs, ECR, Slack, LLM endpoints"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_egress_rule" "tasks_databases" {
  for_each          = toset(var.database_cidr_blocks)
  security_group_id = aws_security_group.tasks.id
  description       = "Aurora clusters (user management, doc crawls)"
  ip_protocol       = "tcp"
  from_port         = var.database_port
  to_port           = var.database_port
  cidr_ipv4         = each.value
}

resource "aws_lb" "this" {
  name                       = "${var.name}-alb"
  load_balancer_type         = "application"
  internal                   = var.internal
  subnets                    = var.public_subnet_ids
  security_groups            = [aws_security_group.alb.id]
  drop_invalid_header_fields = true
  idle_timeout               = 60
}

resource "aws_lb_target_group" "app" {
  for_each             = var.routed_apps
  name                 = substr("${var.name}-${each.key}", 0, 32)
  port                 = each.value
  protocol             = "HTTP"
  target_type          = "ip"
  vpc_id               = var.vpc_id
  deregistration_delay = 15

  health_check {
    path                = "/healthz"
    matcher             = "200"
    interval            = 15
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.this.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type = "redirect"
    redirect {
      port        = "443"
      protocol    = "HTTPS"
      status_code = "HTTP_301"
    }
  }
}

resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.this.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = var.certificate_arn

  default_action {
    type = "fixed-response"
    fixed_response {
      content_type = "application/json"
      message_body = "{\"title\":\"not found\"}"
      status_code  = "404"
    }
  }
}

resource "aws_lb_listener_rule" "route" {
  for_each     = { for r in var.routes : tostring(r.priority) => r }
  listener_arn = aws_lb_listener.https.arn
  priority     = each.value.priority

  # People sign in through the IdP; the app verifies the ALB's signed x-amzn-oidc-data header.
  dynamic "action" {
    for_each = each.value.oidc ? [var.oidc] : []
    content {
      type  = "authenticate-oidc"
      order = 1
      authenticate_oidc {
        issuer                     = action.value.issuer
        authorization_endpoint     = action.value.authorization_endpoint
        token_endpoint             = action.value.token_endpoint
        user_info_endpoint         = action.value.user_info_endpoint
        client_id                  = action.value.client_id
        client_secret              = var.oidc_client_secret
        scope                      = "openid email profile"
        session_timeout            = 28800
        on_unauthenticated_request = "authenticate"
      }
    }
  }

  action {
    type             = "forward"
    order            = 2
    target_group_arn = aws_lb_target_group.app[each.value.app].arn
  }

  condition {
    path_pattern {
      values = each.value.paths
    }
  }
}

# /metrics, /docs and /openapi.json stay inside the VPC: the services set METRICS_ACCESS and
# API_DOCS_ACCESS to public (docs/aws.md), which is safe only because the ALB answers these paths
# itself, before any route (ops-dashboard's catch-all included), and the tasks' security group
# admits nothing but the ALB.
resource "aws_lb_listener_rule" "internal_paths" {
  listener_arn = aws_lb_listener.https.arn
  priority     = 1

  action {
    type = "fixed-response"
    fixed_response {
      content_type = "application/json"
      message_body = "{\"title\":\"not found\"}"
      status_code  = "404"
    }
  }

  condition {
    path_pattern {
      values = ["/metrics", "/docs", "/docs/*", "/openapi.json"]
    }
  }
}

output "arn" {
  value = aws_lb.this.arn
}

output "dns_name" {
  value = aws_lb.this.dns_name
}

output "zone_id" {
  value = aws_lb.this.zone_id
}

output "target_group_arns" {
  value = { for app, tg in aws_lb_target_group.app : app => tg.arn }
}

output "tasks_security_group_id" {
  value = aws_security_group.tasks.id
}

output "alb_security_group_id" {
  value = aws_security_group.alb.id
}

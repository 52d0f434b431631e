# Security groups module by module (assertions can only see a run's own module).
mock_provider "aws" {
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }
  mock_data "aws_secretsmanager_random_password" {
    defaults = { random_password = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZab" }
  }
}

run "alb_is_the_only_group_open_to_the_internet_and_reaches_the_idp" {
  command = plan
  module {
    source = "./modules/alb"
  }
  variables {
    name              = "dbre"
    vpc_id            = "vpc-0123456789abcdef0"
    public_subnet_ids = ["subnet-0dddddddddddddddd"]
    ingress_cidrs     = ["0.0.0.0/0"]
    certificate_arn   = "arn:aws:acm:eu-west-1:123456789012:certificate/x"
    oidc = {
      issuer                 = "https://login.example.com"
      authorization_endpoint = "https://login.example.com/a"
      token_endpoint         = "https://login.example.com/t"
      user_info_endpoint     = "https://login.example.com/u"
      client_id              = "c"
    }
    oidc_client_secret   = "s"
    routed_apps          = { ops-dashboard = 3004 }
    routes               = [{ app = "ops-dashboard", priority = 100, paths = ["/*"], oidc = true }]
    task_ports           = [3001, 3004]
    database_cidr_blocks = ["10.20.0.0/16"]
    database_port        = 3306
  }

  assert {
    condition     = alltrue([for r in aws_vpc_security_group_ingress_rule.alb_https : r.from_port == 443 && r.to_port == 443])
    error_message = "the listener group opens only 443 (and 80, redirected)"
  }
  assert {
    condition     = alltrue([for r in aws_vpc_security_group_ingress_rule.tasks_from_alb : r.cidr_ipv4 == null])
    error_message = "tasks are reached from the ALB's group only, never from a CIDR"
  }
  assert {
    condition     = aws_vpc_security_group_egress_rule.alb_to_idp.from_port == 443 && aws_vpc_security_group_egress_rule.alb_to_idp.to_port == 443
    error_message = "the ALB may call the IdP on 443 (OIDC sign-in)"
  }
}

run "redis_admits_only_the_tasks_group" {
  command = plan
  module {
    source = "./modules/redis"
  }
  variables {
    name          = "dbre"
    vpc_id        = "vpc-0123456789abcdef0"
    subnet_ids    = ["subnet-0aaaaaaaaaaaaaaaa"]
    node_type     = "cache.t4g.small"
    client_sg_ids = { tasks = "sg-0123456789abcdef0" }
  }
  assert {
    condition     = keys(aws_vpc_security_group_ingress_rule.from_clients) == ["tasks"] && aws_vpc_security_group_ingress_rule.from_clients["tasks"].cidr_ipv4 == null
    error_message = "Redis: in from the tasks' group only"
  }
}

run "endpoints_admit_only_platform_groups" {
  command = plan
  module {
    source = "./modules/vpc-endpoints"
  }
  variables {
    name            = "dbre"
    region          = "eu-west-1"
    vpc_id          = "vpc-0123456789abcdef0"
    subnet_ids      = ["subnet-0aaaaaaaaaaaaaaaa"]
    route_table_ids = ["rtb-0aaaaaaaaaaaaaaaa"]
    client_sg_ids   = { tasks = "sg-0aaaaaaaaaaaaaaaa", bastion = "sg-0bbbbbbbbbbbbbbbb" }
  }
  assert {
    condition     = alltrue([for r in aws_vpc_security_group_ingress_rule.endpoints_https : r.cidr_ipv4 == null])
    error_message = "endpoints: in from platform groups only"
  }
}

run "bastion_egress_is_pinned_to_the_ssm_endpoints" {
  command = plan
  module {
    source = "./modules/bastion"
  }
  variables {
    name                       = "dbre"
    vpc_id                     = "vpc-0123456789abcdef0"
    ssm_through_endpoints      = true
    endpoint_security_group_id = "sg-0eeeeeeeeeeeeeeee"
  }
  assert {
    condition     = length(aws_vpc_security_group_egress_rule.ssm_via_nat) == 0 && length(aws_vpc_security_group_egress_rule.ssm_endpoints) == 1
    error_message = "with endpoints, the bastion's only egress is the endpoints' group"
  }
  assert {
    condition     = aws_vpc_security_group_egress_rule.ssm_endpoints[0].referenced_security_group_id == "sg-0eeeeeeeeeeeeeeee" && aws_vpc_security_group_egress_rule.ssm_endpoints[0].from_port == 443
    error_message = "443 to the endpoints only"
  }
  assert {
    condition     = jsondecode(aws_ssm_document.port_forward.content).sessionType == "Port" && !contains(keys(jsondecode(aws_ssm_document.port_forward.content).parameters), "host") && jsondecode(aws_ssm_document.port_forward.content).properties.portNumber == "3306"
    error_message = "the platform's session document forwards to a fixed port; the engineer picks no host"
  }
}

run "a_regional_bastion_network_reaches_only_ssm_and_its_document_pins_the_port" {
  command = plan
  module {
    source = "./modules/bastion-network"
  }
  variables {
    name                       = "dbre"
    vpc_id                     = "vpc-0fffffffffffffff1"
    endpoint_security_group_id = "sg-0fffffffffffffff9"
  }
  assert {
    condition     = length(aws_vpc_security_group_egress_rule.ssm_endpoints) == 1 && aws_vpc_security_group_egress_rule.ssm_endpoints[0].from_port == 443 && aws_vpc_security_group_egress_rule.ssm_endpoints[0].to_port == 443 && aws_vpc_security_group_egress_rule.ssm_endpoints[0].referenced_security_group_id == "sg-0fffffffffffffff9"
    error_message = "the regional base group reaches the SSM endpoints on 443 only"
  }
  assert {
    condition     = length(aws_vpc_security_group_egress_rule.ssm_via_nat) == 0
    error_message = "with endpoints, no CIDR egress"
  }
  assert {
    condition     = jsondecode(aws_ssm_document.port_forward.content).properties.portNumber == "3306" && keys(jsondecode(aws_ssm_document.port_forward.content).parameters) == ["localPortNumber"]
    error_message = "the regional session document forwards to the fixed proxy port; the engineer names no host"
  }
}

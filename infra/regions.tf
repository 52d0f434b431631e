# Bastions in the regions of the fleet's clusters (a bastion is launched in its cluster's region
# and VPC). Terraform cannot create provider configurations with for_each, so each supported
# region has a static alias below; var.bastion_regions switches a region on. To add a region:
# one provider block, one module block (count on that region), one entry in local.region_networks.

variable "bastion_regions" {
  description = "Bastion networks outside var.region, by region: the VPC of that region's clusters, its private subnets (one per AZ), its SSM endpoints' group (or CIDRs through a NAT) and the clusters' CIDRs there. Supported: us-east-1, us-west-2, eu-west-1, eu-central-1, ap-northeast-1 (regions.tf)."
  type = map(object({
    vpc_id                     = string
    subnet_ids                 = list(string)
    endpoint_security_group_id = optional(string)
    https_egress_cidrs         = optional(list(string), [])
    database_cidr_blocks       = list(string)
  }))
  default = {}
  validation {
    condition     = alltrue([for r in keys(var.bastion_regions) : contains(["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-northeast-1"], r)])
    error_message = "bastion_regions: a region without a provider alias in regions.tf (supported: us-east-1, us-west-2, eu-west-1, eu-central-1, ap-northeast-1)."
  }
  validation {
    condition     = alltrue([for n in values(var.bastion_regions) : n.endpoint_security_group_id != null || length(n.https_egress_cidrs) > 0])
    error_message = "bastion_regions: each region's bastions must reach SSM: give endpoint_security_group_id (preferred) or https_egress_cidrs."
  }
  validation {
    condition     = alltrue([for n in values(var.bastion_regions) : length(n.subnet_ids) > 0 && length(n.database_cidr_blocks) > 0])
    error_message = "bastion_regions: each region needs subnet_ids and database_cidr_blocks (security groups cannot be referenced across regions)."
  }
}

locals {
  default_tags = merge(var.tags, { "managed-by" = var.platform_tag, "dbre:stack" = var.name })
}

provider "aws" {
  alias  = "us_east_1"
  region = "us-east-1"
  default_tags { tags = local.default_tags }
}
provider "aws" {
  alias  = "us_west_2"
  region = "us-west-2"
  default_tags { tags = local.default_tags }
}
provider "aws" {
  alias  = "eu_west_1"
  region = "eu-west-1"
  default_tags { tags = local.default_tags }
}
provider "aws" {
  alias  = "eu_central_1"
  region = "eu-central-1"
  default_tags { tags = local.default_tags }
}
provider "aws" {
  alias  = "ap_northeast_1"
  region = "ap-northeast-1"
  default_tags { tags = local.default_tags }
}

module "bastion_network_us_east_1" {
  count                      = contains(keys(var.bastion_regions), "us-east-1") && var.region != "us-east-1" ? 1 : 0
  source                     = "./modules/bastion-network"
  providers                  = { aws = aws.us_east_1 }
  name                       = var.name
  vpc_id                     = var.bastion_regions["us-east-1"].vpc_id
  endpoint_security_group_id = var.bastion_regions["us-east-1"].endpoint_security_group_id
  https_egress_cidrs         = var.bastion_regions["us-east-1"].https_egress_cidrs
}
module "bastion_network_us_west_2" {
  count                      = contains(keys(var.bastion_regions), "us-west-2") && var.region != "us-west-2" ? 1 : 0
  source                     = "./modules/bastion-network"
  providers                  = { aws = aws.us_west_2 }
  name                       = var.name
  vpc_id                     = var.bastion_regions["us-west-2"].vpc_id
  endpoint_security_group_id = var.bastion_regions["us-west-2"].endpoint_security_group_id
  https_egress_cidrs         = var.bastion_regions["us-west-2"].https_egress_cidrs
}
module "bastion_network_eu_west_1" {
  count                      = contains(keys(var.bastion_regions), "eu-west-1") && var.region != "eu-west-1" ? 1 : 0
  source                     = "./modules/bastion-network"
  providers                  = { aws = aws.eu_west_1 }
  name                       = var.name
  vpc_id                     = var.bastion_regions["eu-west-1"].vpc_id
  endpoint_security_group_id = var.bastion_regions["eu-west-1"].endpoint_security_group_id
  https_egress_cidrs         = var.bastion_regions["eu-west-1"].https_egress_cidrs
}
module "bastion_network_eu_central_1" {
  count                      = contains(keys(var.bastion_regions), "eu-central-1") && var.region != "eu-central-1" ? 1 : 0
  source                     = "./modules/bastion-network"
  providers                  = { aws = aws.eu_central_1 }
  name                       = var.name
  vpc_id                     = var.bastion_regions["eu-central-1"].vpc_id
  endpoint_security_group_id = var.bastion_regions["eu-central-1"].endpoint_security_group_id
  https_egress_cidrs         = var.bastion_regions["eu-central-1"].https_egress_cidrs
}
module "bastion_network_ap_northeast_1" {
  count                      = contains(keys(var.bastion_regions), "ap-northeast-1") && var.region != "ap-northeast-1" ? 1 : 0
  source                     = "./modules/bastion-network"
  providers                  = { aws = aws.ap_northeast_1 }
  name                       = var.name
  vpc_id                     = var.bastion_regions["ap-northeast-1"].vpc_id
  endpoint_security_group_id = var.bastion_regions["ap-northeast-1"].endpoint_security_group_id
  https_egress_cidrs         = var.bastion_regions["ap-northeast-1"].https_egress_cidrs
}

locals {
  # Each region's created pieces (the module instance, absent when the region is off).
  region_networks = {
    "us-east-1"      = one(module.bastion_network_us_east_1[*])
    "us-west-2"      = one(module.bastion_network_us_west_2[*])
    "eu-west-1"      = one(module.bastion_network_eu_west_1[*])
    "eu-central-1"   = one(module.bastion_network_eu_central_1[*])
    "ap-northeast-1" = one(module.bastion_network_ap_northeast_1[*])
  }
  # BASTION_NETWORKS for the provisioner and the reaper (libs/drivers RegionalBastion).
  bastion_networks = [
    for region, n in var.bastion_regions : {
      region          = region
      vpcId           = n.vpc_id
      subnetIds       = n.subnet_ids
      securityGroupId = local.region_networks[region].security_group_id
      databaseCidrs   = n.database_cidr_blocks
    } if region != var.region
  ]
  bastion_network_env = length(local.bastion_networks) == 0 ? {} : { BASTION_NETWORKS = jsonencode(local.bastion_networks) }
}

output "bastion_networks" {
  description = "The bastion networks outside the platform region (BASTION_NETWORKS). Security groups cannot be referenced across regions: allow each region's bastion subnets' CIDRs on the database port in that region's clusters' security groups (or the per-bastion groups, same VPC)."
  value       = local.bastion_networks
}

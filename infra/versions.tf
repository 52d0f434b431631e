terraform {
  required_version = ">= 1.6.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.70, < 7.0"
    }
    random = {
      source  = "hashicorp/random"
      version = ">= 3.6"
    }
  }

  # Keep state remote and encrypted: it holds the Redis AUTH token and generated app secrets.
  # Configure at init time: terraform init -backend-config=backend.hcl (see docs/aws.md).
  backend "s3" {}
}

provider "aws" {
  region = var.region

  default_tags {
    tags = merge(var.tags, {
      "managed-by" = var.platform_tag
      "dbre:stack" = var.name
    })
  }
}
